package org.spikekd.simd;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Whether an array's elements are one dense row-major run, which the SIMD kernels read and write
 * directly and which reshapes without a copy.
 *
 * <p>ND4J's own tests do not answer this: {@code isView()} is true for every array in a DL4J
 * workspace, and {@code Shape.hasDefaultStridesForShape} is false for shapes with a dimension of
 * size 1 (a [N, H, W, 1] image, a [oC, 1, kH, kW] kernel).
 */
public final class RowMajor {
    private RowMajor() {}

    /** True when each dimension of size above 1 has the stride of a dense row-major array. */
    public static boolean isDense(INDArray a) {
        long[] shape = a.shape();
        long[] stride = a.stride();
        long expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && stride[d] != expected) {
                return false;
            }
            expected *= shape[d];
        }
        return true;
    }

    /** {@code a}, or a dense row-major copy of it. */
    public static INDArray of(INDArray a) {
        return isDense(a) ? a : a.dup('c');
    }
}
