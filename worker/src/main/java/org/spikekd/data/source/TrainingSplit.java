package org.spikekd.data.source;

import java.io.IOException;
import java.util.List;
import org.spikekd.data.LabeledImages;
import org.spikekd.data.shards.ShardManifest;
import org.spikekd.data.shards.ShardedDataset;

/**
 * A run's training split as the driver knows it: its image shape, classes, size and per-channel
 * normalization, with the examples themselves read only when asked for. A sharded dataset's
 * manifest gives the summary, so a driver that trains on Spark reads only the few shards it
 * evaluates on; a raw format gives it by reading the split.
 */
public final class TrainingSplit {
    private final int channels;
    private final int height;
    private final int width;
    private final List<String> classes;
    private final double[][] normalization;
    private final int examples;
    private final ShardedDataset shards;
    private LabeledImages images;

    private TrainingSplit(int channels, int height, int width, List<String> classes, double[][] normalization,
                          int examples, ShardedDataset shards, LabeledImages images) {
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.classes = List.copyOf(classes);
        this.normalization = normalization;
        this.examples = examples;
        this.shards = shards;
        this.images = images;
    }

    /** A split already in memory; normalized by its own statistics. */
    public static TrainingSplit of(LabeledImages images) {
        return new TrainingSplit(images.channels(), images.height(), images.width(), images.classes(),
                images.channelMeanAndStd(), images.size(), null, images);
    }

    /**
     * The first {@code limit} examples (all if 0) of a sharded dataset's training split, known from
     * its manifest; normalized by the manifest's statistics (of the whole training split).
     */
    static TrainingSplit of(ShardedDataset dataset, int limit) throws IOException {
        ShardManifest m = dataset.manifest();
        long all = dataset.split("train").examples;
        int n = (int) (limit > 0 ? Math.min(limit, all) : all);
        return new TrainingSplit(m.shape.channels, m.shape.height, m.shape.width, m.classes,
                new double[][] {m.normalization.mean.clone(), m.normalization.std.clone()}, n, dataset, null);
    }

    public int channels() { return channels; }

    public int height() { return height; }

    public int width() { return width; }

    public List<String> classes() { return classes; }

    public int size() { return examples; }

    /** Per-channel mean and standard deviation of pixels scaled to [0, 1]: {mean, std}. */
    public double[][] channelMeanAndStd() {
        return new double[][] {normalization[0].clone(), normalization[1].clone()};
    }

    /** All its examples (read on first use). */
    public synchronized LabeledImages images() throws IOException {
        if (images == null) {
            images = shards.read("train", examples);
        }
        return images;
    }

    /** Its first {@code n} examples (all if 0): only the shards that hold them are read. */
    public synchronized LabeledImages first(int n) throws IOException {
        if (images != null || n <= 0 || n >= examples) {
            return images().first(n);
        }
        return shards.read("train", n);
    }
}
