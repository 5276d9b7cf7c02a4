package org.spikekd.bench.chaos;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Finds the JVMs of a local cluster and sends them signals: what the chaos benchmark strikes with. */
public final class ClusterProcesses {
    private ClusterProcesses() {}

    /** The JVM of executor {@code executorId} of application {@code applicationId}, if it lives. */
    public static Optional<ProcessHandle> executor(String applicationId, String executorId) {
        return ProcessHandle.allProcesses().filter(p -> {
            String line = p.info().commandLine().orElse("");
            return line.contains("CoarseGrainedExecutorBackend") && line.contains("--executor-id " + executorId + " ")
                    && line.contains("--app-id " + applicationId);
        }).findFirst();
    }

    /** SIGKILL, and wait for the process to be gone. */
    public static void kill(ProcessHandle p) throws IOException {
        p.destroyForcibly();
        try {
            p.onExit().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("process " + p.pid() + " did not die within 30 s of SIGKILL", e);
        }
    }

    /** Sends {@code signal} (STOP, CONT, KILL) to {@code pid}. */
    public static void signal(long pid, String signal) throws IOException {
        try {
            Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("kill -" + signal + " " + pid + " failed: " + new String(p.getInputStream().readAllBytes()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted sending " + signal + " to " + pid, e);
        }
    }
}
