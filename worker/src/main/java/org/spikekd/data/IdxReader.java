package org.spikekd.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.hadoop.fs.Path;

/**
 * Reads IDX files (LeCun's format of MNIST and Fashion-MNIST), plain or gzipped: an images file
 * (magic 0x00000803, unsigned bytes, N x rows x columns) and a labels file (0x00000801, N bytes).
 */
public final class IdxReader {
    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;

    private IdxReader() {}

    public static LabeledImages read(Path images, Path labels, List<String> classes) throws IOException {
        byte[] pixels;
        int count;
        int rows;
        int cols;
        try (InputStream in = HadoopFiles.openMaybeGzipped(images)) {
            int[] header = header(in, images.toString(), IMAGES_MAGIC, 3);
            count = header[0];
            rows = header[1];
            cols = header[2];
            if (rows < 1 || cols < 1) {
                throw new DatasetFormatException(images.toString(), "image size " + rows + "x" + cols + " is empty");
            }
            long bytes = (long) count * rows * cols;
            if (bytes > Integer.MAX_VALUE - 8) {
                throw new DatasetFormatException(images.toString(), "too large to hold in memory: " + bytes + " bytes");
            }
            pixels = new byte[(int) bytes];
            HadoopFiles.readFully(in, pixels, images.toString(), count + " images of " + rows + "x" + cols);
            if (!HadoopFiles.atEnd(in)) {
                throw new DatasetFormatException(images.toString(), "has bytes after the " + count + " images its header declares");
            }
        }
        byte[] labelBytes;
        try (InputStream in = HadoopFiles.openMaybeGzipped(labels)) {
            int labelCount = header(in, labels.toString(), LABELS_MAGIC, 1)[0];
            if (labelCount != count) {
                throw new DatasetFormatException(labels.toString(), labelCount + " labels for the "
                        + count + " images of " + images);
            }
            labelBytes = new byte[labelCount];
            HadoopFiles.readFully(in, labelBytes, labels.toString(), labelCount + " labels");
        }
        int[] labelInts = new int[count];
        for (int i = 0; i < count; i++) {
            labelInts[i] = labelBytes[i] & 0xff;
            if (labelInts[i] >= classes.size()) {
                throw new DatasetFormatException(labels.toString(), "label " + labelInts[i] + " of example " + i
                        + " is outside the " + classes.size() + " classes " + classes);
            }
        }
        return new LabeledImages(pixels, labelInts, 1, rows, cols, classes);
    }

    private static int[] header(InputStream in, String file, int magic, int dims) throws IOException {
        byte[] raw = new byte[4 + 4 * dims];
        HadoopFiles.readFully(in, raw, file, "the IDX header");
        ByteBuffer b = ByteBuffer.wrap(raw);
        int found = b.getInt();
        if (found != magic) {
            throw new DatasetFormatException(file, String.format(
                    "bad IDX magic number 0x%08x, expected 0x%08x (%s); is this the right file?",
                    found, magic, magic == IMAGES_MAGIC ? "unsigned-byte images, 3 dimensions" : "unsigned-byte labels, 1 dimension"));
        }
        int[] sizes = new int[dims];
        for (int i = 0; i < dims; i++) {
            sizes[i] = b.getInt();
            if (sizes[i] < 0) {
                throw new DatasetFormatException(file, "negative dimension in the IDX header");
            }
        }
        return sizes;
    }
}
