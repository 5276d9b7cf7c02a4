package org.spikekd.neuron;

import org.spikekd.surrogate.SurrogateFunction;

/** Integrate-and-fire neuron: no leak, {@code h = v + I}. The neuron of ANN-to-SNN conversion. */
public final class IfNeuron extends SpikingNeuron {

    public IfNeuron(double vThreshold, Reset reset, double vReset, boolean detachReset,
                    SurrogateFunction surrogate, boolean smoothForward) {
        super(vThreshold, reset, vReset, detachReset, surrogate, smoothForward);
    }

    @Override protected double decay() { return 1.0; }

    @Override protected double gain() { return 1.0; }

    @Override protected double drive() { return 0.0; }
}
