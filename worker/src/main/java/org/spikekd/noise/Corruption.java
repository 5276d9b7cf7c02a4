package org.spikekd.noise;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.spikekd.data.LabeledImages;

/**
 * One corruption of a robustness study: a {@link NoiseKind} at one level, drawn from a seed. Each
 * image's noise is decided by the seed and the image itself (its pixels and label), not by its
 * position, so a dataset corrupts the same way however it is split into partitions; and the same
 * image gets the same random draws at every level, so the levels of one kind differ only in
 * strength (common random numbers make the curves smooth).
 */
public final class Corruption implements Serializable {
    private static final long serialVersionUID = 1L;

    public final NoiseKind kind;
    public final double level;
    public final long seed;

    public Corruption(NoiseKind kind, double level, long seed) {
        kind.check(level);
        this.kind = kind;
        this.level = level;
        this.seed = seed;
    }

    /** No corruption at all. */
    public static Corruption none() {
        return new Corruption(NoiseKind.GAUSSIAN, 0, 0);
    }

    public boolean isNone() {
        return level == 0;
    }

    /**
     * Parses {@code KIND:LEVEL[,LEVEL...]}, e.g. {@code gaussian:0,0.1,0.2}, into one corruption per
     * level, in the order given.
     */
    public static List<Corruption> parse(String spec, long seed) {
        int colon = spec.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("--noise " + spec + ": expected KIND:LEVEL[,LEVEL...], "
                    + "e.g. gaussian:0,0.1,0.2; kinds: " + NoiseKind.ids());
        }
        NoiseKind kind;
        try {
            kind = NoiseKind.byId(spec.substring(0, colon).trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--noise " + spec + ": " + e.getMessage());
        }
        List<Corruption> out = new ArrayList<>();
        for (String level : spec.substring(colon + 1).split(",")) {
            double value;
            try {
                value = Double.parseDouble(level.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--noise " + spec + ": '" + level + "' is not a number");
            }
            try {
                out.add(new Corruption(kind, value, seed));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--noise " + spec + ": " + e.getMessage());
            }
        }
        return out;
    }

    /** The corrupted copy of {@code data} (the same object if the level is 0). */
    public LabeledImages apply(LabeledImages data) {
        if (isNone()) {
            return data;
        }
        int c = data.channels();
        int h = data.height();
        int w = data.width();
        int size = data.imageSize();
        byte[] pixels = new byte[Math.multiplyExact(data.size(), size)];
        int[] labels = new int[data.size()];
        float[] x = new float[size];
        for (int i = 0; i < data.size(); i++) {
            byte[] image = data.image(i);
            labels[i] = data.label(i);
            for (int p = 0; p < size; p++) {
                x[p] = (image[p] & 0xff) / 255f;
            }
            kind.apply(x, c, h, w, level, randomFor(image, labels[i]));
            for (int p = 0; p < size; p++) {
                pixels[i * size + p] = (byte) Math.round(Math.min(1f, Math.max(0f, x[p])) * 255f);
            }
        }
        return new LabeledImages(pixels, labels, c, h, w, data.classes());
    }

    private SplittableRandom randomFor(byte[] image, int label) {
        long mixed = seed * 0x9E3779B97F4A7C15L + Arrays.hashCode(image) * 31L + label;
        return new SplittableRandom(mixed);
    }

    /** {@code kind:level}, as given on the command line. */
    @Override
    public String toString() {
        return kind.id + ":" + formatLevel(level);
    }

    public static String formatLevel(double level) {
        return level == Math.rint(level) ? String.valueOf((long) level) : String.valueOf(level);
    }
}
