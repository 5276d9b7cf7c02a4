package org.spikekd.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.spikekd.spark.ProjectScripts.BUILD;
import static org.spikekd.spark.ProjectScripts.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.resourcemanager.rmapp.RMApp;
import org.apache.hadoop.yarn.server.resourcemanager.rmapp.RMAppState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spikekd.config.JobConfig;
import org.spikekd.data.HadoopFiles;
import org.spikekd.run.RunDirectory;
import org.spikekd.run.TrainingRun;
import org.spikekd.train.Progress;

/**
 * End to end on a real YARN (a MiniYARNCluster over a MiniDFSCluster, {@link LocalYarn}): {@code
 * deploy/submit --master yarn} of the shaded application jar through spark-submit, in client mode
 * and in cluster mode, of a KD training whose data, teacher and run directory are on that HDFS; each
 * run ends with its model and metrics on HDFS and its YARN application SUCCEEDED. Spark reaches the
 * containers as a YARN user ships it: in client mode spark-submit uploads the Spark jars itself, in
 * cluster mode they come from {@code spark.yarn.archive} (a zip uploaded once), and the job file
 * travels with {@code --files}.
 */
class YarnClusterIT {
    /** Shares its collected Spark jars with {@link StandaloneClusterIT}. */
    static final Path CLUSTER_HOME = BUILD.resolve("it-cluster");

    @TempDir static Path base;
    static MiniDFSCluster hdfs;
    static FileSystem fs;
    static String root;
    static LocalYarn yarn;
    static String teacher;

    @BeforeAll
    static void start() throws Exception {
        hdfs = LocalHdfs.start(base);
        fs = hdfs.getFileSystem();
        root = LocalHdfs.uri(hdfs);
        LocalHdfs.copyFashionMnist(fs, "/datasets/fashion-mnist");
        teacher = TrainingRun.local(JobConfig.load(null, List.of(
                "data.path=\"" + root + "/datasets/fashion-mnist\"", "data.train-limit=3000", "data.test-limit=500",
                "model.role=teacher", "model.vgg.stages=[[16],[32]]", "model.vgg.hidden=[64]", "train.epochs=2",
                "run.dir=\"" + root + "/models\"", "run.name=teacher")),
                new Progress(new PrintStream(new ByteArrayOutputStream()), false, 1000)).run().model;
        assertTrue(teacher.startsWith("hdfs://"), "teacher on HDFS: " + teacher);
        yarn = LocalYarn.start(hdfs, base);
    }

    @AfterAll
    static void stop() {
        if (yarn != null) {
            yarn.close();
        }
        if (hdfs != null) {
            hdfs.shutdown();
        }
    }

    /** The job: two partitions, so that two executors train and the driver averages them. */
    static List<String> job(String name) {
        return List.of("data.path=\"" + root + "/datasets/fashion-mnist\"", "data.train-limit=3000",
                "data.test-limit=500", "model.vgg.stages=[[16],[32]]", "model.vgg.hidden=[64]",
                "encoding.time-steps=4", "train.epochs=2", "spark.partitions=2",
                "distill.teacher=\"" + teacher + "\"", "run.dir=\"" + root + "/runs\"", "run.name=" + name);
    }

    @Test
    void clientModeTrainsOnYarnExecutorsWithEverythingOnHdfs() throws Exception {
        List<String> command = new ArrayList<>(List.of("deploy/submit", "--master", "yarn", "--deploy-mode", "client",
                "--name", "yarn-client"));
        command.addAll(executors());
        command.addAll(List.of("--", "train"));
        for (String setting : job("yarn-client")) {
            command.addAll(List.of("--set", setting));
        }
        String out = run(env(), 1200, command.toArray(String[]::new));
        // the driver ran here, in the spark-submit JVM, and printed its progress
        assertTrue(out.contains("spark: yarn"), "the driver ran on YARN:\n" + out);
        assertRunOnHdfs("yarn-client");
        assertSucceeded("yarn-client");
    }

    @Test
    void clusterModeRunsTheDriverInYarnWithSparkFromAnArchive() throws Exception {
        // Spark's jars as a YARN site keeps them: one zip on HDFS, named by spark.yarn.archive, that
        // NodeManagers localize and cache instead of an upload per application
        run(env(), 900, "deploy/cluster", "jars");
        Path jars = CLUSTER_HOME.resolve("jars");
        Path zip = base.resolve("spark-libs.zip");
        zipJars(jars, zip);
        fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(zip.toString()),
                new org.apache.hadoop.fs.Path("/apps/spark/spark-libs.zip"));
        // the job file is shipped with --files into the driver's container, and named by its base name
        Path jobFile = base.resolve("yarn-cluster-kd.conf");
        Files.writeString(jobFile, String.join("\n", job("yarn-cluster")) + "\n", StandardCharsets.UTF_8);

        List<String> command = new ArrayList<>(List.of("deploy/submit", "--master", "yarn", "--deploy-mode", "cluster",
                "--name", "yarn-cluster",
                "--driver-memory", "2g", "--conf", "spark.yarn.archive=" + root + "/apps/spark/spark-libs.zip",
                "--files", jobFile.toString()));
        command.addAll(executors());
        command.addAll(List.of("--", "train", "--config", jobFile.getFileName().toString()));
        String out = run(env(), 1200, command.toArray(String[]::new));
        assertTrue(out.contains("final status: SUCCEEDED"), "the application succeeded:\n" + out);
        assertTrue(!out.contains("Neither spark.yarn.jars nor spark.yarn.archive"), "Spark came from the archive");
        assertRunOnHdfs("yarn-cluster");
        assertSucceeded("yarn-cluster");
    }

    /** Two one-core executors, with Java 17 whatever the cluster's default Java. */
    static List<String> executors() {
        String java = System.getProperty("java.home");
        return List.of("--num-executors", "2", "--executor-cores", "1",
                "--conf", "spark.executorEnv.JAVA_HOME=" + java, "--conf", "spark.yarn.appMasterEnv.JAVA_HOME=" + java);
    }

    static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("HADOOP_CONF_DIR", yarn.confDir().toString());
        env.put("SPIKEKD_CLUSTER_HOME", CLUSTER_HOME.toString());
        return env;
    }

    /** The run directory on HDFS holds the model, its checkpoints and one line of metrics per epoch. */
    static void assertRunOnHdfs(String name) throws IOException {
        String run = "/runs/" + name + "/";
        for (String f : List.of("config.conf", "metrics.jsonl", "model.zip", "checkpoint.json",
                "checkpoint-epoch-0002.zip", "summary.json")) {
            assertTrue(fs.isFile(new org.apache.hadoop.fs.Path(run + f)), f + " on HDFS in " + run);
        }
        List<String> metrics = read(run + "metrics.jsonl").lines().toList();
        assertEquals(2, metrics.size(), "one line per epoch");
        for (String line : metrics) {
            assertEquals(2, RunDirectory.JSON.readTree(line).get("partitions").asInt(), "two partitions averaged");
        }
        JsonNode summary = RunDirectory.JSON.readTree(read(run + "summary.json"));
        double accuracy = summary.get("test").get("accuracy").asDouble();
        System.err.println("[it] KD student on YARN (" + name + "): test accuracy " + accuracy);
        // that it learned, far above chance (0.1), as StandaloneClusterIT asks of the same job;
        // exact distributed = local is EpochAveragingTrainerTest's job
        assertTrue(accuracy > 0.45, "KD student accuracy on YARN " + accuracy);
    }

    /** YARN ran it (spark-submit's --name) as one application that finished SUCCEEDED. */
    static void assertSucceeded(String name) throws InterruptedException {
        // spark-submit returns once the application reports its final status; the ResourceManager
        // moves it from FINISHING to FINISHED a moment later
        long deadline = System.currentTimeMillis() + 60_000;
        while (yarn.cluster().getResourceManager().getRMContext().getRMApps().values().stream()
                .anyMatch(app -> app.getName().equals(name) && app.getState() == RMAppState.FINISHING)
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
        }
        List<RMApp> apps = yarn.cluster().getResourceManager().getRMContext().getRMApps().values().stream()
                .filter(app -> app.getApplicationType().equals("SPARK"))
                .filter(app -> app.getName().equals(name))
                .toList();
        String all = yarn.cluster().getResourceManager().getRMContext().getRMApps().values().stream()
                .map(app -> app.getName() + " " + app.getState() + " " + app.getFinalApplicationStatus()).toList().toString();
        assertEquals(1, apps.size(), "one YARN application for " + name + " among " + all);
        assertEquals(RMAppState.FINISHED, apps.get(0).getState(), all);
        assertEquals(FinalApplicationStatus.SUCCEEDED, apps.get(0).getFinalApplicationStatus(), all);
        assertExecutorsChoseTheirNativeBuild(apps.get(0).getApplicationId().toString());
    }

    /**
     * Each executor container logged the ND4J build chosen for its processor (NativeBuildPlugin;
     * conf/spark-defaults.conf names none): the application master's container (_000001) aside,
     * every container of the application, two at least.
     */
    static void assertExecutorsChoseTheirNativeBuild(String application) {
        String expected = ProjectScripts.nativeBuildChosenHere();
        List<Path> executors = new ArrayList<>();
        for (String logDir : yarn.cluster().getNodeManager(0).getConfig().getTrimmedStrings(YarnConfiguration.NM_LOG_DIRS)) {
            Path app = Path.of(logDir.replaceFirst("^file:", "")).resolve(application);
            if (Files.isDirectory(app)) {
                try (Stream<Path> containers = Files.list(app)) {
                    containers.filter(c -> !c.getFileName().toString().endsWith("_000001")).forEach(executors::add);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }
        assertTrue(executors.size() >= 2, "executor containers of " + application + ": " + executors);
        for (Path executor : executors) {
            try {
                assertTrue(Files.readString(executor.resolve("stderr")).contains(expected),
                        executor + ": no '" + expected + "' in its log");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    static String read(String path) throws IOException {
        return new String(HadoopFiles.readAll(root + path), StandardCharsets.UTF_8);
    }

    /** The jars at the zip's top level, as spark.yarn.archive wants them; stored, not compressed. */
    static void zipJars(Path jars, Path zip) throws IOException {
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip));
                Stream<Path> files = Files.list(jars)) {
            out.setLevel(Deflater.NO_COMPRESSION);
            for (Path jar : files.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                out.putNextEntry(new ZipEntry(jar.getFileName().toString()));
                Files.copy(jar, out);
                out.closeEntry();
            }
        }
    }
}
