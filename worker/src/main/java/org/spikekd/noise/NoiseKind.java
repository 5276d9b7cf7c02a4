package org.spikekd.noise;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The kinds of image corruption a robustness study applies, each with one level that says how
 * strong it is. Level 0 leaves every image as it is. Images are [C, H, W] floats in [0, 1]; results
 * are clipped back into [0, 1] (they are stored as 8-bit images again, as a noisy camera would).
 */
public enum NoiseKind {
    /** Additive Gaussian noise; level = its standard deviation (in units of full intensity). */
    GAUSSIAN("gaussian", "sigma") {
        @Override void check(double level) { atLeast(level, 0); }

        @Override void apply(float[] x, int c, int h, int w, double sigma, SplittableRandom r) {
            for (int i = 0; i < x.length; i++) {
                x[i] += (float) (sigma * gaussian(r));
            }
        }
    },
    /** Impulse noise; level = the fraction of pixel positions set to black or white (half each). */
    SALT_PEPPER("salt-pepper", "fraction") {
        @Override void check(double level) { between(level, 0, 1); }

        @Override void apply(float[] x, int c, int h, int w, double fraction, SplittableRandom r) {
            int plane = h * w;
            for (int p = 0; p < plane; p++) {
                if (r.nextDouble() < fraction) {
                    float v = r.nextBoolean() ? 1f : 0f;
                    for (int ch = 0; ch < c; ch++) {
                        x[ch * plane + p] = v;
                    }
                }
            }
        }
    },
    /**
     * Shot noise: each pixel counts photons, Poisson with mean intensity / level, and is scaled back
     * by level; level = 1 / (photons at full intensity), so the variance is intensity x level.
     */
    POISSON("poisson", "1/photons") {
        @Override void check(double level) { atLeast(level, 0); }

        @Override void apply(float[] x, int c, int h, int w, double level, SplittableRandom r) {
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (poisson(r, x[i] / level) * level);
            }
        }
    },
    /** Additive uniform noise in [-level, level]. */
    UNIFORM("uniform", "half-width") {
        @Override void check(double level) { atLeast(level, 0); }

        @Override void apply(float[] x, int c, int h, int w, double a, SplittableRandom r) {
            for (int i = 0; i < x.length; i++) {
                x[i] += (float) (a * (2 * r.nextDouble() - 1));
            }
        }
    },
    /**
     * Gaussian blur with a level x level kernel (odd; 0 or 1 = none) and OpenCV's sigma for that
     * kernel size, 0.3 ((k - 1) / 2 - 1) + 0.8; edges are extended.
     */
    BLUR("blur", "kernel") {
        @Override void check(double level) {
            if (level != Math.rint(level) || level < 0 || (level > 1 && level % 2 == 0)) {
                throw new IllegalArgumentException("blur: the kernel size must be an odd whole number "
                        + "(or 0 for none), got " + level);
            }
        }

        @Override void apply(float[] x, int c, int h, int w, double level, SplittableRandom r) {
            int k = (int) level;
            if (k <= 1) {
                return;
            }
            double sigma = 0.3 * ((k - 1) * 0.5 - 1) + 0.8;
            float[] kernel = new float[k];
            double sum = 0;
            for (int i = 0; i < k; i++) {
                int d = i - k / 2;
                kernel[i] = (float) Math.exp(-d * d / (2 * sigma * sigma));
                sum += kernel[i];
            }
            for (int i = 0; i < k; i++) {
                kernel[i] /= (float) sum;
            }
            float[] tmp = new float[h * w];
            for (int ch = 0; ch < c; ch++) {
                int base = ch * h * w;
                for (int y = 0; y < h; y++) { // rows
                    for (int xx = 0; xx < w; xx++) {
                        float s = 0;
                        for (int i = 0; i < k; i++) {
                            int xi = Math.min(w - 1, Math.max(0, xx + i - k / 2));
                            s += kernel[i] * x[base + y * w + xi];
                        }
                        tmp[y * w + xx] = s;
                    }
                }
                for (int y = 0; y < h; y++) { // columns
                    for (int xx = 0; xx < w; xx++) {
                        float s = 0;
                        for (int i = 0; i < k; i++) {
                            int yi = Math.min(h - 1, Math.max(0, y + i - k / 2));
                            s += kernel[i] * tmp[yi * w + xx];
                        }
                        x[base + y * w + xx] = s;
                    }
                }
            }
        }
    },
    /** Contrast reduction towards each channel's mean; level in [0, 1] (1 = a flat image). */
    CONTRAST("contrast", "reduction") {
        @Override void check(double level) { between(level, 0, 1); }

        @Override void apply(float[] x, int c, int h, int w, double level, SplittableRandom r) {
            int plane = h * w;
            for (int ch = 0; ch < c; ch++) {
                double mean = 0;
                for (int p = 0; p < plane; p++) {
                    mean += x[ch * plane + p];
                }
                mean /= plane;
                for (int p = 0; p < plane; p++) {
                    int i = ch * plane + p;
                    x[i] = (float) (mean + (1 - level) * (x[i] - mean));
                }
            }
        }
    },
    /** A black square of level x level pixels at a random position inside the image. */
    OCCLUSION("occlusion", "patch") {
        @Override void check(double level) {
            if (level != Math.rint(level) || level < 0) {
                throw new IllegalArgumentException("occlusion: the patch size must be a whole number of pixels, got " + level);
            }
        }

        @Override void apply(float[] x, int c, int h, int w, double level, SplittableRandom r) {
            int p = (int) level;
            if (p > h || p > w) {
                throw new IllegalArgumentException("occlusion: a " + p + "x" + p + " patch does not fit in "
                        + h + "x" + w + " images");
            }
            int top = r.nextInt(h - p + 1);
            int left = r.nextInt(w - p + 1);
            for (int ch = 0; ch < c; ch++) {
                for (int y = top; y < top + p; y++) {
                    Arrays.fill(x, ch * h * w + y * w + left, ch * h * w + y * w + left + p, 0f);
                }
            }
        }
    };

    /** The name used on the command line and in results. */
    public final String id;
    /** What the level measures. */
    public final String unit;

    NoiseKind(String id, String unit) {
        this.id = id;
        this.unit = unit;
    }

    /** Throws an IllegalArgumentException naming the kind if {@code level} is not one it takes. */
    abstract void check(double level);

    /** Corrupts one image in place (before clipping); only called with a level above 0. */
    abstract void apply(float[] image, int channels, int height, int width, double level, SplittableRandom random);

    public static NoiseKind byId(String id) {
        for (NoiseKind k : values()) {
            if (k.id.equals(id)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown noise kind '" + id + "'; known: " + ids());
    }

    public static List<String> ids() {
        return Arrays.stream(values()).map(k -> k.id).toList();
    }

    void atLeast(double level, double min) {
        if (!(level >= min) || Double.isInfinite(level)) {
            throw new IllegalArgumentException(id + ": the " + unit + " must be a number >= " + min + ", got " + level);
        }
    }

    void between(double level, double min, double max) {
        if (!(level >= min && level <= max)) {
            throw new IllegalArgumentException(id + ": the " + unit + " must be in [" + min + ", " + max + "], got " + level);
        }
    }

    static double gaussian(SplittableRandom r) {
        // Box-Muller; one of the pair is enough here
        double u = 1.0 - r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    static long poisson(SplittableRandom r, double mean) {
        if (mean <= 0) {
            return 0;
        }
        if (mean > 60) { // the normal approximation is good here and Knuth's loop would be slow
            return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(r)));
        }
        double limit = Math.exp(-mean);
        long k = 0;
        double p = r.nextDouble();
        while (p > limit) {
            k++;
            p *= r.nextDouble();
        }
        return k;
    }
}
