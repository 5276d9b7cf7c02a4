package org.spikekd.timefold;

/**
 * A layer configuration that runs a number of time steps (T): the encoders, the spiking neurons
 * and the time averages. T is a setting of these layers, not of any parameter, so a network runs
 * at another T by setting it on every one of them (model.TimeSteps.retimed).
 */
public interface TimeStepped {
    int getTimeSteps();

    /** Runs {@code timeSteps} steps from now on. */
    void retime(int timeSteps);
}
