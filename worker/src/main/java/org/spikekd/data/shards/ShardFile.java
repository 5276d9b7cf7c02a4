package org.spikekd.data.shards;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.spikekd.data.DatasetFormatException;
import org.spikekd.data.LabeledImages;

/**
 * One shard: a Parquet file of labeled images, one row per image with its class index, its shape
 * and its pixels (8-bit, channel-major [C, H, W]), Snappy-compressed. Plain Parquet, so Spark SQL,
 * pandas or DuckDB read shards too.
 */
public final class ShardFile {
    static final MessageType SCHEMA = Types.buildMessage()
            .required(PrimitiveTypeName.INT32).named("label")
            .required(PrimitiveTypeName.INT32).named("channels")
            .required(PrimitiveTypeName.INT32).named("height")
            .required(PrimitiveTypeName.INT32).named("width")
            .required(PrimitiveTypeName.BINARY).named("image")
            .named("spikekd_image");

    private ShardFile() {}

    /** Images [from, to) of {@code images} as a shard's bytes; {@code info} receives its counts and checksum. */
    public static byte[] write(LabeledImages images, int from, int to, ShardManifest.Shard info) throws IOException {
        InMemoryFile.Output out = new InMemoryFile.Output();
        SimpleGroupFactory rows = new SimpleGroupFactory(SCHEMA);
        int[] classCounts = new int[images.classes().size()];
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(out)
                .withType(SCHEMA)
                .withConf(new Configuration(false))
                .withCompressionCodec(CompressionCodecName.SNAPPY)
                // labels and shapes repeat (dictionary-encoded to almost nothing); pixels do not
                .withDictionaryEncoding("image", false)
                .build()) {
            for (int i = from; i < to; i++) {
                writer.write(rows.newGroup()
                        .append("label", images.label(i))
                        .append("channels", images.channels())
                        .append("height", images.height())
                        .append("width", images.width())
                        .append("image", Binary.fromConstantByteArray(images.image(i))));
                classCounts[images.label(i)]++;
            }
        }
        byte[] bytes = out.bytes();
        info.examples = to - from;
        info.bytes = (long) bytes.length;
        info.crc32c = crc32c(bytes);
        info.classCounts = classCounts;
        return bytes;
    }

    /**
     * The first {@code take} images of a shard whose bytes are {@code bytes}, after checking the
     * whole shard against the manifest: size, checksum, row count, class counts, every label inside
     * the class list and every image of the dataset's shape.
     *
     * @param name how to name the shard in errors (its full path)
     */
    static LabeledImages read(byte[] bytes, ShardManifest.Shard info, ShardManifest manifest, String name, int take)
            throws DatasetFormatException {
        if (bytes.length != info.bytes) {
            throw new DatasetFormatException(name, "has " + bytes.length + " bytes, the manifest says " + info.bytes
                    + (bytes.length < info.bytes ? " (truncated)" : "") + "; re-ingest the dataset");
        }
        String crc = crc32c(bytes);
        if (!crc.equals(info.crc32c)) {
            throw new DatasetFormatException(name, "checksum mismatch: CRC32C " + crc + ", the manifest says "
                    + info.crc32c + " (the file is corrupt or was replaced); re-ingest the dataset");
        }
        ShardManifest.Shape shape = manifest.shape;
        int imageBytes = shape.imageBytes();
        List<String> classes = manifest.classes;
        int[] labels = new int[info.examples];
        byte[] pixels = new byte[Math.multiplyExact(info.examples, imageBytes)];
        int[] classCounts = new int[classes.size()];
        int row = 0;
        try (ParquetFileReader reader = ParquetFileReader.open(InMemoryFile.input(bytes))) {
            MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            if (!schema.equals(SCHEMA)) {
                throw new DatasetFormatException(name, "is not a SpikeKD shard: its columns are " + schema.getFields()
                        + ", expected label, channels, height, width, image");
            }
            if (reader.getRecordCount() != info.examples) {
                throw new DatasetFormatException(name, "holds " + reader.getRecordCount() + " images, the manifest says "
                        + info.examples);
            }
            var columns = new ColumnIOFactory().getColumnIO(schema);
            PageReadStore pages;
            while ((pages = reader.readNextRowGroup()) != null) {
                RecordReader<Group> records = columns.getRecordReader(pages, new GroupRecordConverter(schema));
                for (long r = 0, n = pages.getRowCount(); r < n; r++, row++) {
                    Group g = records.read();
                    int label = g.getInteger("label", 0);
                    if (label < 0 || label >= classes.size()) {
                        throw new DatasetFormatException(name, "row " + row + " has label " + label
                                + ", outside the manifest's " + classes.size() + " classes (0.." + (classes.size() - 1) + ")");
                    }
                    int c = g.getInteger("channels", 0);
                    int h = g.getInteger("height", 0);
                    int w = g.getInteger("width", 0);
                    Binary image = g.getBinary("image", 0);
                    if (c != shape.channels || h != shape.height || w != shape.width || image.length() != imageBytes) {
                        throw new DatasetFormatException(name, "row " + row + " is a " + c + "x" + h + "x" + w
                                + " image of " + image.length() + " bytes; the dataset's images are " + shape
                                + " (" + imageBytes + " bytes)");
                    }
                    labels[row] = label;
                    classCounts[label]++;
                    image.toByteBuffer().get(pixels, row * imageBytes, imageBytes);
                }
            }
        } catch (DatasetFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new DatasetFormatException(name, "is not a readable Parquet shard: " + e);
        }
        if (!Arrays.equals(classCounts, info.classCounts)) {
            throw new DatasetFormatException(name, "class counts " + Arrays.toString(classCounts)
                    + " differ from the manifest's " + Arrays.toString(info.classCounts));
        }
        LabeledImages all = new LabeledImages(pixels, labels, shape.channels, shape.height, shape.width, classes);
        return take >= info.examples ? all : all.slice(0, take);
    }

    static String crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length);
        return String.format("%08x", crc.getValue());
    }
}
