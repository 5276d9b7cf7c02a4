package org.spikekd.cli;

import java.util.concurrent.Callable;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;
import org.spikekd.run.TrainingRun;
import org.spikekd.spark.SparkTraining;
import org.spikekd.train.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code spikekd train}: trains a teacher or a student as the job configuration says, on Spark. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a teacher (model.role=teacher) or a spiking student, directly or distilled "
                + "from a teacher (distill.teacher=MODEL), on Spark: an embedded local[*] Spark by default "
                + "(spark.master), or the cluster spark-submit gives. Writes a run directory under run.dir.")
public final class TrainCommand implements Callable<Integer> {
    @Mixin
    JobOptions job;

    @Option(names = "--resume", paramLabel = "RUN_DIR",
            description = "Continue the run in RUN_DIR from its last complete checkpoint, with its own configuration.")
    String resume;

    @Override
    public Integer call() throws Exception {
        if (resume != null && (job.config != null || !job.overrides.isEmpty())) {
            throw new IllegalArgumentException("--resume continues a run with the configuration it was started with; "
                    + "drop --config and --set");
        }
        JobConfig config = resume != null ? TrainingRun.configOf(resume) : job.load();
        TrainingRun.Result result = SparkTraining.run(config, resume, Progress.toStderr(config.raw().getInt("train.log-every")));
        System.out.printf("run directory: %s%n", result.runDirectory);
        System.out.printf("%s accuracy: %.4f%n", new JobSettings(config).data().evalSplit(), result.test.accuracy);
        if (!result.test.firingRates.isEmpty()) {
            System.out.printf("mean firing rate: %.4f, energy estimate: %.3f uJ per image%n",
                    result.test.meanFiringRate(), result.energy.microjoules());
        }
        return 0;
    }
}
