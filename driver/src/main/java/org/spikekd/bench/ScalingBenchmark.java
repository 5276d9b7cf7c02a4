package org.spikekd.bench;

import java.io.File;
import java.io.FileReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.JavaSparkContext;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;
import org.spikekd.spark.EpochAveragingTrainer;
import org.spikekd.spark.SparkContexts;
import org.spikekd.train.Progress;
import org.spikekd.train.TrainingRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Scaling of distributed training on a real standalone cluster on this machine (deploy/cluster: a
 * master and two one-core workers): the same KD student trained on the same data in one JVM
 * (embedded Spark, one partition), then on the cluster with one executor, then with two. Reports
 * training samples/s, the seconds per epoch spent shipping and averaging models, and test
 * accuracy, so distributed can be compared with local training after the same epochs.
 */
@Command(name = "scaling", mixinStandardHelpOptions = true,
        description = "Samples/s with 1 and 2 executors of a local standalone cluster, synchronization "
                + "seconds per epoch, and accuracy against local training after the same epochs.")
public final class ScalingBenchmark implements Callable<Integer> {
    @Option(names = "--epochs", defaultValue = "2") int epochs;
    @Option(names = "--train-limit", defaultValue = "6000", description = "Training examples.") int trainLimit;
    @Option(names = "--test-limit", defaultValue = "2000") int testLimit;
    @Option(names = "--out", defaultValue = "bench-out/scaling", description = "Where the runs go.") Path out;
    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Configuration for every run.")
    List<String> overrides = new ArrayList<>();

    private final Path home = Path.of(System.getProperty("spikekd.home", "."));

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(out);
        String stamp = BenchmarkOutput.stamp();
        Map<String, Object> figures = BenchmarkOutput.begin("scaling");
        figures.put("train_examples", trainLimit);
        figures.put("epochs", epochs);

        System.err.println("[bench] teacher (local, 1 epoch)");
        String teacher = TrainingRun.local(job("teacher-" + stamp, "model.role=teacher", "train.epochs=1"),
                Progress.toStderr(50)).run().model;
        JobConfig student = job("student", "model.role=student", "distill.teacher=\"" + teacher + "\"");

        System.err.println("[bench] local: embedded Spark, 1 partition, all cores");
        Map<String, Object> local = figures(train(student.with("run.name=local-" + stamp), Map.of()));
        figures.put("local", local);

        String master = startCluster();
        try {
            for (int executors = 1; executors <= 2; executors++) {
                System.err.println("[bench] cluster: " + executors + " executor(s) of 1 core");
                Map<String, String> conf = clusterConf(executors);
                JobConfig job = student.with("spark.master=\"" + master + "\"", "spark.partitions=" + executors,
                        "run.name=executors" + executors + "-" + stamp);
                figures.put("executors_" + executors, figures(train(job, conf)));
            }
        } finally {
            stopCluster();
            Files.deleteIfExists(out.toAbsolutePath().resolve("spikekd-app.jar"));
        }
        @SuppressWarnings("unchecked")
        double one = (double) ((Map<String, Object>) figures.get("executors_1")).get("samples_per_second");
        @SuppressWarnings("unchecked")
        Map<String, Object> two = (Map<String, Object>) figures.get("executors_2");
        figures.put("speedup_2_over_1", (double) two.get("samples_per_second") / one);
        figures.put("accuracy_2_executors_minus_local", (double) two.get("test_accuracy") - (double) local.get("test_accuracy"));
        BenchmarkOutput.print(figures);
        return 0;
    }

    private JobConfig job(String name, String... settings) {
        List<String> all = new ArrayList<>(overrides);
        all.addAll(List.of("data.train-limit=" + trainLimit, "data.test-limit=" + testLimit,
                "train.epochs=" + epochs, "train.log-every=20", "run.dir=\"" + out.toAbsolutePath() + "\"",
                "run.name=" + name));
        all.addAll(List.of(settings));
        return JobConfig.load(null, all);
    }

    private static TrainingRun.Result train(JobConfig job, Map<String, String> sparkConf) throws Exception {
        try (JavaSparkContext sc = SparkContexts.start(new JobSettings(job).validate(), "SpikeKD bench scaling", sparkConf)) {
            return new TrainingRun(job, Progress.toStderr(20), new EpochAveragingTrainer(sc)).run();
        }
    }

    private static Map<String, Object> figures(TrainingRun.Result r) {
        double examples = 0;
        double seconds = 0;
        double sync = 0;
        for (Map<String, Object> epoch : r.epochs) {
            double s = ((Number) epoch.get("train_seconds")).doubleValue();
            examples += ((Number) epoch.get("samples_per_second")).doubleValue() * s;
            seconds += s;
            sync += ((Number) epoch.get("sync_seconds")).doubleValue();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("samples_per_second", examples / seconds);
        m.put("train_seconds_per_epoch", seconds / r.epochs.size());
        m.put("sync_seconds_per_epoch", sync / r.epochs.size());
        m.put("test_accuracy", r.test.accuracy);
        m.put("run_directory", r.runDirectory);
        return m;
    }

    /** The application jar, the project's spark-defaults, and at most {@code executors} one-core executors. */
    private Map<String, String> clusterConf(int executors) throws IOException {
        Map<String, String> conf = new LinkedHashMap<>();
        Properties defaults = new Properties();
        try (FileReader in = new FileReader(home.resolve("conf/spark-defaults.conf").toFile())) {
            defaults.load(in);
        }
        defaults.forEach((k, v) -> conf.put(k.toString(), v.toString().trim()));
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
        conf.put("spark.executorEnv.OMP_NUM_THREADS", "1");
        return conf;
    }

    private String startCluster() throws Exception {
        String out = script("start", "--workers", "2", "--cores", "1", "--memory", "6g");
        java.util.regex.Matcher url = java.util.regex.Pattern.compile("spark://[^\\s]+").matcher(out);
        if (!url.find()) {
            throw new IOException("deploy/cluster start printed no master URL");
        }
        return url.group();
    }

    private void stopCluster() throws Exception {
        script("stop");
    }

    private String script(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(home.resolve("deploy/cluster").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().putIfAbsent("SPIKEKD_CLUSTER_HOME", home.resolve("target/bench-cluster").toString());
        Process p = pb.start();
        String stdout = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException("deploy/cluster " + String.join(" ", args) + " failed");
        }
        return stdout;
    }
}
