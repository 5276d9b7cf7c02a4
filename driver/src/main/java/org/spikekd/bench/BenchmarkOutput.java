package org.spikekd.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.run.RunDirectory;

/** What every benchmark reports besides its figures: the machine and the ND4J build. */
final class BenchmarkOutput {
    private BenchmarkOutput() {}

    /** The figures of benchmark {@code name}, begun with its name and the environment. */
    static Map<String, Object> begin(String name) {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("benchmark", name);
        figures.put("environment", environment());
        return figures;
    }

    /** A timestamp for naming a benchmark's runs. */
    static String stamp() {
        return java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    }

    static Map<String, Object> environment() {
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("java", System.getProperty("java.version"));
        env.put("cores", Runtime.getRuntime().availableProcessors());
        env.put("nd4j_backend", Nd4j.getExecutioner().getClass().getSimpleName());
        org.spikekd.cpu.NativeBuild.Choice build = org.spikekd.cpu.NativeBuild.select();
        env.put("nd4j_build", "linux-x86_64" + build.extension());
        env.put("nd4j_build_chosen", build.reason());
        env.put("nd4j_threads", Nd4j.getEnvironment().maxMasterThreads());
        env.put("thread_budget", org.spikekd.cpu.ThreadBudget.threads());
        env.put("openmp_threads", org.nd4j.nativeblas.NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads());
        env.put("helpers_allowed", Nd4j.getEnvironment().helpersAllowed());
        env.put("load_average", java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        return env;
    }

    /** The process's peak resident memory (VmHWM), in MiB; -1 if unknown. */
    static double peakResidentMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: unknown
        }
        return -1;
    }

    /**
     * The figures benchmark {@code name} printed, saved in {@code file} (its output, or just the last
     * line: the figures are the last non-blank line, progress went to stderr); {@code option} names
     * the command-line option that gave the file, for the error.
     */
    static JsonNode read(Path file, String name, String option) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(option + ": " + file + " does not exist; give the JSON line `bench " + name
                    + "` printed last (deploy/spikekd bench " + name + " ... | tail -n 1 > FILE)");
        }
        List<String> lines = Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList();
        JsonNode root = null;
        try {
            root = lines.isEmpty() ? null : RunDirectory.JSON.readTree(lines.get(lines.size() - 1));
        } catch (JsonProcessingException e) {
            // not JSON: said below
        }
        if (root == null || !name.equals(root.path("benchmark").asText()) || !root.path("runs").isArray()) {
            throw new IllegalArgumentException(option + ": " + file + " is not the JSON of `bench " + name + "` (no \"benchmark\": \""
                    + name + "\" with \"runs\"; deploy/spikekd bench " + name + " ... | tail -n 1 > FILE)");
        }
        return root;
    }

    static void print(Map<String, Object> figures) throws IOException {
        System.out.flush();
        System.out.println(RunDirectory.JSON.writeValueAsString(figures));
    }
}
