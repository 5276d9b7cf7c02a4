package org.spikekd.batchnorm;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.spikekd.cpu.ThreadBudget;
import org.spikekd.simd.RowMajor;

/**
 * Batch norm's batch statistics and backward pass for float NCHW arrays, as loops over each
 * channel's rows ({@link BatchNormRows}: SIMD where the JVM has the Vector API, plain Java
 * otherwise), channels spread over the common fork-join pool.
 *
 * <p>One pass sums (in double), one writes dx (in float); {@link BatchNormSums} turns the sums
 * into the statistics and gradients.
 * On a student's [256, 32, 28, 28] currents these loops take about 8 ms for the backward pass
 * (quiet, this project's Intel machine); libnd4j's {@code batchnorm_bp} (oneDNN) took 4-5 times as
 * long as even a first, slower version of them, and had been a fifth of a training step. The
 * sums are in double: the statistics come out exact to float precision (the float {@code moments}
 * op's mean was off by 2e-5 relative over 200k values), and the gradients closer to a
 * double-precision computation than DL4J's own float path.
 */
public final class BatchNormKernels {
    private BatchNormKernels() {}

    /** The per-row arithmetic: SIMD where the JVM has the Vector API. */
    private static final BatchNormRows ROWS = BatchNormRows.fastest();

    /** Whether {@link #moments} and {@link #backward} take these: float, rank 4, dense row-major, int-indexed. */
    public static boolean supports(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a.dataType() != DataType.FLOAT || a.rank() != 4 || !RowMajor.isDense(a)
                    || a.offset() + a.length() > Integer.MAX_VALUE) {
                return false;
            }
        }
        return true;
    }

    /**
     * The per-channel mean and biased variance of {@code x} [N, C, H, W], summed in double, into
     * {@code mean} and {@code variance} (C elements each).
     */
    public static void moments(INDArray x, INDArray mean, INDArray variance) {
        int n = (int) x.size(0);
        int channels = (int) x.size(1);
        int plane = (int) (x.size(2) * x.size(3));
        FloatBuffer xs = x.data().asNioFloat();
        int xAt = (int) x.offset();
        double[] sum = new double[channels];
        double[] sumSquares = new double[channels];
        ThreadBudget.forEach(channels, c -> {
            float[] xRow = new float[plane];
            double[] sums = new double[2]; // Σ x, Σ x²
            for (int i = 0; i < n; i++) {
                xs.get(xAt + (i * channels + c) * plane, xRow);
                ROWS.addMoments(xRow, plane, sums);
            }
            sum[c] = sums[0];
            sumSquares[c] = sums[1];
        });
        BatchNormSums.storeMoments(sum, sumSquares, (double) n * plane, mean, variance);
    }

    /**
     * Writes dL/dx into {@code dx} and dL/dgamma, dL/dbeta into the per-channel {@code dGamma},
     * {@code dBeta} (any shape of C elements).
     *
     * @param x the layer's input [N, C, H, W]; {@code mean}, {@code variance} its batch statistics (C)
     * @param dy dL/d(output), same shape as x
     */
    public static void backward(INDArray x, INDArray mean, INDArray variance, INDArray gamma, INDArray dy, double eps,
                     INDArray dx, INDArray dGamma, INDArray dBeta) {
        int n = (int) x.size(0);
        int channels = (int) x.size(1);
        int plane = (int) (x.size(2) * x.size(3));
        FloatBuffer xs = x.data().asNioFloat();
        FloatBuffer dys = dy.data().asNioFloat();
        FloatBuffer dxs = dx.data().asNioFloat();
        int xAt = (int) x.offset();
        int dyAt = (int) dy.offset();
        int dxAt = (int) dx.offset();
        float[] center = BatchNormSums.centers(mean.toDoubleVector());

        double[] sumDy = new double[channels];
        double[] sumDyCentered = new double[channels];
        ThreadBudget.forEach(channels, c -> {
            float[] xRow = new float[plane];
            float[] dyRow = new float[plane];
            double[] sums = new double[2]; // Σ dy, Σ dy (x - mean)
            for (int i = 0; i < n; i++) {
                int row = (i * channels + c) * plane;
                xs.get(xAt + row, xRow);
                dys.get(dyAt + row, dyRow);
                ROWS.addGradientSums(dyRow, xRow, plane, center[c], sums);
            }
            sumDy[c] = sums[0];
            sumDyCentered[c] = sums[1];
        });
        BatchNormSums.InputGradient g = BatchNormSums.gradients(variance.toDoubleVector(), gamma.toDoubleVector(),
                eps, sumDy, sumDyCentered, (double) n * plane, dGamma, dBeta);
        ThreadBudget.forEach(channels, c -> {
            float[] xRow = new float[plane];
            float[] dyRow = new float[plane];
            float[] dxRow = new float[plane];
            for (int i = 0; i < n; i++) {
                int row = (i * channels + c) * plane;
                xs.get(xAt + row, xRow);
                dys.get(dyAt + row, dyRow);
                ROWS.writeInputGradient(dyRow, xRow, plane, g.a()[c], g.b()[c], center[c], g.k()[c], dxRow);
                dxs.put(dxAt + row, dxRow);
            }
        });
    }
}
