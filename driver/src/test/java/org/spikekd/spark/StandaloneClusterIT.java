package org.spikekd.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spikekd.config.JobConfig;
import org.spikekd.run.RunDirectory;
import org.spikekd.run.TrainingRun;
import org.spikekd.train.Progress;

/**
 * End to end on a real Spark standalone cluster: {@code deploy/cluster start} (a master and two
 * workers, each its own JVM, on 127.0.0.1), {@code deploy/submit} of the shaded application jar
 * through spark-submit to train a KD student on a Fashion-MNIST subset over two executors, one of
 * which is killed mid-training, then {@code deploy/cluster stop}, whatever happened.
 */
class StandaloneClusterIT {
    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    static final String FASHION = "/usr/share/datasets/fashion-mnist";

    @TempDir Path dir;

    @Test
    void trainsAKdStudentOnATwoWorkerClusterThroughTheLossOfAnExecutor() throws Exception {
        String teacher = TrainingRun.local(JobConfig.load(null, List.of(
                "data.path=" + FASHION, "data.train-limit=3000", "data.test-limit=500", "model.role=teacher",
                "model.vgg.stages=[[16],[32]]", "model.vgg.hidden=[64]", "train.epochs=2",
                "run.dir=\"" + dir + "\"", "run.name=teacher")),
                new Progress(new PrintStream(new ByteArrayOutputStream()), false, 1000)).run().model;

        Path home = ROOT.resolve("driver/target/it-cluster");
        Map<String, String> env = Map.of("SPIKEKD_CLUSTER_HOME", home.toString(),
                "SPIKEKD_MASTER_PORT", Integer.toString(freePort()), "SPIKEKD_UI_PORT", Integer.toString(freePort()));
        try {
            String started = run(env, 600, "deploy/cluster", "start", "--workers", "2", "--cores", "1", "--memory", "4g");
            java.util.regex.Matcher url = java.util.regex.Pattern.compile("spark://127\\.0\\.0\\.1:\\d+").matcher(started);
            assertTrue(url.find(), "no master URL in: " + started);
            String master = url.group();
            List<Integer> pids = pids(home);
            assertEquals(3, pids.size(), "a master and two workers");

            File log = File.createTempFile("spikekd-submit", ".log");
            Process submit = start(env, log, "deploy/submit", "--master", master, "--", "train",
                    "--set", "data.path=" + FASHION, "--set", "data.train-limit=3000", "--set", "data.test-limit=500",
                    "--set", "model.vgg.stages=[[16],[32]]", "--set", "model.vgg.hidden=[64]",
                    "--set", "encoding.time-steps=4", "--set", "train.epochs=3", "--set", "spark.partitions=2",
                    "--set", "spark.averaging-every=4",
                    "--set", "distill.teacher=\"" + teacher + "\"",
                    "--set", "run.dir=\"" + dir + "\"", "--set", "run.name=cluster-kd");
            // once the partitions are cached and training has begun, kill one executor's JVM: its
            // tasks and cached partition are lost, Spark reruns them elsewhere, and the run must
            // still finish with one contribution per partition
            waitFor(log, "partitions of", 300);
            Thread.sleep(5000);
            ProcessHandle executor = ProcessHandle.allProcesses()
                    .filter(ph -> ph.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
                    .filter(ph -> ph.parent().map(w -> pids.contains((int) w.pid())).orElse(false))
                    .findFirst().orElseThrow(() -> new AssertionError("no executor process found"));
            assertTrue(executor.destroyForcibly(), "killed executor " + executor.pid());
            String out = finish(submit, log, 900, "deploy/submit");
            assertTrue(out.contains("Lost executor"), "the driver saw the executor die:\n" + out);
            assertTrue(out.contains("spark: spark://127.0.0.1"), "ran on the standalone master:\n" + out);

            Path run = dir.resolve("cluster-kd");
            for (String f : List.of("config.conf", "metrics.jsonl", "model.zip", "checkpoint.json",
                    "checkpoint-epoch-0003.zip", "summary.json")) {
                assertTrue(Files.isRegularFile(run.resolve(f)), f + " in the run directory");
            }
            List<String> metrics = Files.readAllLines(run.resolve("metrics.jsonl"));
            assertEquals(3, metrics.size());
            JsonNode last = RunDirectory.JSON.readTree(metrics.get(2));
            assertEquals(2, last.get("partitions").asInt());
            double accuracy = RunDirectory.JSON.readTree(run.resolve("summary.json").toFile())
                    .get("test").get("accuracy").asDouble();
            System.err.println("[it] KD student on the cluster: test accuracy " + accuracy + " after "
                    + metrics.size() + " epochs, one executor killed");
            // that it learned, far above chance (0.1); not a precise figure: on 3,000 examples with an
            // executor killed at a moment that varies, clean-clone runs gave 0.578 to 0.718 (Adam on
            // a spiking net magnifies rounding differences). Exact distributed = local is
            // EpochAveragingTrainerTest's job.
            assertTrue(accuracy > 0.45, "KD student accuracy on the cluster " + accuracy);

            // each worker ran an executor of the application (work/<app>/<executor id>/)
            try (Stream<Path> apps = Files.list(home.resolve("work"))) {
                Path app = apps.filter(p -> p.getFileName().toString().startsWith("app-")).max(Path::compareTo)
                        .orElseThrow();
                try (Stream<Path> executors = Files.list(app)) {
                    assertTrue(executors.count() >= 2, "executors on both workers");
                }
            }
        } finally {
            List<Integer> pids = pids(home);
            run(env, 120, "deploy/cluster", "stop");
            for (int pid : pids) {
                ProcessHandle.of(pid).ifPresent(p -> fail("process " + pid + " still running after stop"));
            }
        }
    }

    static List<Integer> pids(Path home) throws IOException {
        List<Integer> pids = new ArrayList<>();
        Path dir = home.resolve("pids");
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    pids.add(Integer.parseInt(Files.readString(f).trim()));
                }
            }
        }
        return pids;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Runs a project script; returns its stdout and stderr, fails with them if it fails. */
    static String run(Map<String, String> env, int timeoutSeconds, String... command) throws Exception {
        File log = File.createTempFile("spikekd-it", ".log");
        return finish(start(env, log, command), log, timeoutSeconds, command[0]);
    }

    /** Starts a project script with stdout and stderr going to {@code log}. */
    static Process start(Map<String, String> env, File log, String... command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(command));
        cmd.set(0, ROOT.resolve(command[0]).toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true)
                .redirectOutput(log);
        pb.environment().putAll(env);
        return pb.start();
    }

    static String finish(Process p, File log, int timeoutSeconds, String what) throws Exception {
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            fail(what + " timed out; output:\n" + tail(log));
        }
        String out = Files.readString(log.toPath());
        if (p.exitValue() != 0) {
            fail(what + " exited " + p.exitValue() + "; output:\n" + tail(log));
        }
        return out;
    }

    static void waitFor(File log, String text, int seconds) throws Exception {
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        while (!Files.readString(log.toPath()).contains(text)) {
            if (System.currentTimeMillis() > deadline) {
                fail("no '" + text + "' within " + seconds + " s; output:\n" + tail(log));
            }
            Thread.sleep(200);
        }
    }

    static String tail(File log) throws IOException {
        List<String> lines = Files.readAllLines(log.toPath());
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }
}
