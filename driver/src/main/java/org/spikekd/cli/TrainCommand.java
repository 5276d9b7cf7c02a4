package org.spikekd.cli;

import java.util.concurrent.Callable;
import org.spikekd.config.JobConfig;
import org.spikekd.train.LocalTrainer;
import org.spikekd.train.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code spikekd train}: trains a teacher or a student as the job configuration says. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a teacher (model.role=teacher) or a spiking student, directly or distilled "
                + "from a teacher (distill.teacher=MODEL). Writes a run directory under run.dir.")
public final class TrainCommand implements Callable<Integer> {
    @Mixin
    JobOptions job;

    @Override
    public Integer call() throws Exception {
        JobConfig config = job.load();
        LocalTrainer trainer = new LocalTrainer(config, Progress.toStderr(config.raw().getInt("train.log-every")));
        LocalTrainer.Result result = trainer.run();
        System.out.printf("run directory: %s%n", result.runDirectory);
        System.out.printf("test accuracy: %.4f%n", result.test.accuracy);
        if (!result.test.firingRates.isEmpty()) {
            System.out.printf("mean firing rate: %.4f, energy estimate: %.3f uJ per image%n",
                    result.test.meanFiringRate(), result.energy.microjoules());
        }
        return 0;
    }
}
