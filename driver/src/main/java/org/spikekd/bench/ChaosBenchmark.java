package org.spikekd.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.spikekd.bench.chaos.FaultInjector;
import org.spikekd.bench.chaos.FaultSchedule;
import org.spikekd.bench.chaos.LocalHdfsDaemons;
import org.spikekd.bench.chaos.NetworkFaults;
import org.spikekd.bench.chaos.RunComparison;
import org.spikekd.bench.chaos.SparkApplicationWatch;
import org.spikekd.bench.deploy.DeployScript;
import org.spikekd.bench.deploy.SparkDefaults;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;
import org.spikekd.run.TrainingRun;
import org.spikekd.train.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Faults at random moments on a real cluster, and a run that must end as if none had struck: a KD
 * student trained on a local standalone cluster ({@code deploy/cluster}, two one-core workers)
 * through {@code deploy/submit}, its run directory on a local HDFS ({@code deploy/hdfs}: a
 * NameNode and three DataNodes, replication 2), once uninterrupted and once under a seeded
 * {@link FaultSchedule}: executors SIGKILLed while rounds train and while they are averaged, the
 * driver SIGKILLed mid-epoch and the run continued with {@code train --resume}, a DataNode
 * SIGKILLed while a checkpoint is written. The two final models must be equal (SGD, the sparse
 * convolution path: every step is repeatable), every epoch recorded once, the directory whole.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = "Kill executors, the driver and an HDFS DataNode at seeded random moments of a KD run on a "
                + "local cluster; compare with the same run uninterrupted.")
public final class ChaosBenchmark implements Callable<Integer> {
    @Option(names = "--epochs", defaultValue = "4") int epochs;
    @Option(names = "--train-limit", defaultValue = "3000", description = "Training examples.") int trainLimit;
    @Option(names = "--test-limit", defaultValue = "1000") int testLimit;
    @Option(names = "--every", defaultValue = "4", description = "Minibatches between averages (rounds to strike in).")
    int every;
    @Option(names = "--executor-kills", defaultValue = "6") int executorKills;
    @Option(names = "--seed", defaultValue = "1", description = "Seed of the fault schedule (and of training).") long seed;
    @Option(names = "--faults", split = ",", defaultValue = "executor,driver,datanode",
            description = "The kinds of fault to strike with: executor, driver, datanode, network (root: the workers on "
                    + "shaped links, one cut off, then another slowed); none: two uninterrupted runs.")
    List<String> faults;
    @Option(names = "--link", paramLabel = "RATE", defaultValue = "1gbit",
            description = "With network faults: the rate of the workers' links (deploy/cluster --link).")
    String link;
    @Option(names = "--no-hdfs", description = "Keep the run directories on the local disk (no DataNode to kill).")
    boolean noHdfs;
    @Option(names = "--java-options", defaultValue = "", paramLabel = "FLAGS",
            description = "More JVM flags for the drivers and executors (e.g. -Dspikekd.simd=false).")
    String javaOptions;
    @Option(names = "--out", defaultValue = "bench-out/chaos", description = "Logs, the teacher and local runs.") Path out;
    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Configuration for both runs.")
    List<String> overrides = new ArrayList<>();

    /** What makes a distributed run repeat bit for bit from one process to the next (see README). */
    static final String REPEATABLE_JVM_FLAG = "-Dspikekd.convolution=sparse";
    /** The host's address on deploy/cluster's bridge (--link). */
    private static final String LINK_HOST = "10.77.0.1";
    private final Path home = Path.of(System.getProperty("spikekd.home", "."));

    @Override
    public Integer call() throws Exception {
        out = out.toAbsolutePath();
        Files.createDirectories(out);
        String stamp = BenchmarkOutput.stamp();
        Map<String, Object> figures = BenchmarkOutput.begin("chaos");
        Path app = home.resolve("driver/target/spikekd-app.jar");
        if (!Files.isRegularFile(app)) {
            throw new IOException(app + " is missing: build it with mvn package -DskipTests");
        }

        for (String kind : faults) {
            if (!List.of("executor", "driver", "datanode", "network", "none").contains(kind)) {
                throw new IllegalArgumentException("--faults: '" + kind + "' is not executor, driver, datanode, network "
                        + "or none");
            }
        }
        boolean shapedLinks = faults.contains("network");
        if (shapedLinks && !"root".equals(System.getProperty("user.name"))) {
            throw new IllegalArgumentException("--faults network needs root (network namespaces and tc, as deploy/cluster "
                    + "--link does); leave network out");
        }
        // small networks: the benchmark is about faults, and every round is a moment to strike in
        List<String> common = List.of("data.train-limit=" + trainLimit, "data.test-limit=" + testLimit,
                "model.vgg.stages=[[16],[32]]", "model.vgg.hidden=[64]", "train.batch-size=32", "train.log-every=1000");
        System.err.println("[bench] teacher (local, 1 epoch)");
        List<String> teacherJob = new ArrayList<>(common);
        teacherJob.addAll(List.of("model.role=teacher", "train.epochs=1", JobConfig.setting("run.dir", out.toString()),
                JobConfig.setting("run.name", "teacher-" + stamp)));
        String teacher = TrainingRun.local(JobConfig.load(null, teacherJob), Progress.toStderr(1000)).run().model;
        List<String> job = new ArrayList<>(common);
        job.addAll(List.of("model.role=student", "encoding.time-steps=4", "train.epochs=" + epochs,
                "train.optimizer=sgd", "train.learning-rate=0.05", "train.seed=" + seed, "spark.partitions=2",
                "spark.averaging-every=" + every, "spark.task-max-failures=8", JobConfig.setting("distill.teacher", teacher)));
        job.addAll(overrides);
        JobSettings settings = new JobSettings(JobConfig.load(null, job));
        int perPartition = settings.training().minibatchesPerEpoch((settings.data().trainLimit() + 1) / 2);
        FaultSchedule drawn = FaultSchedule.draw(seed, epochs, (perPartition + every - 1) / every,
                faults.contains("executor") ? executorKills : 0);
        FaultSchedule schedule = new FaultSchedule(drawn.executorKills(),
                faults.contains("driver") ? drawn.driverKillRound() : Integer.MAX_VALUE,
                faults.contains("datanode") && !noHdfs ? drawn.datanodeKillEpoch() : Integer.MAX_VALUE,
                shapedLinks ? drawn.networkCutRound() : Integer.MAX_VALUE, drawn.roundsPerEpoch());
        figures.put("job", job);
        figures.put("schedule", schedule.describe());

        Map<String, String> clusterEnv = Map.of("SPIKEKD_CLUSTER_HOME", home.resolve("target/chaos-cluster").toString(),
                "SPIKEKD_MASTER_PORT", Integer.toString(freePort()), "SPIKEKD_UI_PORT", Integer.toString(freePort()));
        DeployScript cluster = new DeployScript(home, "cluster", clusterEnv);
        LocalHdfsDaemons hdfs = null;
        try {
            String runs = out.toString();
            if (!noHdfs) {
                hdfs = LocalHdfsDaemons.start(new DeployScript(home, "hdfs", Map.of("SPIKEKD_HDFS_HOME",
                        home.resolve("target/chaos-hdfs").toString(), "SPIKEKD_HDFS_PORT", Integer.toString(freePort()))), 3, 2);
                runs = hdfs.uri + "/chaos-" + stamp;
                System.err.println("[bench] HDFS " + hdfs.uri + ": 3 DataNodes, replication 2");
            }
            List<String> start = new ArrayList<>(List.of("start", "--workers", "2", "--cores", "1", "--memory", "4g"));
            if (shapedLinks) {
                start.addAll(List.of("--link", link));
            }
            String master = cluster.run(start.toArray(String[]::new)).strip().lines().reduce((a, b) -> b).orElseThrow();
            List<String> runJob = new ArrayList<>(job);
            runJob.add(JobConfig.setting("run.dir", runs));

            System.err.println("[bench] the run uninterrupted");
            long t0 = System.nanoTime();
            Process reference = submit(clusterEnv, master, freePort(), "reference", trainArgs(runJob, "reference"));
            if (!reference.waitFor(60, TimeUnit.MINUTES) || reference.exitValue() != 0) {
                throw new IOException("the uninterrupted run failed; see " + out.resolve("reference.log"));
            }
            double referenceSeconds = (System.nanoTime() - t0) / 1e9;

            System.err.println("[bench] the run under faults: " + schedule.describe());
            int uiPort = freePort();
            String runDirectory = runs + "/chaos";
            t0 = System.nanoTime();
            Process first = submit(clusterEnv, master, uiPort, "chaos", trainArgs(runJob, "chaos"));
            FaultInjector injector = new FaultInjector(schedule, new SparkApplicationWatch("127.0.0.1", uiPort), hdfs,
                    shapedLinks ? new NetworkFaults(link) : null, new org.apache.hadoop.fs.Path(runDirectory), System.err);
            injector.drive(first, () -> submit(clusterEnv, master, uiPort, "chaos-resumed",
                    List.of("train", "--resume", runDirectory)));
            double chaosSeconds = (System.nanoTime() - t0) / 1e9;

            RunComparison c = RunComparison.of(runs + "/reference", runDirectory, epochs);
            Map<String, Integer> byKind = new LinkedHashMap<>();
            injector.kills.forEach(k -> byKind.merge(k.kind(), 1, Integer::sum));
            figures.put("kills", byKind);
            figures.putAll(c.describe());
            figures.put("datanode_kill_misses", injector.datanodeMisses);
            figures.put("kill_log", injector.kills.stream().map(FaultInjector.Kill::describe).toList());
            figures.put("reference_seconds", referenceSeconds);
            figures.put("chaos_seconds", chaosSeconds);
            figures.put("logs", out.toString());
        } finally {
            try {
                cluster.run("stop");
            } finally {
                if (hdfs != null) {
                    hdfs.close();
                }
            }
        }
        BenchmarkOutput.print(figures);
        return 0;
    }

    private static List<String> trainArgs(List<String> job, String name) {
        List<String> args = new ArrayList<>(List.of("train"));
        for (String s : job) {
            args.addAll(List.of("--set", s));
        }
        args.addAll(List.of("--set", JobConfig.setting("run.name", name)));
        return args;
    }

    /** deploy/submit of a SpikeKD command to the cluster; the driver is the returned process (submit execs it). */
    private Process submit(Map<String, String> env, String master, int uiPort, String log, List<String> command)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(home.resolve("deploy/submit").toString(), "--master", master));
        if (faults.contains("network")) {
            // the executors reach the driver across deploy/cluster's bridge; a cut-off executor is
            // given up after 20 s without a heartbeat (Spark's default: 120 s)
            cmd.addAll(List.of("--conf", "spark.driver.host=" + LINK_HOST, "--conf", "spark.driver.bindAddress=" + LINK_HOST,
                    "--conf", "spark.network.timeout=20s", "--conf", "spark.network.timeoutInterval=5s",
                    "--conf", "spark.executor.heartbeatInterval=2s"));
        }
        cmd.addAll(List.of("--conf", "spark.ui.port=" + uiPort,
                "--conf", "spark.executor.extraJavaOptions=" + executorFlags() + " " + REPEATABLE_JVM_FLAG + " " + javaOptions,
                "--"));
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.resolve(log + ".log").toFile()));
        pb.environment().putAll(env);
        pb.environment().put("SPIKEKD_DRIVER_OPTS", "-Xmx3g " + REPEATABLE_JVM_FLAG + " " + javaOptions);
        System.err.println("[bench] driver log: " + out.resolve(log + ".log"));
        return pb.start();
    }

    /** The executors' JVM flags of conf/spark-defaults.conf, to which the repeatable-path flag is added. */
    private String executorFlags() throws IOException {
        return SparkDefaults.load(home).getProperty("spark.executor.extraJavaOptions", "").trim();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
