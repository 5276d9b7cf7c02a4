package org.spikekd.study;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.spikekd.data.HadoopFiles;
import org.spikekd.eval.EnergyEstimate;
import org.spikekd.eval.EvaluationResult;
import org.spikekd.noise.Corruption;
import org.spikekd.run.RunDirectory;

/**
 * What a {@link Study} found: one row per (model, corruption level) and per (spiking model, T);
 * printed as tables with the models side by side, and written as JSON and CSV files that the
 * notebooks read.
 */
public final class StudyReport {
    private final List<StudiedModel> models;
    private final List<Corruption> levels;
    private final int[] timeSteps;
    private final List<Map<String, Object>> robustness = new ArrayList<>();
    private final List<Map<String, Object>> byTimeSteps = new ArrayList<>();
    private long examples;

    StudyReport(List<StudiedModel> models, List<Corruption> levels, int[] timeSteps) {
        this.models = models;
        this.levels = levels;
        this.timeSteps = timeSteps;
    }

    void robustness(StudiedModel m, Corruption c, EvaluationResult r, EnergyEstimate e) {
        examples = r.examples;
        robustness.add(Study.row("model", m.name, "noise", c.isNone() ? "clean" : c.kind.id,
                "level", c.level, "accuracy", r.accuracy, "loss", r.loss,
                "mean_firing_rate", m.spiking() ? r.meanFiringRate() : null, "energy_uj", e.microjoules()));
    }

    void timeStep(StudiedModel m, int t, EvaluationResult r, EnergyEstimate e) {
        examples = r.examples;
        byTimeSteps.add(Study.row("model", m.name, "time_steps", t, "accuracy", r.accuracy, "loss", r.loss,
                "mean_firing_rate", r.meanFiringRate(), "synaptic_ops", e.synapticOps, "macs", e.macs,
                "energy_uj", e.microjoules(), "firing_rates", r.firingRates));
    }

    void addTimeStepRow(Map<String, Object> row) {
        byTimeSteps.add(row);
    }

    public List<Map<String, Object>> robustnessRows() {
        return robustness;
    }

    public List<Map<String, Object>> timeStepRows() {
        return byTimeSteps;
    }

    /** The accuracy of {@code model} under {@code c} (clean if none), from the rows. */
    public double accuracy(String model, Corruption c) {
        for (Map<String, Object> r : robustness) {
            if (r.get("model").equals(model) && r.get("noise").equals(c.isNone() ? "clean" : c.kind.id)
                    && (double) r.get("level") == c.level) {
                return (double) r.get("accuracy");
            }
        }
        throw new IllegalArgumentException("no result for " + model + " under " + c);
    }

    public void printTables(PrintStream out) {
        if (!levels.isEmpty()) {
            printRobustness(out);
        }
        printTimeSteps(out);
    }

    private void printRobustness(PrintStream out) {
        out.printf("accuracy under noise (%d examples; each model reads the same corrupted images)%n", examples);
        StringBuilder head = new StringBuilder(String.format("  %-22s", "noise:level"));
        models.forEach(m -> head.append(String.format(" %14s", shorten(m.name))));
        out.println(head);
        for (Corruption c : levels) {
            StringBuilder line = new StringBuilder(String.format("  %-22s", c.isNone() ? "clean" : c.toString()));
            for (StudiedModel m : models) {
                line.append(String.format(" %14.4f", accuracy(m.name, c)));
            }
            out.println(line);
        }
    }

    private void printTimeSteps(PrintStream out) {
        List<StudiedModel> spiking = models.stream().filter(StudiedModel::spiking).collect(Collectors.toList());
        if (timeSteps.length == 0 || spiking.isEmpty()) {
            return;
        }
        out.println("by time steps: accuracy / mean firing rate / energy per image (uJ)");
        StringBuilder th = new StringBuilder(String.format("  %5s", "T"));
        spiking.forEach(m -> th.append(String.format("  %-26s", shorten(m.name) + " (T" + m.timeSteps() + ")")));
        out.println(th);
        for (int t : timeSteps) {
            StringBuilder line = new StringBuilder(String.format("  %5d", t));
            for (StudiedModel m : spiking) {
                Map<String, Object> r = byTimeSteps.stream()
                        .filter(x -> x.get("model").equals(m.name) && (int) x.get("time_steps") == t).findFirst().orElseThrow();
                line.append(String.format("  %.4f %.4f %9.3f      ", r.get("accuracy"), r.get("mean_firing_rate"), r.get("energy_uj")));
            }
            out.println(line);
        }
    }

    private static String shorten(String name) {
        return name.length() <= 14 ? name : name.substring(0, 13) + "~";
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("examples", examples);
        List<Map<String, Object>> described = new ArrayList<>();
        for (StudiedModel s : models) {
            described.add(Study.row("name", s.name, "path", s.path, "kind", s.kind(), "time_steps", s.timeSteps()));
        }
        m.put("models", described);
        m.put("robustness", robustness);
        m.put("time_steps", byTimeSteps);
        return m;
    }

    /**
     * Writes evaluation.json, robustness.csv and time_steps.csv into the local directory {@code dir}
     * (made if missing), each under a temporary name first and renamed into place.
     */
    public void writeTo(Path dir) throws IOException {
        write(dir, "evaluation.json", RunDirectory.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toMap()));
        write(dir, "robustness.csv", csv(robustness, List.of("model", "noise", "level", "accuracy", "loss",
                "mean_firing_rate", "energy_uj")));
        write(dir, "time_steps.csv", csv(byTimeSteps, List.of("model", "time_steps", "accuracy", "loss",
                "mean_firing_rate", "synaptic_ops", "macs", "energy_uj")));
    }

    private static String csv(List<Map<String, Object>> rows, List<String> columns) {
        StringBuilder out = new StringBuilder(String.join(",", columns)).append('\n');
        for (Map<String, Object> r : rows) {
            out.append(columns.stream().map(c -> r.get(c) == null ? "" : quote(String.valueOf(r.get(c))))
                    .collect(Collectors.joining(","))).append('\n');
        }
        return out.toString();
    }

    private static String quote(String v) {
        return v.contains(",") || v.contains("\"") ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
    }

    private static void write(Path dir, String name, String content) throws IOException {
        HadoopFiles.writeAtomically(dir.toAbsolutePath().resolve(name).toString(), content.getBytes(StandardCharsets.UTF_8));
    }
}
