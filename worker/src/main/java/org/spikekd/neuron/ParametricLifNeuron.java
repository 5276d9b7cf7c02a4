package org.spikekd.neuron;

import org.spikekd.surrogate.SurrogateFunction;

/**
 * The parametric LIF neuron (PLIF; Fang et al., ICCV 2021; SpikingJelly's ParametricLIFNode): a
 * LIF neuron whose leak k = 1/tau is learned, one per layer, as k = sigmoid(w) so that tau stays
 * above 1. The charge is {@link LifNeuron}'s with k for 1/tau: with {@code decayInput},
 * {@code h = v + k (I - (v - v_reset))}; without, {@code h = v - k (v - v_reset) + I}.
 */
public final class ParametricLifNeuron extends SpikingNeuron {
    private final double k;
    private final boolean decayInput;

    /** @param w the learned parameter; the leak is sigmoid(w) */
    public ParametricLifNeuron(double w, boolean decayInput, double vThreshold, Reset reset, double vReset,
                               boolean detachReset, SurrogateFunction surrogate, boolean smoothForward) {
        super(vThreshold, reset, vReset, detachReset, surrogate, smoothForward);
        if (!Double.isFinite(w)) {
            throw new IllegalArgumentException("PLIF parameter w must be finite, got " + w);
        }
        this.k = leak(w);
        this.decayInput = decayInput;
    }

    /** k = sigmoid(w): how much of the gap to v_reset the membrane loses per step. */
    public static double leak(double w) {
        return 1.0 / (1.0 + Math.exp(-w));
    }

    /** The w whose leak is 1/tau: -ln(tau - 1) (Fang et al.'s initialization from tau). */
    public static double parameterFor(double tau) {
        if (!(tau > 1.0) || Double.isInfinite(tau)) {
            throw new IllegalArgumentException("PLIF initial tau must be a finite number > 1, got " + tau);
        }
        return -Math.log(tau - 1.0);
    }

    @Override protected double decay() { return 1.0 - k; }

    @Override protected double gain() { return decayInput ? k : 1.0; }

    @Override protected double drive() { return vReset() * k; }

    @Override
    protected LeakDerivatives leakDerivatives() {
        return new LeakDerivatives(-1.0, decayInput ? 1.0 : 0.0, vReset());
    }

    /** The time constant the neuron runs with now, 1/k. */
    public double tau() {
        return 1.0 / k;
    }

    /** d k / d w, to turn dL/dk into dL/dw. */
    public double leakSlope() {
        return k * (1.0 - k);
    }
}
