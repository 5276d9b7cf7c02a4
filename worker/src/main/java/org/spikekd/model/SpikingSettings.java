package org.spikekd.model;

import org.spikekd.encoding.Encoding;
import org.spikekd.neuron.SpikingLayer;

/**
 * How a student spikes: the neuron, its surrogate gradient, the input encoding and the number of
 * time steps. Every {@link SpikingLayer} of a student is made from one of these.
 */
public final class SpikingSettings {
    public final Encoding encoding;
    public final int timeSteps;
    private final SpikingLayer neuronTemplate;

    public SpikingSettings(Encoding encoding, int timeSteps, SpikingLayer neuronTemplate) {
        if (timeSteps < 1) {
            throw new IllegalArgumentException("encoding.time-steps must be >= 1, got " + timeSteps);
        }
        this.encoding = encoding;
        this.timeSteps = timeSteps;
        this.neuronTemplate = neuronTemplate.clone().setTimeSteps(timeSteps);
        this.neuronTemplate.createNeuron(); // validates the neuron settings now, not at the first batch
    }

    /** The reference's student: direct encoding, T=4, LIF tau 2, threshold 1, hard reset, sigmoid 4. */
    public static SpikingSettings defaults() {
        return new SpikingSettings(Encoding.DIRECT, 4, new SpikingLayer());
    }

    /** A spiking layer with these settings and the given name. */
    public SpikingLayer neuronLayer(String name) {
        SpikingLayer layer = neuronTemplate.clone();
        layer.setLayerName(name);
        return layer;
    }

    public SpikingSettings withTimeSteps(int t) {
        return new SpikingSettings(encoding, t, neuronTemplate);
    }
}
