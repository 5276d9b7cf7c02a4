package org.spikekd.cli;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.spikekd.config.JobConfig;
import org.spikekd.train.LocalTrainer;
import org.spikekd.train.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spikekd train}: trains a teacher or a student as the job configuration says. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a teacher (model.role=teacher) or a spiking student, directly or distilled "
                + "from a teacher (distill.teacher=MODEL). Writes a run directory under run.dir.")
public final class TrainCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "HOCON job file (see conf/).")
    File config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one configuration key; repeatable. `spikekd config` lists every key.")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        JobConfig job = JobConfig.load(config, overrides);
        LocalTrainer trainer = new LocalTrainer(job, Progress.toStderr(job.raw().getInt("train.log-every")));
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
