package org.spikekd.encoding;

/** How an image enters a spiking network (encoding.type). */
public enum Encoding {
    /** The normalized image is the input current at every time step ({@link DirectEncodingLayer}). */
    DIRECT,
    /** Each pixel spikes at each step with its intensity as probability ({@link PoissonEncodingLayer}). */
    POISSON
}
