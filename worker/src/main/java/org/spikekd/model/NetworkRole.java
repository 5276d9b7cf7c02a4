package org.spikekd.model;

/** Which of the two networks of distillation a model is. */
public enum NetworkRole {
    /** An ANN: ReLU activations, one pass per example. */
    TEACHER,
    /** An SNN: spiking neurons over T time steps, output averaged over the steps. */
    STUDENT
}
