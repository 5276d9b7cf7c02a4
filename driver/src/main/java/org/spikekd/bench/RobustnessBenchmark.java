package org.spikekd.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;
import org.spikekd.noise.Corruption;
import org.spikekd.spark.SparkContexts;
import org.spikekd.study.StudiedModel;
import org.spikekd.study.Study;
import org.spikekd.study.StudyReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Xu et al.'s robustness claim on Fashion-MNIST: teacher, direct student and KD student under every
 * kind of noise at several levels, and the students at T = 1..16.
 */
@Command(name = "robustness", mixinStandardHelpOptions = true,
        description = "Teacher, direct and KD student accuracy under seven kinds of noise at several levels, and the "
                + "students' accuracy, firing rate and energy at T = 1..16, on Fashion-MNIST test images.")
public final class RobustnessBenchmark implements Callable<Integer> {
    /** The levels tested per kind, from mild to severe. */
    static final List<String> NOISE = List.of("gaussian:0.05,0.1,0.2,0.3", "salt-pepper:0.02,0.05,0.1,0.2",
            "poisson:0.02,0.05,0.1,0.2", "uniform:0.1,0.2,0.3,0.5", "blur:3,5,7", "contrast:0.3,0.5,0.7,0.9",
            "occlusion:6,10,14");

    @Mixin StudyModels models;

    @Option(names = "--limit", defaultValue = "2000", description = "Test examples evaluated (default ${DEFAULT-VALUE}; 0 = all 10000).")
    int limit;

    @Option(names = "--time-steps", defaultValue = "1-16", description = "T evaluated (default ${DEFAULT-VALUE}).")
    String timeSteps;

    @Option(names = "--noise-seed", defaultValue = "0") long noiseSeed;

    @Option(names = "--out", defaultValue = "bench-out/robustness", description = "The evaluation directory written.")
    Path out;

    @Override
    public Integer call() throws Exception {
        models.prepare(true);
        List<StudiedModel> studied = List.of(StudiedModel.load("teacher=" + models.teacher),
                StudiedModel.load("direct=" + models.direct), StudiedModel.load("kd=" + models.kd));
        List<Corruption> corruptions = new ArrayList<>();
        for (String n : NOISE) {
            corruptions.addAll(Corruption.parse(n, noiseSeed));
        }
        JobConfig job = studied.get(0).file.config.with("data.test-limit=" + limit).with("data.eval-split=test");
        JobSettings settings = new JobSettings(job);
        StudyReport report;
        try (JavaSparkContext sc = SparkContexts.start(settings, "SpikeKD bench robustness")) {
            report = new Study(sc, job, SparkContexts.partitions(sc, settings.partitions()), 500)
                    .run(studied, corruptions, Study.parseTimeSteps(timeSteps), System.err);
        }
        report.printTables(System.err);
        report.writeTo(out);
        Map<String, Object> figures = BenchmarkOutput.begin("robustness");
        figures.put("examples", report.toMap().get("examples"));
        figures.put("models", Map.of("teacher", models.teacher, "direct", models.direct, "kd", models.kd));
        Map<String, Object> clean = new LinkedHashMap<>();
        Map<String, Object> drops = new LinkedHashMap<>();
        for (StudiedModel m : studied) {
            clean.put(m.name, report.accuracy(m.name, Corruption.none()));
            drops.put(m.name, meanDrop(report, m.name, corruptions));
        }
        figures.put("clean_accuracy", clean);
        figures.put("mean_accuracy_drop_under_noise", drops);
        figures.put("kd_minus_direct_under_noise", meanAccuracy(report, "kd", corruptions) - meanAccuracy(report, "direct", corruptions));
        figures.put("by_kind", byKind(report, studied, corruptions));
        figures.put("time_steps", report.timeStepRows().stream().map(r -> Map.of("model", r.get("model"),
                "time_steps", r.get("time_steps"), "accuracy", r.get("accuracy"), "mean_firing_rate", r.get("mean_firing_rate"),
                "energy_uj", r.get("energy_uj"))).toList());
        figures.put("out", out.toAbsolutePath().toString());
        BenchmarkOutput.print(figures);
        return 0;
    }

    private static double meanAccuracy(StudyReport report, String model, List<Corruption> corruptions) {
        return corruptions.stream().mapToDouble(c -> report.accuracy(model, c)).average().orElse(Double.NaN);
    }

    private static double meanDrop(StudyReport report, String model, List<Corruption> corruptions) {
        return report.accuracy(model, Corruption.none()) - meanAccuracy(report, model, corruptions);
    }

    private static Map<String, Object> byKind(StudyReport report, List<StudiedModel> models, List<Corruption> corruptions) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Corruption c : corruptions) {
            Map<String, Object> row = new LinkedHashMap<>();
            models.forEach(m -> row.put(m.name, report.accuracy(m.name, c)));
            out.put(c.toString(), row);
        }
        return out;
    }
}
