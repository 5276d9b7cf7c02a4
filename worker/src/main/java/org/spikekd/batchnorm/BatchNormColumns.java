package org.spikekd.batchnorm;

import org.spikekd.simd.VectorApi;

/**
 * The arithmetic {@link ChannelsLastBatchNormKernels} does on a block of channels-last data: rows
 * of {@code channels} values, one per channel, so a channel is a column. Plain Java loops, or SIMD
 * through the JDK's Vector API where the JVM has it ({@link VectorApi}). Sums are accumulated in
 * double either way, per channel, added into the arrays passed in.
 */
interface BatchNormColumns {

    /** The columns the JVM runs fastest. */
    static BatchNormColumns fastest() {
        return VectorApi.AVAILABLE ? new VectorBatchNormColumns() : new ScalarBatchNormColumns();
    }

    /** Adds each column's Σ x and Σ x² over {@code rows} rows of {@code x} to {@code sum[c]}, {@code sumSquares[c]}. */
    void addMoments(float[] x, int rows, int channels, double[] sum, double[] sumSquares);

    /** Adds each column's Σ dy and Σ dy (x - center[c]) to {@code sumDy[c]} and {@code sumDyCentered[c]}. */
    void addGradientSums(float[] dy, float[] x, int rows, int channels, float[] center, double[] sumDy,
                         double[] sumDyCentered);

    /** dx = a[c] dy + b[c] (x - center[c]) + k[c], element by element, in float. */
    void writeInputGradient(float[] dy, float[] x, int rows, int channels, float[] a, float[] b, float[] center,
                            float[] k, float[] dx);
}
