package org.spikekd.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.spikekd.data.LabeledImages;

/** The statistics of each corruption, and that it is decided by its seed and the image alone. */
class CorruptionTest {
    private static final int SIDE = 28;

    /** n images of one gray value, each with a different label pattern so they differ. */
    private static LabeledImages gray(int n, int value) {
        byte[] pixels = new byte[n * SIDE * SIDE];
        java.util.Arrays.fill(pixels, (byte) value);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 10;
            pixels[i * SIDE * SIDE] = (byte) i; // one pixel tells the images apart
        }
        return new LabeledImages(pixels, labels, 1, SIDE, SIDE, List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"));
    }

    private static LabeledImages random(int n, long seed) {
        byte[] pixels = new byte[n * SIDE * SIDE];
        new Random(seed).nextBytes(pixels);
        int[] labels = new int[n];
        return new LabeledImages(pixels, labels, 1, SIDE, SIDE, List.of("0", "1"));
    }

    /** Differences corrupted - clean in [0, 1] units, skipping each image's first pixel. */
    private static double[] differences(LabeledImages clean, LabeledImages noisy) {
        int size = clean.imageSize();
        double[] d = new double[clean.size() * (size - 1)];
        int k = 0;
        for (int i = 0; i < clean.size(); i++) {
            byte[] a = clean.image(i);
            byte[] b = noisy.image(i);
            for (int p = 1; p < size; p++) {
                d[k++] = ((b[p] & 0xff) - (a[p] & 0xff)) / 255.0;
            }
        }
        return d;
    }

    private static double mean(double[] d) {
        double s = 0;
        for (double v : d) s += v;
        return s / d.length;
    }

    private static double std(double[] d) {
        double m = mean(d);
        double s = 0;
        for (double v : d) s += (v - m) * (v - m);
        return Math.sqrt(s / d.length);
    }

    private static LabeledImages corrupt(String kind, double level, LabeledImages data) {
        return new Corruption(NoiseKind.byId(kind), level, 7).apply(data);
    }

    @Test
    void gaussianHasTheRequestedStandardDeviationAndNoBias() {
        LabeledImages clean = gray(50, 128);
        double[] d = differences(clean, corrupt("gaussian", 0.1, clean));
        assertEquals(0.0, mean(d), 0.003);
        assertEquals(0.1, std(d), 0.003);
    }

    @Test
    void uniformNoiseHasTheStandardDeviationOfItsInterval() {
        LabeledImages clean = gray(50, 128);
        double[] d = differences(clean, corrupt("uniform", 0.2, clean));
        assertEquals(0.0, mean(d), 0.003);
        assertEquals(0.2 / Math.sqrt(3), std(d), 0.003);
        for (double v : d) {
            assertTrue(Math.abs(v) <= 0.2 + 0.5 / 255, "uniform noise beyond its half-width: " + v);
        }
    }

    @Test
    void saltAndPepperChangesTheRequestedFractionToBlackAndWhite() {
        LabeledImages clean = gray(50, 128);
        LabeledImages noisy = corrupt("salt-pepper", 0.1, clean);
        int black = 0;
        int white = 0;
        int total = 0;
        for (int i = 0; i < clean.size(); i++) {
            byte[] b = noisy.image(i);
            for (int p = 1; p < b.length; p++) {
                int v = b[p] & 0xff;
                assertTrue(v == 0 || v == 255 || v == 128, "a pixel neither kept nor black nor white: " + v);
                black += v == 0 ? 1 : 0;
                white += v == 255 ? 1 : 0;
                total++;
            }
        }
        assertEquals(0.1, (black + white) / (double) total, 0.005);
        assertEquals(0.5, black / (double) (black + white), 0.03);
    }

    @Test
    void shotNoiseKeepsTheMeanWithVarianceIntensityTimesLevel() {
        LabeledImages clean = gray(50, 128);
        double level = 0.02; // 50 photons at full intensity
        double[] d = differences(clean, corrupt("poisson", level, clean));
        double intensity = 128 / 255.0;
        assertEquals(0.0, mean(d), 0.004);
        assertEquals(Math.sqrt(intensity * level), std(d), 0.004);
    }

    @Test
    void blurKeepsAFlatImageAndSmoothsACheckerboard() {
        LabeledImages flat = gray(2, 100);
        LabeledImages blurredFlat = corrupt("blur", 5, flat);
        byte[] a = flat.image(0);
        byte[] b = blurredFlat.image(0);
        for (int p = SIDE * 3; p < a.length; p++) { // away from the first pixel's neighbourhood
            assertEquals(a[p], b[p]);
        }
        byte[] checker = new byte[SIDE * SIDE];
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                checker[y * SIDE + x] = (byte) (((x + y) % 2 == 0) ? 255 : 0);
            }
        }
        LabeledImages board = new LabeledImages(checker, new int[] {0}, 1, SIDE, SIDE, List.of("0"));
        double[] d3 = differences(board, corrupt("blur", 3, board));
        double[] d7 = differences(board, corrupt("blur", 7, board));
        // the checkerboard loses contrast, more with a larger kernel
        assertTrue(std(d3) > 0.2, "blur 3 barely changed a checkerboard: " + std(d3));
        assertTrue(std(d7) > std(d3));
        assertArrayEquals(checker, corrupt("blur", 1, board).image(0));
    }

    @Test
    void contrastReductionScalesDeviationsFromTheMean() {
        LabeledImages clean = random(20, 1);
        LabeledImages reduced = corrupt("contrast", 0.75, clean);
        for (int i = 0; i < clean.size(); i++) {
            double[] a = toDoubles(clean.image(i));
            double[] b = toDoubles(reduced.image(i));
            assertEquals(mean(a), mean(b), 0.003);
            assertEquals(0.25 * std(a), std(b), 0.003);
        }
        byte[] flat = corrupt("contrast", 1, clean).image(0);
        for (byte v : flat) {
            assertEquals(flat[0], v);
        }
    }

    @Test
    void occlusionBlacksOutOneSquareOfTheRequestedSize() {
        LabeledImages white = gray(30, 255);
        LabeledImages occluded = corrupt("occlusion", 8, white);
        java.util.Set<Integer> corners = new java.util.HashSet<>();
        for (int i = 0; i < white.size(); i++) {
            byte[] b = occluded.image(i);
            int top = SIDE;
            int left = SIDE;
            int zeros = 0;
            for (int p = 1; p < b.length; p++) {
                if (b[p] == 0) {
                    zeros++;
                    top = Math.min(top, p / SIDE);
                    left = Math.min(left, p % SIDE);
                }
            }
            boolean cornerAtOrigin = top == 0 && left == 0; // the first pixel is not white there
            assertTrue(zeros == 64 || (cornerAtOrigin && zeros == 63), "occluded pixels: " + zeros);
            for (int y = top; y < top + 8; y++) {
                for (int x = left; x < left + 8; x++) {
                    assertTrue(y * SIDE + x == 0 || b[y * SIDE + x] == 0);
                }
            }
            corners.add(top * SIDE + left);
        }
        assertTrue(corners.size() > 10, "the patch should move between images; positions: " + corners);
        assertThrows(IllegalArgumentException.class, () -> corrupt("occlusion", 29, white));
    }

    @Test
    void theSeedDecidesTheNoiseAndPartitioningDoesNot() {
        LabeledImages clean = random(40, 3);
        for (NoiseKind kind : NoiseKind.values()) {
            double level = kind == NoiseKind.BLUR ? 3 : kind == NoiseKind.OCCLUSION ? 6 : 0.2;
            Corruption a = new Corruption(kind, level, 11);
            LabeledImages whole = a.apply(clean);
            LabeledImages again = new Corruption(kind, level, 11).apply(clean);
            LabeledImages parts = LabeledImages.concat(List.of(a.apply(clean.slice(0, 13)),
                    a.apply(clean.slice(13, 40))), "parts");
            for (int i = 0; i < clean.size(); i++) {
                assertArrayEquals(whole.image(i), again.image(i), kind + ": same seed, same noise");
                assertArrayEquals(whole.image(i), parts.image(i), kind + ": partitioning changed the noise");
                assertEquals(clean.label(i), whole.label(i));
            }
            if (kind != NoiseKind.BLUR && kind != NoiseKind.CONTRAST) { // those two draw nothing
                LabeledImages other = new Corruption(kind, level, 12).apply(clean);
                boolean differs = false;
                for (int i = 0; i < clean.size() && !differs; i++) {
                    differs = !java.util.Arrays.equals(whole.image(i), other.image(i));
                }
                assertTrue(differs, kind + ": another seed gave the same noise");
            }
        }
    }

    @Test
    void levelZeroIsTheCleanDataAndBadSpecsAreNamed() {
        LabeledImages clean = random(3, 4);
        assertSame(clean, new Corruption(NoiseKind.GAUSSIAN, 0, 1).apply(clean));
        List<Corruption> parsed = Corruption.parse("salt-pepper:0, 0.05,0.1", 0);
        assertEquals(3, parsed.size());
        assertEquals("salt-pepper:0.05", parsed.get(1).toString());
        assertFalse(parsed.get(2).isNone());
        String unknown = assertThrows(IllegalArgumentException.class, () -> Corruption.parse("speckle:0.1", 0)).getMessage();
        assertTrue(unknown.contains("speckle") && unknown.contains("gaussian"), unknown);
        String range = assertThrows(IllegalArgumentException.class, () -> Corruption.parse("salt-pepper:1.5", 0)).getMessage();
        assertTrue(range.contains("fraction") && range.contains("1.5"), range);
        assertThrows(IllegalArgumentException.class, () -> Corruption.parse("blur:4", 0));
        assertThrows(IllegalArgumentException.class, () -> Corruption.parse("gaussian:NaN", 0));
        assertThrows(IllegalArgumentException.class, () -> Corruption.parse("gaussian:x", 0));
        assertThrows(IllegalArgumentException.class, () -> Corruption.parse("gaussian", 0));
    }

    private static double[] toDoubles(byte[] b) {
        double[] d = new double[b.length];
        for (int i = 0; i < b.length; i++) d[i] = (b[i] & 0xff) / 255.0;
        return d;
    }
}
