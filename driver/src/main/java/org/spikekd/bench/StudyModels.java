package org.spikekd.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.spikekd.cli.TrainCommand;
import org.spikekd.config.JobConfig;
import org.spikekd.train.Progress;
import picocli.CommandLine.Option;

/**
 * The teacher, directly trained student and KD student a study benchmark compares: given as model
 * files, or trained here on Fashion-MNIST with the same epochs and seed (the KD student from the
 * teacher). A picocli mixin, so the study benchmarks share their options.
 */
final class StudyModels {
    @Option(names = "--teacher", paramLabel = "FILE", description = "Use this teacher model instead of training one.")
    String teacher;

    @Option(names = "--direct", paramLabel = "FILE", description = "Use this directly trained student instead of training one.")
    String direct;

    @Option(names = "--kd", paramLabel = "FILE", description = "Use this KD student instead of training one.")
    String kd;

    @Option(names = "--epochs", defaultValue = "2", description = "Epochs of each network trained here (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--train-limit", defaultValue = "10000",
            description = "Training examples of each network trained here; 0 = all 60000 (default ${DEFAULT-VALUE}).")
    int trainLimit;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Configuration of the networks trained here.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--runs", defaultValue = "bench-out/study", description = "Where networks trained here go.")
    Path runs;

    /** Trains whichever of the three was not given; afterwards all three fields name model files. */
    void prepare(boolean needDirect) throws Exception {
        String stamp = BenchmarkOutput.stamp();
        if (teacher == null) {
            teacher = train("teacher-" + stamp, "model.role=teacher");
        }
        if (direct == null && needDirect) {
            direct = train("direct-" + stamp, "model.role=student");
        }
        if (kd == null) {
            kd = train("kd-" + stamp, "model.role=student", "distill.teacher=\"" + teacher + "\"");
        }
    }

    private String train(String name, String... settings) throws Exception {
        List<String> all = new ArrayList<>(List.of("data.train-limit=" + trainLimit, "train.epochs=" + epochs));
        all.addAll(overrides);
        all.add("run.dir=\"" + runs + "\"");
        all.add("run.name=" + name);
        all.addAll(List.of(settings));
        System.err.println("[bench] training " + name);
        return TrainCommand.train(JobConfig.load(null, all), null, Progress.toStderr(200)).model;
    }
}
