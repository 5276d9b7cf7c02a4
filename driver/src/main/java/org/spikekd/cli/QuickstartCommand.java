package org.spikekd.cli;

import java.io.File;
import java.util.concurrent.Callable;
import org.spikekd.config.JobConfig;
import org.spikekd.run.TrainingRun;
import org.spikekd.spark.SparkTraining;
import org.spikekd.train.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code spikekd quickstart}: the first thing to run. Trains a small ANN teacher on a
 * Fashion-MNIST subset, then a spiking student distilled from it, with progress shown.
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = "Train a teacher, then a spiking student distilled from it, on a Fashion-MNIST "
                + "subset (conf/quickstart.conf), on an embedded local Spark, in a few minutes on 2 cores.")
public final class QuickstartCommand implements Callable<Integer> {
    @Mixin
    JobOptions job; // --config defaults to conf/quickstart.conf; --set applies to both runs

    @Override
    public Integer call() throws Exception {
        File quickstart = new File(System.getProperty("spikekd.home", "."), "conf/quickstart.conf");
        JobConfig teacherJob = job.load(quickstart, "model.role=teacher");
        Progress progress = Progress.toStderr(teacherJob.raw().getInt("train.log-every"));
        progress.line("== 1/2: the ANN teacher");
        TrainingRun.Result teacher = SparkTraining.run(teacherJob, null, progress);

        JobConfig studentJob = job.load(quickstart, "model.role=student").withValue("distill.teacher", teacher.model);
        progress.line("== 2/2: the spiking student (T=" + teacherJob.raw().getInt("encoding.time-steps")
                + "), distilled from the teacher");
        TrainingRun.Result student = SparkTraining.run(studentJob, null, progress);

        System.out.printf("teacher (ANN) test accuracy:      %.4f  (%s)%n", teacher.test.accuracy, teacher.runDirectory);
        System.out.printf("KD student (SNN) test accuracy:   %.4f  (%s)%n", student.test.accuracy, student.runDirectory);
        System.out.printf("student mean firing rate %.3f, energy estimate %.3f uJ per image%n",
                student.test.meanFiringRate(), student.energy.microjoules());
        return 0;
    }
}
