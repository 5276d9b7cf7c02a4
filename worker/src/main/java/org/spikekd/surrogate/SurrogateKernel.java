package org.spikekd.surrogate;

/**
 * A surrogate's derivative as a SIMD loop over floats: its fast form, which the fused spiking-neuron
 * kernel calls on each block of neurons (SpikingJelly's surrogates likewise own their CUDA code).
 * Each surrogate's formula lives in its own class twice, as ND4J operations and as this loop, and
 * {@code SurrogateGradientCheckTest} checks that the two agree.
 *
 * <p>The implementations use the Vector API ({@code FloatVector.SPECIES_PREFERRED}); they are
 * created only when {@link org.spikekd.simd.VectorApi#AVAILABLE}, and this interface names no
 * Vector API type, so that the rest loads without the module.
 */
public interface SurrogateKernel {
    /**
     * {@code into[i] = derivative(x[i] - shift)} for {@code i} in [0, n), where {@code n} is a
     * multiple of {@code FloatVector.SPECIES_PREFERRED.length()} (the arrays are padded to it).
     */
    void derivative(float[] x, float shift, float[] into, int n);
}
