package org.spikekd.train;

/** The learning rate at each iteration: constant, cosine-annealed to zero, or stepped down. */
public final class LearningRateSchedule {
    /** train.schedule. */
    public enum Kind { CONSTANT, COSINE, STEP }

    private final Kind kind;
    private final double base;
    private final int epochs;
    private final int iterationsPerEpoch;
    private final int stepEpochs;
    private final double stepGamma;

    public LearningRateSchedule(Kind kind, double base, int epochs, int iterationsPerEpoch,
                                int stepEpochs, double stepGamma) {
        this.kind = kind;
        this.base = base;
        this.epochs = epochs;
        this.iterationsPerEpoch = Math.max(1, iterationsPerEpoch);
        this.stepEpochs = stepEpochs;
        this.stepGamma = stepGamma;
    }

    /** The rate for iteration {@code iteration} (0-based, counted across epochs). */
    public double at(long iteration) {
        switch (kind) {
            case COSINE: {
                double progress = Math.min(1.0, iteration / (double) (epochs * (long) iterationsPerEpoch));
                return base * 0.5 * (1 + Math.cos(Math.PI * progress));
            }
            case STEP:
                return base * Math.pow(stepGamma, (iteration / iterationsPerEpoch) / stepEpochs);
            default:
                return base;
        }
    }
}
