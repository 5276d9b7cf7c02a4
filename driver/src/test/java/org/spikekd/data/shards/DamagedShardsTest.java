package org.spikekd.data.shards;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.api.Binary;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.spikekd.data.DatasetFormatException;
import org.spikekd.data.HadoopFiles;
import org.spikekd.data.LabeledImages;
import org.spikekd.data.source.DatasetLoader;
import org.spikekd.ingest.DatasetIngest;
import org.spikekd.spark.LocalHdfs;

/**
 * Every kind of bad data in a sharded dataset, on the local disk and on a real HDFS
 * (MiniDFSCluster): each is an error naming the shard (or the manifest) and what is wrong, never a
 * smaller dataset. The shards are damaged through the Hadoop FileSystem API, as a failing disk,
 * a half-finished copy or a careless user would leave them.
 */
class DamagedShardsTest {
    @TempDir static Path base;
    static MiniDFSCluster hdfs;
    static LabeledImages train;
    static LabeledImages test;

    @BeforeAll
    static void start() throws IOException {
        hdfs = LocalHdfs.start(base);
        DatasetLoader raw = new DatasetLoader("idx", LocalHdfs.FASHION, List.of(), 0, true);
        train = raw.load("train", 3000);
        test = raw.load("test", 1000);
    }

    @AfterAll
    static void stop() {
        if (hdfs != null) {
            hdfs.shutdown();
        }
    }

    /** A fresh dataset of 200-image shards (15 train, 5 test) on the named file system. */
    private static String ingest(String fileSystem) throws IOException {
        String name = "fm-" + UUID.randomUUID();
        String dir = fileSystem.equals("hdfs") ? LocalHdfs.uri(hdfs) + "/datasets/" + name
                : "file://" + base.resolve(name);
        ShardManifest.Source source = new ShardManifest.Source();
        source.format = "idx";
        source.inputs = List.of("/usr/share/datasets/fashion-mnist");
        new DatasetIngest(dir).shardBytes(200L * 784).write(train, test, source);
        return dir;
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "hdfs"})
    void aDirectoryWithoutTheMarkerIsRefused(String fileSystem) throws IOException {
        String dir = ingest(fileSystem);
        fs(dir).delete(path(dir, "_SUCCESS"), false);
        assertTrue(expectOpenError(dir).contains("has no _SUCCESS marker"));
        assertTrue(ShardedDataset.looksSharded(dir));
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "hdfs"})
    void aTruncatedShardIsAnErrorNamingIt(String fileSystem) throws IOException {
        String dir = ingest(fileSystem);
        byte[] bytes = read(dir, "train/part-00003.parquet");
        write(dir, "train/part-00003.parquet", Arrays.copyOf(bytes, bytes.length / 2));
        String msg = expectError(dir, "train/part-00003.parquet");
        assertTrue(msg.contains("has " + bytes.length / 2 + " bytes, the manifest says " + bytes.length + " (truncated)"), msg);
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "hdfs"})
    void aChangedByteIsAChecksumMismatch(String fileSystem) throws IOException {
        String dir = ingest(fileSystem);
        byte[] bytes = read(dir, "train/part-00001.parquet");
        bytes[bytes.length / 2] ^= 0x10;
        write(dir, "train/part-00001.parquet", bytes);
        assertTrue(expectError(dir, "train/part-00001.parquet").contains("checksum mismatch"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "hdfs"})
    void aMissingShardIsAnError(String fileSystem) throws IOException {
        String dir = ingest(fileSystem);
        fs(dir).delete(path(dir, "train/part-00014.parquet"), false);
        assertTrue(expectError(dir, "train/part-00014.parquet").contains("is missing"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "hdfs"})
    void classCountsTheShardContradictsAreAnError(String fileSystem) throws IOException {
        String dir = ingest(fileSystem);
        // moved consistently inside the manifest, so only the shard can tell
        editManifest(dir, m -> {
            int[] shard = m.split("train").shards.get(2).classCounts;
            int[] split = m.split("train").classCounts;
            int from = shard[0] > 0 ? 0 : 1;
            int to = 1 - from;
            shard[from]--;
            shard[to]++;
            split[from]--;
            split[to]++;
        });
        assertTrue(expectError(dir, "train/part-00002.parquet").contains("class counts"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "hdfs"})
    void aShapeTheShardsContradictIsAnError(String fileSystem) throws IOException {
        String dir = ingest(fileSystem);
        editManifest(dir, m -> {
            m.shape.height = 14;
            m.shape.width = 56;
        });
        assertTrue(expectError(dir, "train/part-00000.parquet").contains("the dataset's images are 1x14x56"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "hdfs"})
    void countsThatDoNotAddUpAreAManifestError(String fileSystem) throws IOException {
        String dir = ingest(fileSystem);
        editManifest(dir, m -> m.split("test").examples = 999L);
        String msg = expectOpenError(dir);
        assertTrue(msg.contains("manifest.json: split test: its shards hold 1000 examples, the split says 999"), msg);
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "hdfs"})
    void aLabelOutsideTheClassesIsAnError(String fileSystem) throws IOException {
        String dir = ingest(fileSystem);
        replaceShard(dir, "test/part-00004.parquet", 3, 1, 28, 28, 784, 10);
        String msg = expectError(dir, "test/part-00004.parquet");
        assertTrue(msg.contains("row 3 has label 10, outside the manifest's 10 classes"), msg);
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "hdfs"})
    void anImageOfTheWrongShapeOrSizeIsAnError(String fileSystem) throws IOException {
        String dir = ingest(fileSystem);
        replaceShard(dir, "test/part-00000.parquet", 5, 1, 28, 27, 756, 2);
        assertTrue(expectError(dir, "test/part-00000.parquet").contains("row 5 is a 1x28x27 image of 756 bytes"));
        replaceShard(dir, "test/part-00000.parquet", 7, 1, 28, 28, 700, 2);
        assertTrue(expectError(dir, "test/part-00000.parquet").contains("row 7 is a 1x28x28 image of 700 bytes"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "hdfs"})
    void aFileThatIsNotParquetIsAnError(String fileSystem) throws IOException {
        String dir = ingest(fileSystem);
        byte[] junk = "not a parquet file at all".getBytes();
        write(dir, "test/part-00001.parquet", junk);
        editManifest(dir, m -> {
            ShardManifest.Shard s = m.split("test").shards.get(1);
            s.bytes = (long) junk.length;
            s.crc32c = ShardFile.crc32c(junk);
        });
        assertTrue(expectError(dir, "test/part-00001.parquet").contains("not a readable Parquet shard"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "hdfs"})
    void aBadManifestIsAnErrorNamingIt(String fileSystem) throws IOException {
        String dir = ingest(fileSystem);
        String json = new String(read(dir, "manifest.json"));
        write(dir, "manifest.json", json.replace("\"version\" : 1", "\"version\" : 2").getBytes());
        assertTrue(expectOpenError(dir).contains("manifest.json: format version 2"));
        write(dir, "manifest.json", json.replace("\"created\"", "\"made\"").getBytes());
        assertTrue(expectOpenError(dir).contains("manifest.json: is not a valid manifest"));
        write(dir, "manifest.json", json.substring(0, json.length() / 2).getBytes());
        assertTrue(expectOpenError(dir).contains("manifest.json: is not a valid manifest"));
        write(dir, "manifest.json", json.replace("\"train/part-00001.parquet\"", "\"../elsewhere.parquet\"").getBytes());
        assertTrue(expectOpenError(dir).contains("must be relative"));
    }

    // ---- helpers

    /** Reading every split fails; returns the message, which must name {@code shard}. */
    private static String expectError(String dir, String shard) {
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> {
            ShardedDataset ds = ShardedDataset.open(dir);
            ds.read("train", 0);
            ds.read("test", 0);
        });
        assertTrue(e.getMessage().contains(shard), e.getMessage());
        return e.getMessage();
    }

    private static String expectOpenError(String dir) {
        return assertThrows(DatasetFormatException.class, () -> ShardedDataset.open(dir)).getMessage();
    }

    private static FileSystem fs(String dir) throws IOException {
        return HadoopFiles.withoutSideChecksums(HadoopFiles.fileSystem(HadoopFiles.path(dir)));
    }

    private static org.apache.hadoop.fs.Path path(String dir, String file) {
        return new org.apache.hadoop.fs.Path(HadoopFiles.path(dir), file);
    }

    private static byte[] read(String dir, String file) throws IOException {
        try (InputStream in = fs(dir).open(path(dir, file))) {
            return in.readAllBytes();
        }
    }

    private static void write(String dir, String file, byte[] bytes) throws IOException {
        try (OutputStream out = fs(dir).create(path(dir, file), true)) {
            out.write(bytes);
        }
    }

    private static void editManifest(String dir, Consumer<ShardManifest> edit) throws IOException {
        ShardManifest m = ShardManifest.JSON.readValue(read(dir, "manifest.json"), ShardManifest.class);
        edit.accept(m);
        write(dir, "manifest.json", m.toJson());
    }

    /**
     * Rewrites a shard with the same number of rows, row {@code badRow} carrying the given shape,
     * pixel count and label, and updates its size and checksum in the manifest, so that only the
     * row itself is wrong.
     */
    private static void replaceShard(String dir, String file, int badRow, int c, int h, int w, int pixels, int label)
            throws IOException {
        ShardManifest m = ShardManifest.JSON.readValue(read(dir, "manifest.json"), ShardManifest.class);
        ShardManifest.Shard entry = m.splits.values().stream().flatMap(s -> s.shards.stream())
                .filter(s -> s.file.equals(file)).findFirst().orElseThrow();
        InMemoryFile.Output out = new InMemoryFile.Output();
        SimpleGroupFactory rows = new SimpleGroupFactory(ShardFile.SCHEMA);
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(out).withType(ShardFile.SCHEMA)
                .withConf(new Configuration(false)).build()) {
            for (int r = 0; r < entry.examples; r++) {
                boolean bad = r == badRow;
                writer.write(rows.newGroup().append("label", bad ? label : 0)
                        .append("channels", bad ? c : 1).append("height", bad ? h : 28).append("width", bad ? w : 28)
                        .append("image", Binary.fromConstantByteArray(new byte[bad ? pixels : 784])));
            }
        }
        byte[] bytes = out.bytes();
        write(dir, file, bytes);
        editManifest(dir, mm -> mm.splits.values().stream().flatMap(s -> s.shards.stream())
                .filter(s -> s.file.equals(file)).forEach(s -> {
                    s.bytes = (long) bytes.length;
                    s.crc32c = ShardFile.crc32c(bytes);
                }));
    }
}
