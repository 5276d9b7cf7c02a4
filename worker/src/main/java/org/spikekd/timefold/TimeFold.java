package org.spikekd.timefold;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.simd.RowMajor;

/**
 * Moving between per-example tensors [N, ...] and time-folded ones [T*N, ...] (time-major: all N
 * examples of step 0, then of step 1, ...). Time-folding lets every stateless layer (convolution,
 * batch norm, pooling, dense) run once over all steps; only the neurons iterate over time.
 */
public final class TimeFold {
    private TimeFold() {}

    /** [N, ...] repeated over T steps: [T*N, ...]. */
    public static INDArray repeat(INDArray x, int timeSteps) {
        if (timeSteps == 1) {
            return x.dup();
        }
        // T copies into row blocks of one array: two and a half times as fast as Nd4j.concat of
        // T references (a [64, 32, 28, 28] tensor over 4 steps: 2.3 against 5.6 ms)
        long[] shape = x.shape().clone();
        shape[0] *= timeSteps;
        INDArray out = Nd4j.createUninitialized(x.dataType(), shape, 'c');
        INDArray steps = out.reshape('c', timeSteps, x.length());
        INDArray one = RowMajor.of(x).reshape('c', 1, x.length());
        for (int t = 0; t < timeSteps; t++) {
            steps.getRow(t, true).assign(one);
        }
        return out;
    }

    /** [T*N, ...] summed over the T steps: [N, ...]. The backward pass of {@link #repeat}. */
    public static INDArray sumOverTime(INDArray folded, int timeSteps) {
        long[] shape = folded.shape();
        if (shape[0] % timeSteps != 0) {
            throw new IllegalArgumentException("first dimension " + shape[0]
                    + " of a time-folded tensor does not divide into " + timeSteps + " time steps");
        }
        long[] out = shape.clone();
        out[0] = shape[0] / timeSteps;
        INDArray c = RowMajor.of(folded);
        return c.reshape('c', timeSteps, c.length() / timeSteps).sum(0).reshape('c', out);
    }

    /** [T*N, ...] averaged over the T steps: [N, ...]. */
    public static INDArray meanOverTime(INDArray folded, int timeSteps) {
        return sumOverTime(folded, timeSteps).divi(timeSteps);
    }
}
