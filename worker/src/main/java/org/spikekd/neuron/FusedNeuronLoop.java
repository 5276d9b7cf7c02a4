package org.spikekd.neuron;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.spikekd.simd.RowMajor;
import org.spikekd.simd.VectorApi;

/**
 * When a {@link SpikingNeuron}'s time loop runs as {@link FusedNeuronLoopKernel}'s single pass over
 * memory (SIMD through the JDK's Vector API) rather than as a chain of ND4J operations: when the
 * Vector API is there ({@link VectorApi}) and the data is what the kernel takes. Double precision,
 * the gradient checks' smooth forward pass and views with unusual strides run as ND4J operations:
 * the same arithmetic, op by op.
 *
 * <p>This class mentions no Vector API type, so that it loads whether or not the module is there;
 * callers run the kernel only after {@link #applies}.
 */
final class FusedNeuronLoop {
    private FusedNeuronLoop() {}

    /** Whether the kernel takes this neuron and these arrays. */
    static boolean applies(SpikingNeuron neuron, boolean smoothForward, INDArray... arrays) {
        if (!VectorApi.AVAILABLE || smoothForward) {
            return false;
        }
        for (INDArray a : arrays) {
            if (a != null && (a.dataType() != DataType.FLOAT || !RowMajor.isDense(a)
                    || a.offset() + a.length() > Integer.MAX_VALUE)) {
                return false;
            }
        }
        return true;
    }
}
