package org.spikekd.spark;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.spikekd.cpu.NativeBuild;

/**
 * Runs the project's own scripts ({@code deploy/cluster}, {@code deploy/submit}) from the cluster
 * integration tests, as a user would from the checkout, with their output in a log file.
 */
final class ProjectScripts {
    /** The checkout: the tests run in {@code driver/}. */
    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    /** This build's directory ({@code driver/target}, or {@code driver/target/spark-4.0} for Spark 4). */
    static final Path BUILD = ROOT.resolve("driver").resolve(System.getProperty("spikekd.build.directory", "target"));

    private ProjectScripts() {}

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

    /** Waits for a started script; returns its output, fails with its tail if it times out or fails. */
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

    /**
     * The line an executor on this machine logs when it has chosen its ND4J build for its own
     * processor ({@code spark.NativeBuildPlugin}; conf/spark-defaults.conf names none).
     */
    static String nativeBuildChosenHere() {
        NativeBuild build = NativeBuild.forThisProcessor().orElseThrow();
        return "nd4j build linux-x86_64" + build.extension() + " (chosen for this processor's flags)";
    }

    /** The PIDs {@code deploy/cluster start} wrote under {@code home/pids}. */
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
}
