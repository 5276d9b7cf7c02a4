package org.spikekd.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;
import org.spikekd.run.TrainingRun;
import org.spikekd.spark.SparkTraining;
import org.spikekd.study.SeedStatistics;
import org.spikekd.train.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Does KD pay, and how sure are we: for each seed, a teacher, an SNN student trained directly and
 * one distilled from that seed's teacher, all with the same data and epochs. Per model the mean,
 * standard deviation and each seed's accuracy; and the paired difference KD minus direct, seed by
 * seed, with a 95% t-interval over the seeds. The evaluated split is {@code data.eval-split}:
 * choose settings on validation, report test.
 */
@Command(name = "accuracy", mixinStandardHelpOptions = true,
        description = "Teacher, direct student and KD student accuracy over seeds, with the paired KD minus direct "
                + "difference and its 95% confidence interval (Fashion-MNIST unless --set data.* says otherwise).")
public final class AccuracyBenchmark implements Callable<Integer> {
    @Option(names = "--epochs", defaultValue = "2", description = "Epochs of each student.") int epochs;
    @Option(names = "--teacher-epochs", description = "Epochs of the teacher; default: --epochs.") Integer teacherEpochs;
    @Option(names = "--seeds", defaultValue = "1", description = "How many seeds of every model.") int seeds;
    @Option(names = "--first-seed", defaultValue = "1",
            description = "The first seed (train.seed); seeds run from it upwards, so more seeds can be added later.")
    int firstSeed;
    @Option(names = "--train-limit", defaultValue = "0",
            description = "Training examples of every model; 0 = the whole training split.") int trainLimit;
    @Option(names = "--out", defaultValue = "bench-out/accuracy", description = "Where the runs go.") Path out;
    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Configuration of every run.")
    List<String> overrides = new ArrayList<>();
    @Option(names = "--teacher-set", paramLabel = "KEY=VALUE",
            description = "Configuration of the teachers only (a stronger teacher: model.arch, model.vgg.*).")
    List<String> teacherOverrides = new ArrayList<>();
    @Option(names = "--kd-set", paramLabel = "KEY=VALUE",
            description = "Configuration of the KD students only (distill.*).")
    List<String> kdOverrides = new ArrayList<>();
    @Option(names = "--teacher", description = "Use this teacher model for every seed instead of training them.")
    String teacherModel;
    @Option(names = "--direct-from", paramLabel = "FILE",
            description = "Reuse the directly trained students of an earlier `bench accuracy` run (its JSON line in FILE), "
                    + "seed by seed, instead of training them again: several KD recipes against one set of baselines. "
                    + "That run must have the same split, epochs, training examples and --set settings.")
    Path directFrom;

    @Override
    public Integer call() throws Exception {
        if (seeds < 1) {
            throw new IllegalArgumentException("--seeds must be at least 1, got " + seeds);
        }
        if (firstSeed < 1) {
            throw new IllegalArgumentException("--first-seed must be at least 1 (seed 0 is the configuration's own), got " + firstSeed);
        }
        Files.createDirectories(out);
        String stamp = BenchmarkOutput.stamp();
        Map<String, Object> figures = BenchmarkOutput.begin("accuracy");
        figures.put("seeds", seeds);
        figures.put("first_seed", firstSeed);
        figures.put("epochs", epochs);
        figures.put("train_examples", trainLimit == 0 ? "all" : trainLimit);
        figures.put("settings", overrides);
        figures.put("teacher_settings", teacherOverrides);
        figures.put("kd_settings", kdOverrides);
        figures.put("direct_from", directFrom == null ? "trained here" : directFrom.toAbsolutePath().toString());
        List<Double> teachers = new ArrayList<>();
        List<Double> directs = new ArrayList<>();
        List<Double> kds = new ArrayList<>();
        List<Map<String, Object>> runs = new ArrayList<>();
        String split = new JobSettings(JobConfig.load(null, overrides)).data().evalSplit();
        Map<Integer, DirectBaselines.Baseline> baselines = directFrom == null ? Map.of()
                : DirectBaselines.read(directFrom, split, epochs, trainLimit, overrides, firstSeed, seeds);
        for (int seed = firstSeed; seed < firstSeed + seeds; seed++) {
            String teacherPath = teacherModel;
            if (teacherPath == null) {
                List<String> t = new ArrayList<>(teacherOverrides);
                t.addAll(List.of("model.role=teacher", "train.epochs=" + (teacherEpochs != null ? teacherEpochs : epochs)));
                TrainingRun.Result teacher = run("teacher", seed, stamp, t);
                teacherPath = teacher.model;
                teachers.add(teacher.test.accuracy);
                runs.add(figures("teacher", seed, teacher));
            }
            double directAccuracy;
            if (baselines.containsKey(seed)) {
                DirectBaselines.Baseline given = baselines.get(seed);
                directAccuracy = given.accuracy();
                runs.add(given.run());
            } else {
                TrainingRun.Result direct = run("direct", seed, stamp, List.of("model.role=student", "train.epochs=" + epochs));
                directAccuracy = direct.test.accuracy;
                runs.add(figures("direct", seed, direct));
            }
            directs.add(directAccuracy);
            List<String> k = new ArrayList<>(List.of("model.role=student", "train.epochs=" + epochs,
                    JobConfig.setting("distill.teacher", teacherPath)));
            k.addAll(kdOverrides);
            TrainingRun.Result kd = run("kd", seed, stamp, k);
            kds.add(kd.test.accuracy);
            runs.add(figures("kd", seed, kd));
            System.err.printf("[bench] seed %d: teacher %s, direct %.4f, KD %.4f (%s split)%n", seed,
                    teachers.isEmpty() ? "given" : String.format("%.4f", teachers.get(teachers.size() - 1)),
                    directAccuracy, kd.test.accuracy, split);
        }
        figures.put("split", split);
        figures.put("teacher", teachers.isEmpty() ? Map.of("model", teacherModel) : SeedStatistics.of(teachers).summary());
        figures.put("direct", SeedStatistics.of(directs).summary());
        figures.put("kd", SeedStatistics.of(kds).summary());
        figures.put("kd_minus_direct", SeedStatistics.paired(kds, directs).interval());
        figures.put("runs", runs);
        BenchmarkOutput.print(figures);
        return 0;
    }

    private TrainingRun.Result run(String model, int seed, String stamp, List<String> settings) throws Exception {
        List<String> all = new ArrayList<>();
        if (trainLimit > 0) {
            all.add("data.train-limit=" + trainLimit);
        }
        all.addAll(overrides);
        all.add(JobConfig.setting("run.dir", out.toAbsolutePath().toString()));
        all.add(JobConfig.setting("run.name", model + "-seed" + seed + "-" + stamp));
        all.add("train.seed=" + seed);
        all.addAll(settings);
        System.err.println("[bench] training " + model + ", seed " + seed);
        return SparkTraining.run(JobConfig.load(null, all), null, Progress.toStderr(200));
    }

    /** One run's figures; the accuracy is of the evaluated split (data.eval-split), named "accuracy". */
    private static Map<String, Object> figures(String model, int seed, TrainingRun.Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("seed", seed);
        m.put("accuracy", r.test.accuracy);
        m.put("epochs", r.epochs);
        m.put("run_directory", r.runDirectory);
        m.put("model_file", r.model);
        if (!r.test.firingRates.isEmpty()) {
            m.put("mean_firing_rate", r.test.meanFiringRate());
            m.put("energy_uj", r.energy.microjoules());
        }
        return m;
    }
}
