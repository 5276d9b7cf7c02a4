package org.spikekd.neuron;

import org.spikekd.surrogate.SurrogateFunction;

/**
 * Leaky integrate-and-fire neuron with membrane time constant tau (SpikingJelly's LIFNode).
 *
 * <p>With {@code decayInput}: {@code h = v + (I - (v - v_reset)) / tau}; without:
 * {@code h = v - (v - v_reset) / tau + I}. tau = 2 without input decay is the PyTorch reference's
 * {@code v = 0.5 v + I}.
 */
public final class LifNeuron extends SpikingNeuron {
    private final double tau;
    private final boolean decayInput;

    public LifNeuron(double tau, boolean decayInput, double vThreshold, Reset reset, double vReset,
                     boolean detachReset, SurrogateFunction surrogate, boolean smoothForward) {
        super(vThreshold, reset, vReset, detachReset, surrogate, smoothForward);
        if (!(tau >= 1.0) || Double.isInfinite(tau)) {
            throw new IllegalArgumentException("LIF tau must be a finite number >= 1, got " + tau);
        }
        this.tau = tau;
        this.decayInput = decayInput;
    }

    @Override protected double decay() { return 1.0 - 1.0 / tau; }

    @Override protected double gain() { return decayInput ? 1.0 / tau : 1.0; }

    /** The leak pulls the membrane towards v_reset (0 under a soft reset). */
    @Override protected double drive() { return vReset() / tau; }

    public double tau() { return tau; }
}
