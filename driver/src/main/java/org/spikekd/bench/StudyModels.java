package org.spikekd.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.spikekd.config.JobConfig;
import org.spikekd.spark.SparkTraining;
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

    @Option(names = "--teacher-epochs", description = "Epochs of a teacher trained here; default: --epochs.")
    Integer teacherEpochs;

    @Option(names = "--train-limit", defaultValue = "10000",
            description = "Training examples of each network trained here; 0 = all 60000 (default ${DEFAULT-VALUE}).")
    int trainLimit;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Configuration of the networks trained here.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--teacher-set", paramLabel = "KEY=VALUE",
            description = "Configuration of a teacher trained here only (a stronger teacher: model.arch, model.vgg.*).")
    List<String> teacherOverrides = new ArrayList<>();

    @Option(names = "--kd-set", paramLabel = "KEY=VALUE", description = "Configuration of a KD student trained here only (distill.*).")
    List<String> kdOverrides = new ArrayList<>();

    @Option(names = "--runs", defaultValue = "bench-out/study", description = "Where networks trained here go.")
    Path runs;

    /** Model files of one seed's teacher, direct student (null if not needed) and KD student. */
    record Trio(String teacher, String direct, String kd) {}

    /**
     * The trios a {@code bench accuracy} run trained, by seed, read from its JSON figures (the last
     * line of its output): a study of exactly the models whose accuracy that run reported. A run
     * given one teacher for every seed ({@code --teacher}) names it in {@code teacher.model}.
     */
    static Map<Integer, Trio> fromAccuracyFigures(Path figures) throws IOException {
        JsonNode root = BenchmarkOutput.read(figures, "accuracy", "--from-accuracy");
        String sharedTeacher = root.path("teacher").path("model").isTextual() ? root.path("teacher").path("model").asText() : null;
        Map<Integer, Map<String, String>> bySeed = new TreeMap<>();
        for (JsonNode run : root.get("runs")) {
            // figures before model_file was recorded: a run's model is model.zip in its run directory
            String file = run.hasNonNull("model_file") ? run.get("model_file").asText()
                    : run.get("run_directory").asText() + "/model.zip";
            bySeed.computeIfAbsent(run.get("seed").asInt(), k -> new TreeMap<>()).put(run.get("model").asText(), file);
        }
        Map<Integer, Trio> trios = new TreeMap<>();
        bySeed.forEach((seed, models) -> {
            String teacher = models.getOrDefault("teacher", sharedTeacher);
            if (teacher == null || !models.containsKey("direct") || !models.containsKey("kd")) {
                throw new IllegalArgumentException("--from-accuracy: " + figures + " lacks the teacher, direct or KD "
                        + "model of seed " + seed + ": " + models.keySet());
            }
            trios.put(seed, new Trio(teacher, models.get("direct"), models.get("kd")));
        });
        return trios;
    }

    /** Trains whichever of the three was not given; afterwards all three fields name model files. */
    void prepare(boolean needDirect) throws Exception {
        Trio trio = forSeed(0, needDirect);
        teacher = trio.teacher();
        direct = trio.direct();
        kd = trio.kd();
    }

    /**
     * The three models of {@code train.seed = seed} (0: the configuration's own seed): those given
     * as files, the others trained here with that seed (the KD student from this trio's teacher).
     */
    Trio forSeed(int seed, boolean needDirect) throws Exception {
        String stamp = BenchmarkOutput.stamp() + (seed == 0 ? "" : "-seed" + seed);
        String seedSetting = seed == 0 ? null : "train.seed=" + seed;
        List<String> teacherSettings = new ArrayList<>(teacherOverrides);
        teacherSettings.add("model.role=teacher");
        if (teacherEpochs != null) {
            teacherSettings.add("train.epochs=" + teacherEpochs);
        }
        String t = teacher != null ? teacher : train("teacher-" + stamp, seedSetting, teacherSettings);
        String d = direct != null || !needDirect ? direct : train("direct-" + stamp, seedSetting, List.of("model.role=student"));
        List<String> kdSettings = new ArrayList<>(List.of("model.role=student", JobConfig.setting("distill.teacher", t)));
        kdSettings.addAll(kdOverrides);
        String k = kd != null ? kd : train("kd-" + stamp, seedSetting, kdSettings);
        return new Trio(t, d, k);
    }

    /** Whether a student was given as a file: it has one seed, so a study over seeds cannot use it. */
    boolean studentGiven() {
        return direct != null || kd != null;
    }

    /** Trains one network; {@code settings} come last, so a model's own settings win over --set. */
    private String train(String name, String seedSetting, List<String> settings) throws Exception {
        List<String> all = new ArrayList<>(List.of("data.train-limit=" + trainLimit, "train.epochs=" + epochs));
        all.addAll(overrides);
        if (seedSetting != null) {
            all.add(seedSetting);
        }
        all.add(JobConfig.setting("run.dir", runs.toString()));
        all.add(JobConfig.setting("run.name", name));
        all.addAll(settings);
        System.err.println("[bench] training " + name);
        return SparkTraining.run(JobConfig.load(null, all), null, Progress.toStderr(200)).model;
    }
}
