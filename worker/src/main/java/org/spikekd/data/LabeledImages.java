package org.spikekd.data;

import java.util.Arrays;
import java.util.List;

/**
 * A set of labeled images in memory: 8-bit pixels, channel-major per image ([C, H, W]), and a class
 * index per image. Bytes keep a dataset four times smaller than floats; {@link Minibatches} turns
 * them into [0, 1] floats one minibatch at a time.
 */
public final class LabeledImages {
    private final byte[] pixels;
    private final int[] labels;
    private final int channels;
    private final int height;
    private final int width;
    private final List<String> classes;

    public LabeledImages(byte[] pixels, int[] labels, int channels, int height, int width, List<String> classes) {
        long perImage = (long) channels * height * width;
        if (perImage * labels.length != pixels.length) {
            throw new IllegalArgumentException(labels.length + " labels but " + pixels.length
                    + " bytes of pixels for " + channels + "x" + height + "x" + width + " images");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes.size()) {
                throw new IllegalArgumentException("label " + labels[i] + " of image " + i
                        + " is outside the " + classes.size() + " classes");
            }
        }
        this.pixels = pixels;
        this.labels = labels;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.classes = List.copyOf(classes);
    }

    public int size() { return labels.length; }

    public int channels() { return channels; }

    public int height() { return height; }

    public int width() { return width; }

    public int imageSize() { return channels * height * width; }

    public List<String> classes() { return classes; }

    public int label(int i) { return labels[i]; }

    /** A copy of image i's bytes, [C, H, W]. */
    public byte[] image(int i) {
        return Arrays.copyOfRange(pixels, i * imageSize(), (i + 1) * imageSize());
    }

    /** The raw bytes of image i are pixels()[i * imageSize() ..]; not a copy. */
    byte[] pixels() { return pixels; }

    /** The first {@code n} images (all if n is 0 or at least the size). */
    public LabeledImages first(int n) {
        if (n <= 0 || n >= size()) {
            return this;
        }
        return new LabeledImages(Arrays.copyOf(pixels, n * imageSize()), Arrays.copyOf(labels, n),
                channels, height, width, classes);
    }

    /**
     * The images of all {@code parts} in order; they must agree on image shape and classes.
     *
     * @param what names the parts in an error
     */
    public static LabeledImages concat(List<LabeledImages> parts, String what) {
        LabeledImages first = parts.get(0);
        int n = 0;
        for (LabeledImages p : parts) {
            if (p.imageSize() != first.imageSize() || p.height != first.height || !p.classes.equals(first.classes)) {
                throw new IllegalArgumentException(what + " differ: " + p.channels + "x" + p.height + "x" + p.width
                        + " images of classes " + p.classes + " against " + first.channels + "x" + first.height + "x"
                        + first.width + " of " + first.classes);
            }
            n += p.size();
        }
        if (parts.size() == 1) {
            return first;
        }
        byte[] pixels = new byte[Math.multiplyExact(n, first.imageSize())];
        int[] labels = new int[n];
        int at = 0;
        for (LabeledImages p : parts) {
            System.arraycopy(p.pixels, 0, pixels, at * first.imageSize(), p.pixels.length);
            System.arraycopy(p.labels, 0, labels, at, p.size());
            at += p.size();
        }
        return new LabeledImages(pixels, labels, first.channels, first.height, first.width, first.classes);
    }

    /** The images at {@code indices}, in that order. */
    public LabeledImages select(int[] indices) {
        byte[] out = new byte[Math.multiplyExact(indices.length, imageSize())];
        int[] outLabels = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            System.arraycopy(pixels, indices[k] * imageSize(), out, k * imageSize(), imageSize());
            outLabels[k] = labels[indices[k]];
        }
        return new LabeledImages(out, outLabels, channels, height, width, classes);
    }

    /** Images {@code from} (inclusive) to {@code to} (exclusive), in order: one partition's share. */
    public LabeledImages slice(int from, int to) {
        if (from < 0 || to > size() || from > to) {
            throw new IndexOutOfBoundsException("slice [" + from + ", " + to + ") of " + size() + " images");
        }
        return new LabeledImages(Arrays.copyOfRange(pixels, from * imageSize(), to * imageSize()),
                Arrays.copyOfRange(labels, from, to), channels, height, width, classes);
    }

    /**
     * Partition {@code index} of {@code count} near-equal contiguous partitions; sizes differ by at
     * most one, so partitioning is the same wherever it is computed.
     */
    public LabeledImages partition(int index, int count) {
        long n = size();
        return slice((int) (n * index / count), (int) (n * (index + 1) / count));
    }

    /** Per-channel mean and standard deviation of the pixels scaled to [0, 1]. */
    public double[][] channelMeanAndStd() {
        double[] sum = new double[channels];
        double[] sumSq = new double[channels];
        int plane = height * width;
        for (int i = 0; i < size(); i++) {
            int base = i * imageSize();
            for (int c = 0; c < channels; c++) {
                double s = 0;
                double sq = 0;
                for (int p = base + c * plane, end = p + plane; p < end; p++) {
                    double v = (pixels[p] & 0xff) / 255.0;
                    s += v;
                    sq += v * v;
                }
                sum[c] += s;
                sumSq[c] += sq;
            }
        }
        double count = (double) size() * plane;
        double[] mean = new double[channels];
        double[] std = new double[channels];
        for (int c = 0; c < channels; c++) {
            mean[c] = sum[c] / count;
            std[c] = Math.sqrt(Math.max(sumSq[c] / count - mean[c] * mean[c], 1e-12));
        }
        return new double[][] {mean, std};
    }

    /** Counts of each class, by class index. */
    public int[] classCounts() {
        int[] counts = new int[classes.size()];
        for (int l : labels) {
            counts[l]++;
        }
        return counts;
    }
}
