package org.spikekd.batchnorm;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.spikekd.cpu.ThreadBudget;

/**
 * Batch norm's batch statistics and backward pass for float channels-last arrays [N, H, W, C]:
 * the channels-last counterpart of {@link BatchNormKernels}, with the same formulas and the same
 * double-precision sums. The data is M = N*H*W rows of C values, so a channel is a column; the
 * rows are cut into a fixed number of slices spread over the common fork-join pool, each slice's
 * column sums kept apart and added up in slice order (the result does not depend on how many
 * threads ran), and each slice walks its rows in blocks that stay in the cache ({@link BatchNormColumns}).
 */
public final class ChannelsLastBatchNormKernels {
    private ChannelsLastBatchNormKernels() {}

    private static final BatchNormColumns COLUMNS = BatchNormColumns.fastest();
    /** Slices of rows: a fixed number, so that the sums come out the same on any number of cores. */
    private static final int SLICES = 16;
    /** Values per block of rows a slice copies out and works on (64 KiB of floats). */
    private static final int BLOCK_VALUES = 16 * 1024;

    /** Whether {@link #moments} and {@link #backward} take these (as {@link BatchNormKernels#supports}). */
    public static boolean supports(INDArray... arrays) {
        return BatchNormKernels.supports(arrays);
    }

    /** The per-channel mean and biased variance of {@code x} [N, H, W, C], into {@code mean} and {@code variance}. */
    public static void moments(INDArray x, INDArray mean, INDArray variance) {
        Layout l = new Layout(x);
        FloatBuffer xs = x.data().asNioFloat();
        int xAt = (int) x.offset();
        double[][] sums = new double[SLICES][];
        double[][] squares = new double[SLICES][];
        ThreadBudget.forEach(SLICES, s -> {
            sums[s] = new double[l.channels];
            squares[s] = new double[l.channels];
            float[] block = new float[l.blockRows * l.channels];
            for (int first = l.first(s); first < l.first(s + 1); first += l.blockRows) {
                int rows = Math.min(l.blockRows, l.first(s + 1) - first);
                xs.get(xAt + first * l.channels, block, 0, rows * l.channels);
                COLUMNS.addMoments(block, rows, l.channels, sums[s], squares[s]);
            }
        });
        BatchNormSums.storeMoments(inOrder(sums), inOrder(squares), l.rows, mean, variance);
    }

    /**
     * Writes dL/dx into {@code dx} and dL/dgamma, dL/dbeta into {@code dGamma}, {@code dBeta}
     * (C elements each, any shape); arguments as {@link BatchNormKernels#backward}, channels last.
     */
    public static void backward(INDArray x, INDArray mean, INDArray variance, INDArray gamma, INDArray dy, double eps,
                         INDArray dx, INDArray dGamma, INDArray dBeta) {
        Layout l = new Layout(x);
        int channels = l.channels;
        FloatBuffer xs = x.data().asNioFloat();
        FloatBuffer dys = dy.data().asNioFloat();
        FloatBuffer dxs = dx.data().asNioFloat();
        int xAt = (int) x.offset();
        int dyAt = (int) dy.offset();
        int dxAt = (int) dx.offset();
        float[] center = BatchNormSums.centers(mean.toDoubleVector());

        double[][] sumsDy = new double[SLICES][];
        double[][] sumsDyCentered = new double[SLICES][];
        ThreadBudget.forEach(SLICES, s -> {
            sumsDy[s] = new double[channels];
            sumsDyCentered[s] = new double[channels];
            float[] xBlock = new float[l.blockRows * channels];
            float[] dyBlock = new float[l.blockRows * channels];
            for (int first = l.first(s); first < l.first(s + 1); first += l.blockRows) {
                int n = Math.min(l.blockRows, l.first(s + 1) - first) * channels;
                xs.get(xAt + first * channels, xBlock, 0, n);
                dys.get(dyAt + first * channels, dyBlock, 0, n);
                COLUMNS.addGradientSums(dyBlock, xBlock, n / channels, channels, center, sumsDy[s], sumsDyCentered[s]);
            }
        });
        BatchNormSums.InputGradient g = BatchNormSums.gradients(variance.toDoubleVector(), gamma.toDoubleVector(),
                eps, inOrder(sumsDy), inOrder(sumsDyCentered), l.rows, dGamma, dBeta);
        ThreadBudget.forEach(SLICES, s -> {
            float[] xBlock = new float[l.blockRows * channels];
            float[] dyBlock = new float[l.blockRows * channels];
            float[] dxBlock = new float[l.blockRows * channels];
            for (int first = l.first(s); first < l.first(s + 1); first += l.blockRows) {
                int n = Math.min(l.blockRows, l.first(s + 1) - first) * channels;
                xs.get(xAt + first * channels, xBlock, 0, n);
                dys.get(dyAt + first * channels, dyBlock, 0, n);
                COLUMNS.writeInputGradient(dyBlock, xBlock, n / channels, channels, g.a(), g.b(), center, g.k(),
                        dxBlock);
                dxs.put(dxAt + first * channels, dxBlock, 0, n);
            }
        });
    }

    /** Per-channel sums of the slices, added in slice order. */
    private static double[] inOrder(double[][] perSlice) {
        double[] total = perSlice[0].clone();
        for (int s = 1; s < perSlice.length; s++) {
            for (int c = 0; c < total.length; c++) {
                total[c] += perSlice[s][c];
            }
        }
        return total;
    }

    /** How an [N, H, W, C] array is cut: rows of C values, slices of rows, blocks within a slice. */
    private static final class Layout {
        final int channels;
        final int rows;
        final int blockRows;

        Layout(INDArray x) {
            channels = (int) x.size(3);
            rows = (int) (x.length() / channels);
            blockRows = Math.max(1, BLOCK_VALUES / channels);
        }

        /** The first row of slice {@code s} (for s = SLICES: the end). */
        int first(int s) {
            return (int) ((long) rows * s / SLICES);
        }
    }
}
