package org.spikekd.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.spikekd.run.RunDirectory;

/**
 * The directly trained students of an earlier {@code bench accuracy} run, by seed, for comparing
 * another KD recipe against the same baselines without training them again. Only a run trained
 * the same way can stand in: the same evaluated split, epochs, training examples and settings.
 */
final class DirectBaselines {
    /** One seed's direct student: its accuracy on the evaluated split and its figures as that run printed them. */
    record Baseline(double accuracy, Map<String, Object> run) {}

    private DirectBaselines() {}

    @SuppressWarnings("unchecked")
    static Map<Integer, Baseline> read(Path file, String split, int epochs, int trainLimit, List<String> settings,
                                       int firstSeed, int seeds) throws IOException {
        JsonNode root = BenchmarkOutput.read(file, "accuracy", "--direct-from");
        List<String> theirs = new ArrayList<>();
        root.path("settings").forEach(n -> theirs.add(n.asText()));
        String trainExamples = trainLimit == 0 ? "all" : String.valueOf(trainLimit);
        check(file, "split", root.path("split").asText(), split);
        check(file, "epochs", root.path("epochs").asText(), String.valueOf(epochs));
        check(file, "training examples", root.path("train_examples").asText(), trainExamples);
        check(file, "--set settings", theirs.toString(), settings.toString());
        Map<Integer, Baseline> bySeed = new TreeMap<>();
        for (JsonNode run : root.get("runs")) {
            if (run.path("model").asText().equals("direct")) {
                bySeed.put(run.get("seed").asInt(), new Baseline(run.get("accuracy").asDouble(), RunDirectory.JSON.convertValue(run, Map.class)));
            }
        }
        for (int seed = firstSeed; seed < firstSeed + seeds; seed++) {
            if (!bySeed.containsKey(seed)) {
                throw new IllegalArgumentException("--direct-from: " + file + " has no direct student of seed " + seed
                        + " (it has seeds " + bySeed.keySet() + "); train it here by leaving out --direct-from");
            }
        }
        return bySeed;
    }

    private static void check(Path file, String what, String theirs, String ours) {
        if (!theirs.equals(ours)) {
            throw new IllegalArgumentException("--direct-from: " + file + " was trained with " + what + " " + theirs
                    + ", this run with " + ours + "; its direct students are not this run's baselines");
        }
    }
}
