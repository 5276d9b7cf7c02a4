package org.spikekd.neuron;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Counts spikes and neuron-steps, for the mean firing rate of a layer over many forward passes. */
public final class FiringRateMeter {
    private double spikes;
    private long neuronSteps;

    /** Adds a tensor of spikes (every element one neuron at one time step). */
    public void record(INDArray spikeTensor) {
        record(spikeTensor.sumNumber().doubleValue(), spikeTensor.length());
    }

    /** Adds {@code spikes} spikes over {@code neuronSteps} neurons times steps, counted elsewhere. */
    public synchronized void record(double spikes, long neuronSteps) {
        this.spikes += spikes;
        this.neuronSteps += neuronSteps;
    }

    /** The mean firing rate since the last reset, in spikes per neuron per step; NaN if none. */
    public synchronized double rate() {
        return neuronSteps == 0 ? Double.NaN : spikes / neuronSteps;
    }

    public synchronized double spikes() {
        return spikes;
    }

    public synchronized long neuronSteps() {
        return neuronSteps;
    }

    public synchronized void reset() {
        spikes = 0;
        neuronSteps = 0;
    }
}
