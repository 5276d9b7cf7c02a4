package org.spikekd.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;
import org.spikekd.run.TrainingRun;
import org.spikekd.train.Progress;

/** A training run on Spark: the run loop with its epochs trained by {@link EpochAveragingTrainer}. */
public final class SparkTraining {
    private SparkTraining() {}

    /** Trains one run on a Spark context of its own (continuing {@code resume} if not null). */
    public static TrainingRun.Result run(JobConfig config, String resume, Progress progress) throws Exception {
        JobSettings settings = new JobSettings(config);
        try (JavaSparkContext sc = SparkContexts.start(settings, "SpikeKD train")) {
            TrainingRun run = new TrainingRun(config, progress, new EpochAveragingTrainer(sc));
            return (resume != null ? run.resumeFrom(resume) : run).run();
        }
    }
}
