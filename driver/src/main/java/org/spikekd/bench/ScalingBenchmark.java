package org.spikekd.bench;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import org.spikekd.averaging.AveragingSettings;
import org.spikekd.averaging.OuterOptimizer;
import org.spikekd.bench.deploy.DeployScript;
import org.spikekd.bench.deploy.SparkDefaults;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;
import org.spikekd.run.TrainingRun;
import org.spikekd.spark.EpochAveragingTrainer;
import org.spikekd.spark.SparkContexts;
import org.spikekd.study.SeedStatistics;
import org.spikekd.train.ModelState;
import org.spikekd.train.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Distributed training against one executor, as time to accuracy: the same KD student trained on
 * the same data for the same epochs with one and with two one-core executors of a real standalone
 * cluster on this machine ({@code deploy/cluster}), two executors both with the job's default
 * averaging (the outer optimizer of reference.conf), with plain per-epoch averaging, and with
 * averaging every {@code --every} minibatches; each over {@code --seeds} seeds. Per run and per
 * epoch: training seconds, samples/s, seconds spent shipping and averaging models, and accuracy.
 *
 * <p>{@code --simulate 1,2,4,8,16} instead trains k partitions on an embedded Spark (they take turns
 * on this machine's cores) and reports accuracy after the same epochs for each k, with plain
 * averaging and with the defaults: what averaging does to accuracy does not need k machines.
 */
@Command(name = "scaling", mixinStandardHelpOptions = true,
        description = "Time to accuracy with 1 and 2 one-core executors of a local standalone cluster (default "
                + "averaging, plain averaging, every-k averaging), or with k simulated partitions (--simulate).")
public final class ScalingBenchmark implements Callable<Integer> {
    @Option(names = "--epochs", defaultValue = "4") int epochs;
    @Option(names = "--train-limit", defaultValue = "10000", description = "Training examples.") int trainLimit;
    @Option(names = "--test-limit", defaultValue = "2000") int testLimit;
    @Option(names = "--seeds", defaultValue = "2", description = "Seeds per configuration (train.seed 1..N).") int seeds;
    @Option(names = "--first-seed", defaultValue = "1",
            description = "The first seed: seeds S..S+N-1 (to add new seeds to an earlier measurement).")
    int firstSeed;
    @Option(names = "--every", defaultValue = "20",
            description = "Minibatches between averages in the every-k run (spark.averaging-every).") int every;
    @Option(names = "--simulate", split = ",", paramLabel = "K",
            description = "Partition counts to simulate on an embedded Spark instead of the cluster runs.")
    List<Integer> simulate = new ArrayList<>();
    @Option(names = "--without-plain", description = "Leave out the plain-averaging runs (to compare only settings "
            + "given with --set, when plain averaging was already measured).")
    boolean withoutPlain;
    @Option(names = "--link", paramLabel = "RATE", description = "Run the cluster's workers in network namespaces "
            + "of their own over links limited to RATE (tc rate, e.g. 1gbit; root only; see deploy/cluster).")
    String link;
    @Option(names = "--out", defaultValue = "bench-out/scaling", description = "Where the runs go.") Path out;
    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Configuration for every run (the teacher's too).")
    List<String> overrides = new ArrayList<>();

    /** The host's address on deploy/cluster's bridge (--link). */
    private static final String LINK_HOST = "10.77.0.1";
    private final Path home = Path.of(System.getProperty("spikekd.home", "."));
    private String stamp;

    /** One configuration of averaging to compare. */
    private record Variant(String name, List<String> settings) {}

    private static final Variant DEFAULTS = new Variant("default", List.of());
    /** Plain averaging of copies trained at the job's own learning rate (SpikeKD before issue 19). */
    private static final List<String> PLAIN_SETTINGS = List.of("spark.outer.optimizer=none",
            "spark.learning-rate-scaling=none");
    private static final Variant PLAIN = new Variant("plain", PLAIN_SETTINGS);

    private Variant everyK() {
        List<String> settings = new ArrayList<>(PLAIN_SETTINGS);
        settings.add("spark.averaging-every=" + every);
        return new Variant("every-" + every, settings);
    }

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(out);
        stamp = BenchmarkOutput.stamp();
        Map<String, Object> figures = BenchmarkOutput.begin("scaling");
        figures.put("train_examples", trainLimit);
        figures.put("epochs", epochs);
        figures.put("seeds", seeds);
        figures.put("settings", overrides);
        figures.put("link", link == null ? "loopback" : link);

        System.err.println("[bench] teacher (local, 1 epoch)");
        String teacher = TrainingRun.local(job("teacher-" + stamp, "model.role=teacher", "train.epochs=1"),
                Progress.toStderr(50)).run().model;
        JobConfig student = job("student", "model.role=student", JobConfig.setting("distill.teacher", teacher));
        figures.put("round_bytes", roundBytes(student));
        if (!simulate.isEmpty()) {
            figures.put("simulated", simulated(student));
        } else {
            clusterRuns(student, figures);
        }
        BenchmarkOutput.print(figures);
        return 0;
    }

    /** k partitions on an embedded Spark, for each k: plain averaging and the defaults, mean over seeds. */
    private List<Map<String, Object>> simulated(JobConfig student) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int k : simulate) {
            for (Variant v : k == 1 || withoutPlain ? List.of(DEFAULTS) : List.of(PLAIN, DEFAULTS)) {
                List<Map<String, Object>> runs = new ArrayList<>();
                for (int seed = firstSeed; seed < firstSeed + seeds; seed++) {
                    System.err.printf("[bench] simulated: %d partitions, %s averaging, seed %d%n", k, v.name(), seed);
                    JobConfig job = variant(student, v, seed, "spark.partitions=" + k,
                            JobConfig.setting("run.name", "simulated-k" + k + "-" + v.name() + "-seed" + seed + "-" + stamp));
                    runs.add(figures(job, train(job, Map.of()), 1, v));
                }
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("partitions", k);
                row.put("averaging", v.name());
                row.put("outer_optimizer", runs.get(0).get("outer_optimizer"));
                putAccuracy(row, runs);
                rows.add(row);
                System.err.println("[bench] " + row);
            }
        }
        return rows;
    }

    /** One executor, then two with each averaging variant, on a standalone cluster; every seed. */
    private void clusterRuns(JobConfig student, Map<String, Object> figures) throws Exception {
        String master = startCluster();
        List<Map<String, Object>> runs = new ArrayList<>();
        try {
            for (int seed = firstSeed; seed < firstSeed + seeds; seed++) {
                for (int executors = 1; executors <= 2; executors++) {
                    for (Variant v : executors == 1 ? List.of(DEFAULTS) : List.of(DEFAULTS, PLAIN, everyK())) {
                        System.err.printf("[bench] cluster: %d one-core executor(s), %s averaging, seed %d%n",
                                executors, v.name(), seed);
                        JobConfig job = variant(student, v, seed, JobConfig.setting("spark.master", master),
                                "spark.partitions=" + executors,
                                JobConfig.setting("run.name", "executors" + executors + "-" + v.name() + "-seed" + seed + "-" + stamp));
                        Map<String, Object> run = figures(job, train(job, clusterConf(executors)), executors, v);
                        runs.add(run);
                        System.err.println("[bench] " + summary(run));
                    }
                }
            }
        } finally {
            stopCluster();
            Files.deleteIfExists(out.toAbsolutePath().resolve("spikekd-app.jar"));
        }
        figures.put("runs", runs);
        List<Map<String, Object>> one = select(runs, 1, DEFAULTS.name());
        List<Map<String, Object>> two = select(runs, 2, DEFAULTS.name());
        figures.put("speedup_2_over_1", mean(two, "samples_per_s") / mean(one, "samples_per_s"));
        figures.put("accuracy_gap_points", 100 * (mean(one, "test_accuracy") - mean(two, "test_accuracy")));
        // one executor minus two, seed by seed (same seeds, same data): the gap with its interval
        figures.put("accuracy_gap", SeedStatistics.paired(accuracies(one), accuracies(two)).interval());
        Map<String, Object> byVariant = new LinkedHashMap<>();
        for (Variant v : List.of(DEFAULTS, PLAIN, everyK())) {
            List<Map<String, Object>> r = select(runs, 2, v.name());
            Map<String, Object> m = new LinkedHashMap<>();
            putAccuracy(m, r);
            m.put("accuracy_gap_points", 100 * (mean(one, "test_accuracy") - mean(r, "test_accuracy")));
            m.put("samples_per_s", mean(r, "samples_per_s"));
            m.put("sync_fraction", mean(r, "sync_fraction"));
            byVariant.put(v.name(), m);
        }
        Map<String, Object> single = new LinkedHashMap<>();
        putAccuracy(single, one);
        single.put("samples_per_s", mean(one, "samples_per_s"));
        figures.put("one_executor", single);
        figures.put("two_executors", byVariant);
    }

    private JobConfig variant(JobConfig student, Variant v, int seed, String... more) {
        List<String> settings = new ArrayList<>(v.settings());
        settings.add("train.seed=" + seed);
        settings.addAll(List.of(more));
        return student.with(settings.toArray(new String[0]));
    }

    private JobConfig job(String name, String... settings) {
        List<String> all = new ArrayList<>(List.of("data.train-limit=" + trainLimit, "data.test-limit=" + testLimit,
                "train.epochs=" + epochs, "train.log-every=20", JobConfig.setting("run.dir", out.toAbsolutePath().toString()),
                JobConfig.setting("run.name", name)));
        all.addAll(overrides);
        all.addAll(List.of(settings));
        return JobConfig.load(null, all);
    }

    private static TrainingRun.Result train(JobConfig job, Map<String, String> sparkConf) throws Exception {
        try (JavaSparkContext sc = SparkContexts.start(new JobSettings(job), "SpikeKD bench scaling", sparkConf)) {
            return new TrainingRun(job, Progress.toStderr(20), new EpochAveragingTrainer(sc)).run();
        }
    }

    /** A run's figures: the whole run, and each epoch with the training seconds so far. */
    private static Map<String, Object> figures(JobConfig job, TrainingRun.Result r, int executors, Variant v) {
        JobSettings s = new JobSettings(job);
        String split = s.data().evalSplit();
        double examples = 0;
        double seconds = 0;
        double sync = 0;
        double cores = 0;
        double setup = 0;
        int rounds = 0;
        List<Map<String, Object>> perEpoch = new ArrayList<>();
        for (Map<String, Object> epoch : r.epochs) {
            double t = ((Number) epoch.get("train_seconds")).doubleValue();
            examples += ((Number) epoch.get("samples_per_second")).doubleValue() * t;
            seconds += t;
            sync += ((Number) epoch.get("sync_seconds")).doubleValue();
            setup += epoch.get("setup_seconds") instanceof Number n ? n.doubleValue() : 0;
            rounds += ((Number) epoch.get("rounds")).intValue();
            cores += ((Number) epoch.get("cores_per_task")).doubleValue() / r.epochs.size();
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("epoch", epoch.get("epoch"));
            e.put("train_seconds", t);
            e.put("train_seconds_so_far", seconds);
            e.put("samples_per_s", epoch.get("samples_per_second"));
            e.put("sync_seconds", epoch.get("sync_seconds"));
            e.put("rounds", epoch.get("rounds"));
            e.put(split + "_accuracy", epoch.get(split + "_accuracy"));
            perEpoch.add(e);
        }
        AveragingSettings averaging = s.averaging();
        int partitions = averaging.partitions();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("executors", executors);
        m.put("partitions", partitions);
        m.put("seed", s.training().seed());
        m.put("variant", v.name());
        m.put("averaging", (averaging.every() == 0 ? "epoch" : "every " + averaging.every() + " minibatches")
                + (averaging.warmupEpochs() == 0 ? "" : ", every " + averaging.warmupEvery() + " in the first "
                        + averaging.warmupEpochs() + " epoch(s)"));
        m.put("outer_optimizer", partitions > 1 ? averaging.outerOptimizer(partitions).toString() : "none (one partition)");
        m.put("learning_rate_per_copy", s.training().learningRate() * averaging.learningRateScale(partitions));
        m.put("epochs", r.epochs.size());
        m.put("samples_per_s", examples / seconds);
        m.put("train_seconds", seconds);
        m.put("sync_fraction", sync / seconds);
        m.put("rounds", rounds);
        m.put("sync_seconds_per_round", sync / rounds);
        // once per run, before the first round: the student built and the teacher restored on each executor
        m.put("setup_seconds", setup);
        m.put("cores_per_executor", cores);
        m.put(split + "_accuracy", r.test.accuracy);
        m.put("per_epoch", perEpoch);
        m.put("run_directory", r.runDirectory);
        return m;
    }

    /** The bytes one averaging round ships per task: the student's state out, and back. */
    private static Map<String, Object> roundBytes(JobConfig student) throws Exception {
        JobSettings s = new JobSettings(student);
        var train = s.data().loader().trainingSplit(s.data().trainLimit());
        var net = TrainingRun.newNetwork(s, train, null);
        ModelState state = ModelState.of(net);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("parameters", state.parameters.length);
        m.put("optimizer_state", state.updaterState.length);
        m.put("state_bytes", 4L * (state.parameters.length + state.updaterState.length));
        return m;
    }

    private static List<Map<String, Object>> select(List<Map<String, Object>> runs, int executors, String variant) {
        List<Map<String, Object>> kept = new ArrayList<>();
        for (Map<String, Object> r : runs) {
            if ((int) r.get("executors") == executors && r.get("variant").equals(variant)) {
                kept.add(r);
            }
        }
        return kept;
    }

    private static double mean(List<Map<String, Object>> runs, String key) {
        return runs.stream().mapToDouble(r -> number(r, key)).average().orElse(Double.NaN);
    }

    /** The value of {@code key}; for test_accuracy, the accuracy of whichever split was evaluated. */
    private static double number(Map<String, Object> run, String key) {
        Object v = run.get(key);
        if (v == null && key.equals("test_accuracy")) {
            v = run.get("validation_accuracy");
        }
        return ((Number) v).doubleValue();
    }

    /** Each run's accuracy (of whichever split was evaluated), in run order. */
    private static List<Double> accuracies(List<Map<String, Object>> runs) {
        return runs.stream().map(r -> number(r, "test_accuracy")).toList();
    }

    /** Mean, sample standard deviation and each seed's accuracy of {@code runs}. */
    private static void putAccuracy(Map<String, Object> into, List<Map<String, Object>> runs) {
        String split = runs.get(0).containsKey("test_accuracy") ? "test" : "validation";
        List<Double> each = accuracies(runs);
        SeedStatistics statistics = SeedStatistics.of(each);
        into.put(split + "_accuracy", statistics.mean());
        into.put(split + "_accuracy_std", statistics.std());
        into.put(split + "_accuracy_runs", each);
    }

    private static String summary(Map<String, Object> run) {
        return String.format("%s: %.1f samples/s, sync %.1f%%, %s", run.get("run_directory"),
                (double) run.get("samples_per_s"), 100 * (double) run.get("sync_fraction"),
                run.containsKey("test_accuracy") ? "test accuracy " + run.get("test_accuracy")
                        : "validation accuracy " + run.get("validation_accuracy"));
    }

    /** The application jar, the project's spark-defaults, and at most {@code executors} one-core executors. */
    private Map<String, String> clusterConf(int executors) throws IOException {
        Map<String, String> conf = new LinkedHashMap<>();
        SparkDefaults.load(home).forEach((k, v) -> conf.put(k.toString(), v.toString().trim()));
        File app = home.resolve("driver/target/spikekd-app.jar").toFile();
        if (!app.isFile()) {
            throw new IOException(app + " is missing: build it with mvn package -DskipTests");
        }
        // executors fetch the jar when each context starts: ship a private copy, which a rebuild
        // during the benchmark cannot touch
        Path copy = out.toAbsolutePath().resolve("spikekd-app.jar");
        if (!Files.exists(copy)) {
            Files.copy(app.toPath(), copy);
        }
        conf.put("spark.jars", copy.toString());
        conf.put("spark.cores.max", Integer.toString(executors));
        conf.put("spark.executor.cores", "1");
        conf.put("spark.task.cpus", "1");
        if (link != null) {
            // the executors reach the driver across the bridge deploy/cluster --link makes
            conf.put("spark.driver.host", LINK_HOST);
            conf.put("spark.driver.bindAddress", LINK_HOST);
        }
        return conf;
    }

    private String startCluster() throws Exception {
        List<String> args = new ArrayList<>(List.of("start", "--workers", "2", "--cores", "1", "--memory", "6g"));
        if (link != null) {
            args.addAll(List.of("--link", link));
        }
        String out = script(args.toArray(new String[0]));
        java.util.regex.Matcher url = java.util.regex.Pattern.compile("spark://[^\\s]+").matcher(out);
        if (!url.find()) {
            throw new IOException("deploy/cluster start printed no master URL");
        }
        return url.group();
    }

    private void stopCluster() throws Exception {
        script("stop");
    }

    private String script(String... args) throws IOException {
        String clusterHome = System.getenv().getOrDefault("SPIKEKD_CLUSTER_HOME",
                home.resolve("target/bench-cluster").toString());
        return new DeployScript(home, "cluster", Map.of("SPIKEKD_CLUSTER_HOME", clusterHome)).run(args);
    }
}
