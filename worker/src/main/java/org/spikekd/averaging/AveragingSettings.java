package org.spikekd.averaging;

import org.spikekd.settings.Checks;

/**
 * How the copies of a student trained side by side on Spark are averaged: the {@code spark.*}
 * settings of averaging, typed and checked (the defaults are in reference.conf; config.JobSettings
 * binds them). What they buy and what to set for k executors: docs/distributed-training.md.
 *
 * @param partitions spark.partitions: copies trained side by side (0: one per core of the cluster)
 * @param every spark.averaging-every: minibatches between averaging rounds, 0 = once per epoch
 * @param warmupEpochs spark.warmup.epochs: epochs that average every {@code warmupEvery} instead
 * @param warmupEvery spark.warmup.averaging-every
 * @param learningRateScaling spark.learning-rate-scaling: what train.learning-rate is multiplied
 *     by when k copies train side by side
 * @param outer spark.outer.optimizer: what the driver does with a round's mean
 * @param outerLearningRate spark.outer.learning-rate
 * @param outerLearningRateScaling spark.outer.learning-rate-scaling
 * @param outerMomentum spark.outer.momentum
 * @param outerWarmupRounds spark.outer.warmup-rounds: rounds that adopt the mean first
 */
public record AveragingSettings(int partitions, int every, int warmupEpochs, int warmupEvery,
                                Scaling learningRateScaling, OuterOptimizer.Kind outer, double outerLearningRate,
                                Scaling outerLearningRateScaling, double outerMomentum, int outerWarmupRounds) {

    /** How a rate grows with the number of copies k: not, as sqrt(k), or as k. */
    public enum Scaling {
        NONE, SQRT, LINEAR;

        public double factor(int copies) {
            return this == LINEAR ? copies : this == SQRT ? Math.sqrt(copies) : 1;
        }
    }

    public AveragingSettings {
        Checks.atLeast("spark.partitions", partitions, 0);
        Checks.atLeast("spark.averaging-every", every, 0);
        Checks.atLeast("spark.warmup.epochs", warmupEpochs, 0);
        Checks.atLeast("spark.warmup.averaging-every", warmupEvery, 1);
        Checks.inRange("spark.outer.learning-rate", outerLearningRate, 0, Double.POSITIVE_INFINITY, true);
        Checks.inRange("spark.outer.momentum", outerMomentum, 0, 1, false);
        if (outerMomentum == 1) {
            throw new IllegalArgumentException("spark.outer.momentum must be < 1, got 1");
        }
        Checks.atLeast("spark.outer.warmup-rounds", outerWarmupRounds, 0);
    }

    /** Minibatches between averaging rounds in {@code epoch} (1-based); 0 = once per epoch. */
    public int every(int epoch) {
        return epoch <= warmupEpochs ? warmupEvery : every;
    }

    /** What train.learning-rate is multiplied by when {@code copies} copies train side by side. */
    public double learningRateScale(int copies) {
        return learningRateScaling.factor(copies);
    }

    /** The driver's step after each round when {@code copies} copies are averaged. */
    public OuterOptimizer outerOptimizer(int copies) {
        return new OuterOptimizer(outer, outerLearningRate * outerLearningRateScaling.factor(copies), outerMomentum,
                outerWarmupRounds);
    }
}
