package org.spikekd.surrogate;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A surrogate gradient for the spike's step function.
 *
 * <p>Forward, a neuron spikes where {@code x = v - v_threshold >= 0} (a Heaviside step, whose true
 * derivative is zero almost everywhere). Backward, the step's derivative is replaced by {@link
 * #derivative}, the derivative of a smooth {@link #primitive} that approximates the step. The width
 * of that bump is set by {@link #alpha()} (its sharpness), and decides whether gradients vanish or
 * explode in deep networks (Ledinauskas et al., 2020). The sigmoid, arctan and triangle surrogates
 * have area one, so a narrow one (large alpha) has a tall peak and gradients grow layer by layer
 * until they explode, while a wide one (small alpha) passes less than it receives and they vanish;
 * the fast sigmoid's peak is 1 at any alpha and its area 2/alpha, so a narrow one passes less
 * ({@code diagnose gradients} measures both). {@code SurrogateGradientCheckTest} checks each derivative against its primitive.
 */
public interface SurrogateFunction {

    /** Sharpness: larger means a narrower, taller derivative. */
    double alpha();

    /** The configuration name of this surrogate ("sigmoid", "arctan", ...). */
    String name();

    /** The smooth function whose derivative is the surrogate gradient; a new array. */
    INDArray primitive(INDArray x);

    /** The surrogate gradient d primitive / dx, element-wise; a new array. */
    INDArray derivative(INDArray x);

    /**
     * The surrogate gradient as a SIMD loop over floats, for the fused neuron kernel. Call only
     * when {@link org.spikekd.simd.VectorApi#AVAILABLE}: the kernel's class uses the Vector API.
     */
    SurrogateKernel kernel();
}
