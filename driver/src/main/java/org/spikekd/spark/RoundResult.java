package org.spikekd.spark;

import java.io.Serializable;
import org.spikekd.train.ModelState;
import org.spikekd.train.ModelStateAverage;
import org.spikekd.train.PartitionTrainer;

/**
 * What the tasks of one averaging round sum to: the example-weighted sum of the trained students,
 * the examples and loss they saw, and the longest time one task trained. Partial sums merge in any
 * order, so Spark can add them up in a tree; Spark keeps the result of exactly one successful
 * attempt of each task, so a retried task is counted once.
 */
final class RoundResult implements Serializable {
    private static final long serialVersionUID = 1L;

    final ModelStateAverage average = new ModelStateAverage();
    long examples;
    double lossSum;
    double maxTaskSeconds;
    /** Sums over tasks of their executor JVM's CPU seconds and of their own seconds. */
    double cpuSeconds;
    double taskSeconds;

    RoundResult add(ModelState trained, PartitionTrainer.Outcome outcome) {
        average.add(trained, outcome.examples);
        examples += outcome.examples;
        lossSum += outcome.lossSum;
        maxTaskSeconds = Math.max(maxTaskSeconds, outcome.seconds);
        cpuSeconds += outcome.processCpuSeconds;
        taskSeconds += outcome.seconds;
        return this;
    }

    RoundResult merge(RoundResult other) {
        average.merge(other.average);
        examples += other.examples;
        lossSum += other.lossSum;
        maxTaskSeconds = Math.max(maxTaskSeconds, other.maxTaskSeconds);
        cpuSeconds += other.cpuSeconds;
        taskSeconds += other.taskSeconds;
        return this;
    }
}
