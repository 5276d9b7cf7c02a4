package org.spikekd.train;

import java.io.Serializable;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.spikekd.settings.Checks;

/**
 * How a network is trained: the {@code train.*} settings, typed and checked. Its defaults are in
 * reference.conf (the one list of keys and defaults); config.JobSettings binds them from a job.
 *
 * @param optimizer train.optimizer
 * @param learningRate train.learning-rate, the base rate the schedule starts from
 * @param momentum train.momentum (SGD's Nesterov momentum)
 * @param weightDecay train.weight-decay (L2 on weights)
 * @param schedule train.schedule
 * @param stepEpochs train.step-epochs (step schedule: epochs between steps)
 * @param stepGamma train.step-gamma (step schedule: the factor of each step)
 * @param epochs train.epochs
 * @param batchSize train.batch-size
 * @param seed train.seed: initialization, shuffling, augmentation, Poisson spikes
 */
public record TrainingSettings(Optimizer optimizer, double learningRate, double momentum, double weightDecay,
                               LearningRateSchedule.Kind schedule, int stepEpochs, double stepGamma,
                               int epochs, int batchSize, long seed) implements Serializable {

    /** train.optimizer. */
    public enum Optimizer { ADAM, SGD }

    public TrainingSettings {
        Checks.inRange("train.learning-rate", learningRate, 0, 10, true);
        Checks.inRange("train.momentum", momentum, 0, 1, false);
        Checks.inRange("train.weight-decay", weightDecay, 0, 1, false);
        Checks.atLeast("train.step-epochs", stepEpochs, 1);
        Checks.inRange("train.step-gamma", stepGamma, 0, 1, true);
        Checks.atLeast("train.epochs", epochs, 1);
        Checks.atLeast("train.batch-size", batchSize, 1);
    }

    /** The optimizer at the base learning rate. */
    public IUpdater updater() {
        return optimizer == Optimizer.ADAM ? new Adam(learningRate) : new Nesterovs(learningRate, momentum);
    }

    /** The learning rate at each iteration of a run of {@code iterationsPerEpoch} per epoch. */
    public LearningRateSchedule learningRates(int iterationsPerEpoch) {
        return new LearningRateSchedule(schedule, learningRate, epochs, iterationsPerEpoch, stepEpochs, stepGamma);
    }

    /** The same, at another base learning rate (a copy of k trained side by side may take k times one's). */
    public TrainingSettings withLearningRate(double rate) {
        return new TrainingSettings(optimizer, rate, momentum, weightDecay, schedule, stepEpochs, stepGamma,
                epochs, batchSize, seed);
    }

    /** Minibatches in one epoch of {@code examples} examples. */
    public int minibatchesPerEpoch(int examples) {
        return (examples + batchSize - 1) / batchSize;
    }
}
