package org.spikekd.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spikekd.data.source.DatasetLoader;

/**
 * The dataset readers on Debian's Fashion-MNIST and on files damaged in the ways real files are:
 * every failure must be a {@link DatasetFormatException} naming the file.
 */
class DatasetReadersTest {
    static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");
    static final List<String> TEN = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    static byte[] testImages;
    static byte[] testLabels;

    @TempDir
    Path dir;

    @BeforeAll
    static void readRealFiles() throws IOException {
        testImages = gunzip(FASHION.resolve("t10k-images-idx3-ubyte.gz"));
        testLabels = gunzip(FASHION.resolve("t10k-labels-idx1-ubyte.gz"));
    }

    static byte[] gunzip(Path file) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            return in.readAllBytes();
        }
    }

    static org.apache.hadoop.fs.Path hadoop(Path p) {
        return HadoopFiles.path(p.toUri().toString());
    }

    Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    Path writeGzipped(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(p))) {
            out.write(bytes);
        }
        return p;
    }

    LabeledImages readIdx(Path images, Path labels) throws IOException {
        return IdxReader.read(hadoop(images), hadoop(labels), TEN);
    }

    static String messageOf(Path file, IOException e) {
        assertTrue(e instanceof DatasetFormatException, "expected a DatasetFormatException, got " + e);
        assertTrue(e.getMessage().contains(file.toString()), "the message should name " + file + ": " + e.getMessage());
        return e.getMessage();
    }

    // ---- IDX

    @Test
    void readsTheFashionMnistTestSplitGzippedAndPlain() throws IOException {
        LabeledImages gz = readIdx(FASHION.resolve("t10k-images-idx3-ubyte.gz"), FASHION.resolve("t10k-labels-idx1-ubyte.gz"));
        assertEquals(10000, gz.size());
        assertEquals(1, gz.channels());
        assertEquals(28, gz.height());
        assertEquals(28, gz.width());
        int[] perClass = new int[10];
        Arrays.fill(perClass, 1000); // Fashion-MNIST's test split is balanced
        assertArrayEquals(perClass, gz.classCounts());
        assertEquals(testLabels[8] & 0xff, gz.label(0));

        LabeledImages plain = readIdx(write("images", testImages), write("labels", testLabels));
        assertEquals(gz.size(), plain.size());
        for (int i = 0; i < gz.size(); i += 997) {
            assertEquals(gz.label(i), plain.label(i));
        }
        assertArrayEquals(gz.channelMeanAndStd()[0], plain.channelMeanAndStd()[0], 1e-12);
    }

    @Test
    void truncatedImagesNameTheFile() throws IOException {
        Path images = writeGzipped("images.gz", Arrays.copyOf(testImages, testImages.length - 100));
        String message = messageOf(images, assertThrows(IOException.class,
                () -> readIdx(images, write("labels", testLabels))));
        assertTrue(message.contains("truncated"), message);
    }

    @Test
    void aGzipStreamCutShortNamesTheFile() throws IOException {
        byte[] gz = Files.readAllBytes(FASHION.resolve("t10k-images-idx3-ubyte.gz"));
        Path images = write("images.gz", Arrays.copyOf(gz, gz.length / 2));
        messageOf(images, assertThrows(IOException.class, () -> readIdx(images, write("labels", testLabels))));
    }

    @Test
    void corruptGzipDataNamesTheFile() throws IOException {
        byte[] gz = Files.readAllBytes(FASHION.resolve("t10k-images-idx3-ubyte.gz"));
        for (int i = gz.length / 3; i < gz.length / 3 + 64; i++) {
            gz[i] = (byte) ~gz[i];
        }
        Path images = write("images.gz", gz);
        messageOf(images, assertThrows(IOException.class, () -> readIdx(images, write("labels", testLabels))));
    }

    @Test
    void swappedFilesFailOnTheMagicNumber() throws IOException {
        Path images = write("images", testImages);
        Path labels = write("labels", testLabels);
        String message = messageOf(labels, assertThrows(IOException.class, () -> readIdx(labels, images)));
        assertTrue(message.contains("magic"), message);
    }

    @Test
    void moreLabelsThanImagesNameTheLabelsFile() throws IOException {
        byte[] fewer = Arrays.copyOf(testImages, 16 + 500 * 28 * 28);
        ByteBuffer.wrap(fewer).putInt(4, 500);
        Path images = write("images", fewer);
        Path labels = write("labels", testLabels);
        String message = messageOf(labels, assertThrows(IOException.class, () -> readIdx(images, labels)));
        assertTrue(message.contains("10000 labels for the 500 images"), message);
    }

    @Test
    void trailingBytesAfterTheDeclaredImagesAreAnError() throws IOException {
        Path images = write("images", Arrays.copyOf(testImages, testImages.length + 5));
        messageOf(images, assertThrows(IOException.class, () -> readIdx(images, write("labels", testLabels))));
    }

    @Test
    void aLabelOutsideTheClassesNamesTheFile() throws IOException {
        byte[] labels = testLabels.clone();
        labels[8 + 1234] = 10;
        Path file = write("labels", labels);
        String message = messageOf(file, assertThrows(IOException.class, () -> readIdx(write("images", testImages), file)));
        assertTrue(message.contains("example 1234"), message);
    }

    @Test
    void theLoaderFindsGzippedOrPlainFilesUnderADirectoryUri() throws IOException {
        write("t10k-images-idx3-ubyte", testImages);
        writeGzipped("t10k-labels-idx1-ubyte.gz", testLabels);
        LabeledImages test = new DatasetLoader("idx", dir.toUri().toString(), List.of(), 0, false).load("test", 0);
        assertEquals(10000, test.size());
        IOException missing = assertThrows(IOException.class,
                () -> new DatasetLoader("idx", dir.toUri().toString(), List.of(), 0, false).load("train", 0));
        assertTrue(missing.getMessage().contains("train-images-idx3-ubyte"), missing.getMessage());
    }

    // ---- CIFAR binary batches

    /** CIFAR records whose pixels encode the record number and label, to check what lands where. */
    static byte[] cifarRecords(int count, boolean cifar100) {
        int labelBytes = cifar100 ? 2 : 1;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int r = 0; r < count; r++) {
            out.write(r % 10);
            if (cifar100) {
                out.write(r % 100);
            }
            for (int p = 0; p < 3072; p++) {
                out.write((p / 1024) * 50 + r % 7); // channel-major: 1024 red, 1024 green, 1024 blue
            }
        }
        assertEquals(count * (labelBytes + 3072), out.size());
        return out.toByteArray();
    }

    @Test
    void readsCifar10BatchesInOrder() throws IOException {
        Path a = write("data_batch_1.bin", cifarRecords(30, false));
        Path b = write("data_batch_2.bin", cifarRecords(20, false));
        LabeledImages images = CifarReader.read(List.of(hadoop(a), hadoop(b)), false, false, TEN);
        assertEquals(50, images.size());
        assertEquals(3, images.channels());
        assertEquals(32, images.height());
        assertEquals(9, images.label(29));
        assertEquals(5, images.label(35)); // record 5 of the second batch
        double[] means = images.channelMeanAndStd()[0];
        assertTrue(means[0] < means[1] && means[1] < means[2], "channel order: " + Arrays.toString(means));
    }

    @Test
    void readsCifar100FineOrCoarseLabels() throws IOException {
        Path file = write("train.bin", cifarRecords(120, true));
        List<String> hundred = java.util.stream.IntStream.range(0, 100).mapToObj(String::valueOf).toList();
        assertEquals(42, CifarReader.read(List.of(hadoop(file)), true, true, hundred).label(42));
        assertEquals(2, CifarReader.read(List.of(hadoop(file)), true, false, hundred).label(42));
    }

    @Test
    void aTruncatedCifarBatchNamesTheFile() throws IOException {
        byte[] records = cifarRecords(3, false);
        Path file = write("data_batch_1.bin", Arrays.copyOf(records, records.length - 1));
        String message = messageOf(file, assertThrows(IOException.class,
                () -> CifarReader.read(List.of(hadoop(file)), false, false, TEN)));
        assertTrue(message.contains("3073-byte"), message);
    }

    @Test
    void aCifar100FileReadAsCifar10IsAnError() throws IOException {
        Path file = write("data_batch_1.bin", cifarRecords(3073, true)); // 3073 records of 3074 bytes
        // 3073 * 3074 bytes is also a whole number of 3073-byte records, so only the labels can
        // tell: read as CIFAR-10, record 1's label byte is the last blue pixel of record 0 (100),
        // outside the 10 classes.
        messageOf(file, assertThrows(IOException.class, () -> CifarReader.read(List.of(hadoop(file)), false, false, TEN)));
    }

    // ---- image folders

    static void writeImage(Path file, Color color, int size, String format) throws IOException {
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = image.createGraphics();
        g.setColor(color);
        g.fillRect(0, 0, size, size);
        g.dispose();
        Files.createDirectories(file.getParent());
        assertTrue(ImageIO.write(image, format, file.toFile()));
    }

    @Test
    void readsAnImageFolderTreeResizedWithClassesFromFolderNames() throws IOException {
        for (int i = 0; i < 3; i++) {
            writeImage(dir.resolve("train/red/r" + i + ".png"), Color.RED, 40 + i, "png");
            writeImage(dir.resolve("train/blue/b" + i + ".jpg"), Color.BLUE, 50, "jpg");
        }
        writeImage(dir.resolve("val/blue/b.jpg"), Color.BLUE, 20, "jpg");
        writeImage(dir.resolve("val/red/r.png"), Color.RED, 20, "png");
        DatasetLoader loader = new DatasetLoader("imagefolder", dir.toUri().toString(), List.of(), 16, false);
        LabeledImages train = loader.load("train", 0);
        assertEquals(List.of("blue", "red"), train.classes());
        assertEquals(6, train.size());
        assertEquals(3, train.channels());
        assertEquals(16, train.height());
        assertEquals(16, train.width());
        assertArrayEquals(new int[] {3, 3}, train.classCounts());
        LabeledImages val = loader.load("test", 0);
        assertEquals(2, val.size());
        double[] means = val.channelMeanAndStd()[0];
        assertEquals(means[0], means[2], 0.05, "one red and one blue image: " + Arrays.toString(means));
    }

    @Test
    void aCorruptImageNamesTheFile() throws IOException {
        writeImage(dir.resolve("train/a/good.png"), Color.GREEN, 8, "png");
        Path bad = dir.resolve("train/b/bad.png");
        Files.createDirectories(bad.getParent());
        Files.write(bad, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        IOException e = assertThrows(IOException.class,
                () -> new DatasetLoader("imagefolder", dir.toUri().toString(), List.of(), 8, false).load("train", 0));
        assertTrue(e.getMessage().contains("bad.png"), e.getMessage());
    }
}
