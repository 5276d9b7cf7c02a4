package org.spikekd.sweep;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.spikekd.sweep.TrialStore.Trial;

/**
 * A sweep's results: its trials ranked by the metric (best first; trials without a metric, failed
 * or not yet run, after them, unranked), as a table to print and as results.csv and results.json
 * in the sweep directory, with best/ holding the top trial's model and config.
 */
public final class SweepResults {
    /** One trial's line. {@code rank} is null for a trial without a metric. */
    public record Row(Integer rank, int trial, TrialStore.State state, Double metric, int epochs, double seconds,
                      Map<String, Object> parameters, String runDirectory, String error) {}

    private final SweepSpec spec;
    private final List<Row> rows;

    private SweepResults(SweepSpec spec, List<Row> rows) {
        this.spec = spec;
        this.rows = rows;
    }

    /** The results as the store has them now. */
    public static SweepResults of(SweepSpec spec, TrialStore store) throws SQLException {
        Map<Integer, int[]> epochs = new LinkedHashMap<>();
        Map<Integer, double[]> seconds = new LinkedHashMap<>();
        for (TrialStore.Report r : store.reports(spec.name)) {
            epochs.computeIfAbsent(r.trial(), k -> new int[1])[0] = r.epoch();
            seconds.computeIfAbsent(r.trial(), k -> new double[1])[0] += number(r.metrics().get("train_seconds"))
                    + number(r.metrics().get("eval_seconds"));
        }
        List<Trial> trials = new ArrayList<>(store.trials(spec.name));
        Comparator<Trial> byMetric = Comparator.comparingDouble(Trial::metric);
        trials.sort(Comparator.<Trial, Boolean>comparing(t -> t.metric() == null)
                .thenComparing((a, b) -> a.metric() == null || b.metric() == null ? 0
                        : spec.maximize ? byMetric.reversed().compare(a, b) : byMetric.compare(a, b))
                .thenComparingInt(Trial::id));
        List<Row> rows = new ArrayList<>();
        int rank = 0;
        for (Trial t : trials) {
            Integer r = t.metric() == null ? null : ++rank;
            rows.add(new Row(r, t.id(), t.state(), t.metric(), epochs.getOrDefault(t.id(), new int[1])[0],
                    seconds.getOrDefault(t.id(), new double[1])[0], parameters(t.overrides()),
                    t.runDirectory(), t.error()));
        }
        return new SweepResults(spec, rows);
    }

    public List<Row> rows() {
        return rows;
    }

    /** The top-ranked trial, if any has a metric. */
    public java.util.Optional<Row> best() {
        return rows.stream().filter(r -> r.rank() != null).findFirst();
    }

    /** Writes results.csv and results.json, and best/ from the top trial (if it changed or is missing). */
    public void write(SweepDirectory dir) throws IOException {
        dir.writeAtomically("results.csv", csv());
        dir.writeAtomically("results.json", json());
        var best = best();
        if (best.isPresent() && best.get().runDirectory() != null) {
            // best/ names the trial and epoch it holds, so an unchanged best is not copied again
            String from = "trial-" + best.get().trial() + "-epoch-" + best.get().epochs();
            if (!dir.exists("best/.from-" + from)) {
                dir.replaceBest(best.get().runDirectory(), ".from-" + from);
            }
        }
    }

    /** The ranked table, aligned for a terminal. */
    public String table() {
        List<String> header = columns();
        List<List<String>> lines = new ArrayList<>();
        lines.add(header);
        for (Row r : rows) {
            List<String> cells = new ArrayList<>(List.of(r.rank() == null ? "-" : r.rank().toString(),
                    Integer.toString(r.trial()), r.state().name().toLowerCase(),
                    r.metric() == null ? "-" : String.format("%.4f", r.metric()), Integer.toString(r.epochs()),
                    String.format("%.1f", r.seconds())));
            for (String key : spec.space.keys()) {
                Object v = r.parameters().get(key);
                cells.add(v instanceof Double ? String.format("%.4g", (Double) v) : String.valueOf(v));
            }
            lines.add(cells);
        }
        int[] widths = new int[header.size()];
        for (List<String> l : lines) {
            for (int i = 0; i < l.size(); i++) {
                widths[i] = Math.max(widths[i], l.get(i).length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (List<String> l : lines) {
            for (int i = 0; i < l.size(); i++) {
                out.append(i == 0 ? "" : "  ").append(String.format("%" + widths[i] + "s", l.get(i)));
            }
            out.append('\n');
        }
        rows.stream().filter(r -> r.error() != null)
                .forEach(r -> out.append("trial ").append(r.trial()).append(" failed: ").append(r.error()).append('\n'));
        return out.toString();
    }

    /** The columns the table and the CSV share: the ranking, then the searched keys. */
    private List<String> columns() {
        List<String> columns = new ArrayList<>(List.of("rank", "trial", "state", spec.metric, "epochs", "seconds"));
        columns.addAll(spec.space.keys());
        return columns;
    }

    String csv() {
        List<String> header = columns();
        header.addAll(List.of("run_directory", "error"));
        StringBuilder out = new StringBuilder(String.join(",", header)).append('\n');
        for (Row r : rows) {
            List<String> cells = new ArrayList<>(List.of(r.rank() == null ? "" : r.rank().toString(),
                    Integer.toString(r.trial()), r.state().name().toLowerCase(),
                    r.metric() == null ? "" : Double.toString(r.metric()), Integer.toString(r.epochs()),
                    String.format("%.3f", r.seconds())));
            for (String key : spec.space.keys()) {
                cells.add(csvCell(String.valueOf(r.parameters().get(key))));
            }
            cells.add(csvCell(r.runDirectory() == null ? "" : r.runDirectory()));
            cells.add(csvCell(r.error() == null ? "" : r.error()));
            out.append(String.join(",", cells)).append('\n');
        }
        return out.toString();
    }

    String json() throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("sweep", spec.name);
        out.put("metric", spec.metric);
        out.put("mode", spec.maximize ? "max" : "min");
        List<Map<String, Object>> trials = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("rank", r.rank());
            t.put("trial", r.trial());
            t.put("state", r.state().name().toLowerCase());
            t.put(spec.metric, r.metric());
            t.put("epochs", r.epochs());
            t.put("seconds", r.seconds());
            t.put("config", r.parameters());
            t.put("run_directory", r.runDirectory());
            t.put("error", r.error());
            trials.add(t);
        }
        out.put("trials", trials);
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out) + "\n";
    }

    /** A trial's "key=value" overrides as key to value (numbers as numbers). */
    static Map<String, Object> parameters(List<String> overrides) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String o : overrides) {
            String key = o.substring(0, o.indexOf('='));
            out.put(key, ConfigFactory.parseString(o).getValue(key).unwrapped());
        }
        return out;
    }

    private static double number(Object v) {
        return v instanceof Number ? ((Number) v).doubleValue() : 0;
    }

    private static String csvCell(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
