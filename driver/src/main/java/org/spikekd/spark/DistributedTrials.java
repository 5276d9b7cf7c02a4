package org.spikekd.spark;

import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.spikekd.config.JobConfig;
import org.spikekd.sweep.SweepRunner;
import org.spikekd.sweep.TrialStep;
import org.spikekd.train.Progress;

/**
 * Data-parallel sweeps: each step of a trial trains on the distributed path
 * ({@link EpochAveragingTrainer}, the trial's spark.partitions), driven from the sweep's thread for
 * that trial. Each trial's jobs go to a FAIR scheduler pool of its own, so that the few trials
 * running at once share the cluster's cores instead of queueing behind each other (the sweep's
 * Spark context runs with spark.scheduler.mode=FAIR).
 */
public final class DistributedTrials implements SweepRunner.TrialTrainer {
    private final JavaSparkContext sc;

    public DistributedTrials(JavaSparkContext sc) {
        this.sc = sc;
    }

    @Override
    public List<Map<String, Object>> advance(int trial, JobConfig config, int reported) throws Exception {
        sc.setLocalProperty("spark.scheduler.pool", "trial-" + trial);
        try {
            Progress progress = Progress.toStderr(config.raw().getInt("train.log-every")).labeled("trial " + trial + ": ");
            return TrialStep.advance(config, reported, new EpochAveragingTrainer(sc), progress);
        } finally {
            sc.setLocalProperty("spark.scheduler.pool", null);
        }
    }
}
