package org.spikekd.run;

import java.io.IOException;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * How a {@link TrainingRun} trains one epoch: in this JVM ({@link LocalEpochTrainer}), or spread
 * over Spark executors with the students averaged (the driver's {@code EpochAveragingTrainer}).
 * Everything else about a run (data, model, evaluation, metrics, checkpoints) is the same.
 */
public interface EpochTrainer extends AutoCloseable {

    /** What an epoch did, for the metrics. */
    final class EpochStats {
        public final long examples;
        public final double lossSum;
        public final double seconds;
        /** Seconds spent shipping and averaging models (0 in one JVM). */
        public final double syncSeconds;
        public final int partitions;
        /**
         * Cores a training task kept busy: its JVM's CPU seconds over the task's seconds, averaged
         * over the tasks (in one JVM, over the whole process); NaN if unknown.
         */
        public final double coresPerTask;
        /**
         * One-time work of the run done before this epoch's training, not counted in {@link #seconds}
         * (on Spark: building the student and restoring the teacher on the executors); 0 after the first epoch.
         */
        public final double setupSeconds;
        /** Averaging rounds in the epoch (0 in one JVM). */
        public final int rounds;

        public EpochStats(long examples, double lossSum, double seconds, double syncSeconds, int partitions,
                          double coresPerTask) {
            this(examples, lossSum, seconds, syncSeconds, partitions, coresPerTask, 0, 0);
        }

        public EpochStats(long examples, double lossSum, double seconds, double syncSeconds, int partitions,
                          double coresPerTask, double setupSeconds, int rounds) {
            this.setupSeconds = setupSeconds;
            this.rounds = rounds;
            this.examples = examples;
            this.lossSum = lossSum;
            this.seconds = seconds;
            this.syncSeconds = syncSeconds;
            this.partitions = partitions;
            this.coresPerTask = coresPerTask;
        }
    }

    /** Called once before the first epoch with what is trained, on what, from which teacher. */
    void prepare(TrainingJob job) throws IOException;

    /** Trains epoch {@code epoch} (1-based), starting from {@code net}'s state and leaving the result in it. */
    EpochStats trainEpoch(ComputationGraph net, int epoch) throws IOException;

    /**
     * State of the trainer's own that a checkpoint must keep for a resumed run to continue exactly
     * (the outer optimizer's momentum); null if there is none.
     */
    default byte[] checkpointState() {
        return null;
    }

    /** Restores what {@link #checkpointState()} returned, after {@link #prepare}. */
    default void restoreState(byte[] state) throws IOException {
        throw new IOException("this trainer keeps no state of its own, yet the checkpoint holds some");
    }

    @Override
    default void close() {}
}
