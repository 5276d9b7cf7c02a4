package org.spikekd.batchnorm;

import org.spikekd.simd.VectorApi;

/**
 * The arithmetic {@link BatchNormKernels} does on one row (one example's plane of one channel):
 * plain Java loops, or SIMD through the JDK's Vector API where the JVM has it ({@link VectorApi}).
 * Sums are accumulated in double either way.
 */
interface BatchNormRows {

    /** The rows the JVM runs fastest. */
    static BatchNormRows fastest() {
        return VectorApi.AVAILABLE ? new VectorBatchNormRows() : new ScalarBatchNormRows();
    }

    /** Adds Σ x and Σ x² over {@code x[0, length)} to {@code sums[0]} and {@code sums[1]}. */
    void addMoments(float[] x, int length, double[] sums);

    /** Adds Σ dy and Σ dy (x - center) over the first {@code length} elements to {@code sums[0]} and {@code sums[1]}. */
    void addGradientSums(float[] dy, float[] x, int length, float center, double[] sums);

    /** dx = a dy + b (x - center) + k, element by element, in float. */
    void writeInputGradient(float[] dy, float[] x, int length, float a, float b, float center, float k, float[] dx);
}
