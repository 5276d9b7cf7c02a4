package org.spikekd.bench.chaos;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.spikekd.data.HadoopFiles;
import org.spikekd.run.ModelFile;
import org.spikekd.run.RunDirectory;
import org.spikekd.train.ModelState;

/**
 * A run that went through faults against the same run uninterrupted: the epochs its metrics
 * record (each exactly once?), how far its final model is from the other's, whether its directory
 * is whole (every file a finished run has, each readable, the checkpoint it names loadable), and
 * what temporary files faults left behind.
 */
public record RunComparison(List<Integer> epochsRecorded, int epochsLost, int epochsRepeated, double maxAbsParamDiff,
                            double maxAbsUpdaterStateDiff, Map<Integer, Double> metricDiffByEpoch,
                            List<String> missing,
                            List<String> temporaries, double referenceAccuracy, double accuracy) {

    static final List<String> FINISHED_RUN = List.of("config.conf", "metrics.jsonl", "model.zip", "checkpoint.json",
            "summary.json");
    /** Per-epoch figures that must agree between the two runs (times are left out). */
    static final List<String> COMPARED = List.of("train_loss", "train_accuracy", "test_loss", "test_accuracy",
            "validation_loss", "validation_accuracy");

    public static RunComparison of(String reference, String struck, int epochs) throws IOException {
        RunDirectory ref = RunDirectory.open(reference);
        RunDirectory run = RunDirectory.open(struck);
        List<Map<String, Object>> refMetrics = ref.readMetrics();
        List<Map<String, Object>> metrics = run.readMetrics();
        List<Integer> recorded = new ArrayList<>();
        for (Map<String, Object> m : metrics) {
            recorded.add(((Number) m.get("epoch")).intValue());
        }
        Set<Integer> distinct = new HashSet<>(recorded);
        int lost = 0;
        for (int e = 1; e <= epochs; e++) {
            lost += distinct.contains(e) ? 0 : 1;
        }
        Map<Integer, Double> byEpoch = new java.util.TreeMap<>();
        for (Map<String, Object> m : metrics) {
            int epoch = ((Number) m.get("epoch")).intValue();
            Map<String, Object> same = refMetrics.stream().filter(r -> ((Number) r.get("epoch")).intValue() == epoch)
                    .findFirst().orElse(null);
            for (String key : COMPARED) {
                if (same != null && m.get(key) instanceof Number a && same.get(key) instanceof Number b) {
                    byEpoch.merge(epoch, Math.abs(a.doubleValue() - b.doubleValue()), Math::max);
                }
            }
        }

        Path dir = HadoopFiles.path(struck);
        FileSystem fs = HadoopFiles.fileSystem(dir);
        List<String> missing = new ArrayList<>();
        List<String> temporaries = new ArrayList<>();
        for (String f : FINISHED_RUN) {
            if (!fs.exists(new Path(dir, f))) {
                missing.add(f);
            }
        }
        for (FileStatus f : fs.listStatus(dir)) {
            String name = f.getPath().getName();
            if (name.startsWith(".") && name.endsWith(".tmp")) {
                temporaries.add(name);
            } else if (f.isFile()) {
                // every file reads to its end (HDFS checks each block's checksum on the way)
                HadoopFiles.readAll(f.getPath().toString());
            }
        }
        RunDirectory.Checkpoint checkpoint = run.lastCheckpoint();
        if (checkpoint == null || checkpoint.epoch != epochs) {
            missing.add("checkpoint of epoch " + epochs);
        } else {
            ModelFile.load(checkpoint.model);
        }

        ModelState a = ModelState.of(ModelFile.load(reference + "/model.zip").network);
        ModelState b = ModelState.of(ModelFile.load(struck + "/model.zip").network);
        return new RunComparison(recorded, lost, recorded.size() - distinct.size(), maxAbsDiff(a.parameters, b.parameters),
                maxAbsDiff(a.updaterState, b.updaterState), byEpoch, missing, temporaries, accuracy(reference),
                accuracy(struck));
    }

    private static double accuracy(String run) throws IOException {
        return RunDirectory.JSON.readTree(HadoopFiles.readAll(run + "/summary.json")).path("test").path("accuracy").asDouble();
    }

    static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            return Double.POSITIVE_INFINITY;
        }
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    public boolean whole() {
        return missing.isEmpty();
    }

    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epochs_recorded", epochsRecorded);
        m.put("epochs_lost", epochsLost);
        m.put("epochs_repeated", epochsRepeated);
        m.put("max_abs_param_diff", maxAbsParamDiff);
        m.put("max_abs_updater_state_diff", maxAbsUpdaterStateDiff);
        m.put("max_abs_metric_diff", metricDiffByEpoch.values().stream().mapToDouble(Double::doubleValue).max().orElse(0));
        m.put("metric_diff_by_epoch", metricDiffByEpoch);
        m.put("run_directory_whole", whole());
        m.put("missing", missing);
        m.put("leftover_temporaries", temporaries);
        m.put("reference_test_accuracy", referenceAccuracy);
        m.put("test_accuracy", accuracy);
        return m;
    }
}
