package org.spikekd.neuron;

/**
 * A layer that emits spikes (the spiking neurons, the Poisson encoder), with the meter that counts
 * them: what evaluation reads firing rates and synaptic operations from.
 */
public interface SpikeSource {
    FiringRateMeter firingRate();
}
