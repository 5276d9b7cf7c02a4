package org.spikekd.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.spikekd.config.JobConfig;
import org.spikekd.train.TrainingRun;
import org.spikekd.train.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Accuracy on full Fashion-MNIST: the teacher, then at the same epochs and seed an SNN student
 * trained directly and one distilled from that teacher.
 */
@Command(name = "accuracy", mixinStandardHelpOptions = true,
        description = "Teacher, direct student and KD student test accuracy on Fashion-MNIST (60k/10k).")
public final class AccuracyBenchmark implements Callable<Integer> {
    @Option(names = "--epochs", defaultValue = "2", description = "Epochs of every network.") int epochs;
    @Option(names = "--teacher-epochs", description = "Epochs of the teacher; default: --epochs.") Integer teacherEpochs;
    @Option(names = "--out", defaultValue = "bench-out/accuracy", description = "Where the three runs go.") Path out;
    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Configuration for all three runs.")
    List<String> overrides = new ArrayList<>();
    @Option(names = "--teacher", description = "Use this teacher model instead of training one.") String teacherModel;

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(out);
        String stamp = BenchmarkOutput.stamp();
        Map<String, Object> figures = BenchmarkOutput.begin("accuracy");
        String teacherPath = teacherModel;
        if (teacherPath == null) {
            TrainingRun.Result t = run("teacher-" + stamp, "model.role=teacher",
                    "train.epochs=" + (teacherEpochs != null ? teacherEpochs : epochs));
            teacherPath = t.model;
            figures.put("teacher", figures(t));
        }
        figures.put("teacher_model", teacherPath);
        TrainingRun.Result direct = run("direct-" + stamp, "model.role=student", "train.epochs=" + epochs);
        figures.put("student_direct", figures(direct));
        TrainingRun.Result kd = run("kd-" + stamp, "model.role=student", "train.epochs=" + epochs,
                "distill.teacher=\"" + teacherPath + "\"");
        figures.put("student_kd", figures(kd));
        figures.put("kd_minus_direct", kd.test.accuracy - direct.test.accuracy);
        BenchmarkOutput.print(figures);
        return 0;
    }

    private TrainingRun.Result run(String name, String... settings) throws Exception {
        List<String> all = new ArrayList<>(overrides);
        all.add("run.dir=\"" + out + "\"");
        all.add("run.name=" + name);
        all.addAll(List.of(settings));
        System.err.println("[bench] training " + name);
        return org.spikekd.cli.TrainCommand.train(JobConfig.load(null, all), null, Progress.toStderr(200));
    }

    private static Map<String, Object> figures(TrainingRun.Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("test_accuracy", r.test.accuracy);
        m.put("run_directory", r.runDirectory);
        m.put("epochs", r.epochs);
        if (!r.test.firingRates.isEmpty()) {
            m.put("mean_firing_rate", r.test.meanFiringRate());
            m.put("energy_uj", r.energy.microjoules());
        }
        return m;
    }
}
