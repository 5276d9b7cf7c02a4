package org.spikekd.surrogate;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A surrogate gradient for the spike's step function.
 *
 * <p>Forward, a neuron spikes where {@code x = v - v_threshold >= 0} (a Heaviside step, whose true
 * derivative is zero almost everywhere). Backward, the step's derivative is replaced by {@link
 * #derivative}, the derivative of a smooth {@link #primitive} that approximates the step. The width
 * of that bump is set by {@link #alpha()} (its sharpness): a narrow surrogate (large alpha) passes
 * little gradient and deep networks stop learning, a wide one lets gradients explode (Ledinauskas et
 * al., 2020). {@code SurrogateGradientCheckTest} checks each derivative against its primitive.
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
}
