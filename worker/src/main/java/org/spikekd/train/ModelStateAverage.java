package org.spikekd.train;

import java.io.Serializable;

/**
 * An example-weighted sum of {@link ModelState}s, in single precision like the states themselves (a
 * ResNet-50's state is 75 million numbers; doubles would double what executors ship), that merges with others of
 * its kind: partial sums combine in any order (a tree of executors, or one loop), and
 * {@link #mean()} divides by the total weight once at the end. Each contribution also counts as one
 * partition, so a caller can check that every partition was counted exactly once.
 */
public final class ModelStateAverage implements Serializable {
    private static final long serialVersionUID = 1L;

    private float[] parameters;
    private float[] updaterState;
    private double iterationCount;
    private long weight;
    private int contributions;

    public ModelStateAverage() {
    }

    /** Adds {@code state}, weighted by the number of examples that produced it. */
    public ModelStateAverage add(ModelState state, long examples) {
        contributions++;
        if (examples <= 0) {
            return this;
        }
        if (parameters == null) {
            parameters = new float[state.parameters.length];
            updaterState = new float[state.updaterState.length];
        }
        if (parameters.length != state.parameters.length || updaterState.length != state.updaterState.length) {
            throw new IllegalArgumentException("cannot average states of different networks");
        }
        for (int i = 0; i < parameters.length; i++) {
            parameters[i] += examples * state.parameters[i];
        }
        for (int i = 0; i < updaterState.length; i++) {
            updaterState[i] += examples * state.updaterState[i];
        }
        iterationCount += examples * (double) state.iterationCount;
        weight += examples;
        return this;
    }

    /** Adds another partial sum into this one. */
    public ModelStateAverage merge(ModelStateAverage other) {
        if (other.weight == 0) {
            contributions += other.contributions;
            return this;
        }
        if (parameters == null) {
            parameters = new float[other.parameters.length];
            updaterState = new float[other.updaterState.length];
        }
        for (int i = 0; i < parameters.length; i++) {
            parameters[i] += other.parameters[i];
        }
        for (int i = 0; i < updaterState.length; i++) {
            updaterState[i] += other.updaterState[i];
        }
        iterationCount += other.iterationCount;
        weight += other.weight;
        contributions += other.contributions;
        return this;
    }

    public long weight() {
        return weight;
    }

    public int contributions() {
        return contributions;
    }

    /** The weighted mean; the iteration count is rounded to the nearest whole iteration. */
    public ModelState mean() {
        if (weight == 0) {
            throw new IllegalStateException("no examples were averaged");
        }
        float[] p = new float[parameters.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) ((double) parameters[i] / weight);
        }
        float[] u = new float[updaterState.length];
        for (int i = 0; i < u.length; i++) {
            u[i] = (float) ((double) updaterState[i] / weight);
        }
        return new ModelState(p, u, (int) Math.round(iterationCount / weight));
    }
}
