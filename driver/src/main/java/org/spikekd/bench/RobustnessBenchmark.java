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
import org.spikekd.study.SeedStatistics;
import org.spikekd.study.StudiedModel;
import org.spikekd.study.Study;
import org.spikekd.study.StudyReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Xu et al.'s robustness claim on Fashion-MNIST: teacher, direct student and KD student under every
 * kind of noise at several levels, and the students at T = 1..16. With {@code --seeds N} every model
 * is trained with N seeds, and the KD student's advantage under each kind of noise is a paired
 * difference seed by seed, with its 95% t-interval.
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

    @Option(names = "--seeds", defaultValue = "1",
            description = "Train the models with seeds 1..N (train.seed) and report each figure's mean and 95% interval "
                    + "over them; 1 = the configuration's own seed (default ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--from-accuracy", paramLabel = "FILE",
            description = "Study the models a `bench accuracy` run trained, seed by seed (its JSON line in FILE), instead "
                    + "of training them: the noise figures then belong to the models whose accuracy it reported.")
    Path fromAccuracy;

    @Option(names = "--out", defaultValue = "bench-out/robustness",
            description = "The evaluation directory written (with --seeds N: one per seed, seed-1 ...).")
    Path out;

    /** One seed's three models, evaluated. */
    private record SeedResult(int seed, StudyModels.Trio models, StudyReport report) {}

    @Override
    public Integer call() throws Exception {
        if (seeds < 1) {
            throw new IllegalArgumentException("--seeds must be at least 1, got " + seeds);
        }
        if (seeds > 1 && models.studentGiven()) {
            throw new IllegalArgumentException("--seeds " + seeds + " trains each student once per seed: leave out "
                    + "--direct and --kd (a model file has one seed), or use --seeds 1");
        }
        List<Corruption> corruptions = new ArrayList<>();
        for (String n : NOISE) {
            corruptions.addAll(Corruption.parse(n, noiseSeed));
        }
        Map<Integer, StudyModels.Trio> trios = new LinkedHashMap<>();
        if (fromAccuracy != null) {
            if (models.teacher != null || models.studentGiven()) {
                throw new IllegalArgumentException("--from-accuracy names every model; leave out --teacher, --direct and --kd");
            }
            if (seeds != 1) {
                // the accuracy run's figures name its seeds' models; --seeds would be silently ignored
                throw new IllegalArgumentException("--from-accuracy evaluates every seed " + fromAccuracy
                        + " names; leave out --seeds " + seeds);
            }
            trios.putAll(StudyModels.fromAccuracyFigures(fromAccuracy));
        } else {
            for (int i = 1; i <= seeds; i++) {
                int seed = seeds == 1 ? 0 : i;
                trios.put(seed, models.forSeed(seed, true));
            }
        }
        List<SeedResult> results = new ArrayList<>();
        for (Map.Entry<Integer, StudyModels.Trio> e : trios.entrySet()) {
            int seed = e.getKey();
            // the time-step study is the first seed's only: it measures T, not the seed's luck
            boolean first = results.isEmpty();
            results.add(new SeedResult(seed, e.getValue(), study(e.getValue(), corruptions,
                    first ? Study.parseTimeSteps(timeSteps) : new int[0], trios.size() == 1 ? out : out.resolve("seed-" + seed))));
        }
        BenchmarkOutput.print(figures(results, corruptions));
        return 0;
    }

    private StudyReport study(StudyModels.Trio trio, List<Corruption> corruptions, int[] steps, Path into) throws Exception {
        List<StudiedModel> studied = List.of(StudiedModel.load("teacher=" + trio.teacher()),
                StudiedModel.load("direct=" + trio.direct()), StudiedModel.load("kd=" + trio.kd()));
        JobConfig job = studied.get(0).file.config.withValue("data.test-limit", limit).withValue("data.eval-split", "test");
        JobSettings settings = new JobSettings(job);
        StudyReport report;
        try (JavaSparkContext sc = SparkContexts.start(settings, "SpikeKD bench robustness")) {
            report = new Study(sc, job, SparkContexts.partitions(sc, settings.averaging().partitions()), 500)
                    .run(studied, corruptions, steps, System.err);
        }
        report.printTables(System.err);
        report.writeTo(into);
        return report;
    }

    private Map<String, Object> figures(List<SeedResult> results, List<Corruption> corruptions) {
        StudyReport first = results.get(0).report();
        Map<String, Object> figures = BenchmarkOutput.begin("robustness");
        figures.put("examples", first.toMap().get("examples"));
        figures.put("seeds", results.stream().map(SeedResult::seed).toList());
        figures.put("models_from", fromAccuracy == null ? "trained here" : fromAccuracy.toAbsolutePath().toString());
        if (fromAccuracy == null) { // otherwise the accuracy run's figures say how the models were trained
            figures.put("epochs", models.epochs);
            figures.put("teacher_epochs", models.teacherEpochs != null ? models.teacherEpochs : models.epochs);
            figures.put("train_examples", models.trainLimit == 0 ? "all" : models.trainLimit);
            figures.put("settings", models.overrides);
            figures.put("teacher_settings", models.teacherOverrides);
            figures.put("kd_settings", models.kdOverrides);
        }
        figures.put("models", results.stream().map(r -> Map.of("seed", r.seed(), "teacher", r.models().teacher(),
                "direct", r.models().direct(), "kd", r.models().kd())).toList());
        Map<String, Object> clean = new LinkedHashMap<>();
        Map<String, Object> drops = new LinkedHashMap<>();
        for (String model : MODELS) {
            clean.put(model, SeedStatistics.of(each(results, r -> r.accuracy(model, Corruption.none()))).summary());
            drops.put(model, SeedStatistics.of(each(results, r -> meanDrop(r, model, corruptions))).interval());
        }
        figures.put("clean_accuracy", clean);
        figures.put("mean_accuracy_drop_under_noise", drops);
        // paired seed by seed: the KD and the direct student of a seed share its data order
        figures.put("kd_minus_direct_under_noise", SeedStatistics.paired(
                each(results, r -> meanAccuracy(r, "kd", corruptions)),
                each(results, r -> meanAccuracy(r, "direct", corruptions))).interval());
        Map<String, Object> byKind = new LinkedHashMap<>();
        for (String kind : corruptions.stream().map(c -> c.kind.id).distinct().toList()) {
            List<Corruption> levels = corruptions.stream().filter(c -> c.kind.id.equals(kind)).toList();
            Map<String, Object> row = new LinkedHashMap<>();
            for (String model : MODELS) {
                row.put(model, SeedStatistics.of(each(results, r -> meanAccuracy(r, model, levels))).mean());
            }
            row.put("kd_minus_direct", SeedStatistics.paired(each(results, r -> meanAccuracy(r, "kd", levels)),
                    each(results, r -> meanAccuracy(r, "direct", levels))).interval());
            byKind.put(kind, row);
        }
        figures.put("by_kind", byKind);
        Map<String, Object> byLevel = new LinkedHashMap<>();
        for (Corruption c : corruptions) {
            Map<String, Object> row = new LinkedHashMap<>();
            MODELS.forEach(m -> row.put(m, SeedStatistics.of(each(results, r -> r.accuracy(m, c))).mean()));
            byLevel.put(c.toString(), row);
        }
        figures.put("by_level", byLevel);
        figures.put("time_steps", first.timeStepRows().stream().map(r -> Map.of("model", r.get("model"),
                "time_steps", r.get("time_steps"), "accuracy", r.get("accuracy"), "mean_firing_rate", r.get("mean_firing_rate"),
                "energy_uj", r.get("energy_uj"))).toList());
        figures.put("out", out.toAbsolutePath().toString());
        return figures;
    }

    private static final List<String> MODELS = List.of("teacher", "direct", "kd");

    private static List<Double> each(List<SeedResult> results, java.util.function.ToDoubleFunction<StudyReport> f) {
        return results.stream().map(r -> f.applyAsDouble(r.report())).toList();
    }

    private static double meanAccuracy(StudyReport report, String model, List<Corruption> corruptions) {
        return corruptions.stream().mapToDouble(c -> report.accuracy(model, c)).average().orElse(Double.NaN);
    }

    private static double meanDrop(StudyReport report, String model, List<Corruption> corruptions) {
        return report.accuracy(model, Corruption.none()) - meanAccuracy(report, model, corruptions);
    }
}
