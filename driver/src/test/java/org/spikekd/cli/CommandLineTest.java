package org.spikekd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line end to end on a small Fashion-MNIST subset: train a teacher, distill a student
 * from it, evaluate both from their model files; and bad input exits with 1 and a message naming it.
 */
public class CommandLineTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path runs;

    /** The exit code, stdout and stderr of one command. */
    public record Outcome(int exitCode, String out, String err) {
        public JsonNode lastJsonLine() throws Exception {
            String[] lines = out.strip().split("\n");
            return JSON.readTree(lines[lines.length - 1]);
        }
    }

    /** Runs the command line in this JVM, capturing stdout and stderr (the sweep tests use it too). */
    public static Outcome run(String... args) {
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = SpikeKd.execute(args);
            return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
    }

    List<String> train(String name, String... settings) {
        List<String> args = new ArrayList<>(List.of("train", "--config", "../conf/fashion-mnist-teacher.conf"));
        for (String s : List.of("data.train-limit=768", "data.test-limit=300", "train.epochs=1",
                "train.train-eval-limit=100", "run.dir=\"" + runs + "\"", "run.name=" + name)) {
            args.add("--set");
            args.add(s);
        }
        for (String s : settings) {
            args.add("--set");
            args.add(s);
        }
        return args;
    }

    @Test
    void trainATeacherAndAStudentThenEvaluateBothFromTheirModelFiles() throws Exception {
        Outcome teacher = run(train("teacher", "model.role=teacher").toArray(String[]::new));
        assertEquals(0, teacher.exitCode(), teacher.err());
        Path teacherModel = runs.resolve("teacher/model.zip");
        for (String file : List.of("config.conf", "metrics.jsonl", "model.zip", "summary.json")) {
            assertTrue(Files.isRegularFile(runs.resolve("teacher").resolve(file)), file);
        }

        Outcome student = run(train("student", "model.role=student",
                "distill.teacher=\"" + teacherModel + "\"").toArray(String[]::new));
        assertEquals(0, student.exitCode(), student.err());

        for (String name : List.of("teacher", "student")) {
            JsonNode summary = JSON.readTree(runs.resolve(name).resolve("summary.json").toFile());
            Outcome eval = run("evaluate", "--model", runs.resolve(name).resolve("model.zip").toString(),
                    "--limit", "300");
            assertEquals(0, eval.exitCode(), eval.err());
            JsonNode report = eval.lastJsonLine();
            // the same model on the same 300 test images: the same accuracy as at the end of training
            assertEquals(summary.get("test").get("accuracy").asDouble(), report.get("accuracy").asDouble(), 1e-9, name);
            assertEquals(300, report.get("examples").asInt());
            JsonNode energy = report.get("energy");
            if (name.equals("teacher")) {
                // (a student needs more than 16 steps before its batch-norm statistics settle and
                // spikes reach the dense layer in inference; DistillationTrainingTest trains one)
                assertTrue(report.get("accuracy").asDouble() > 0.25, "the teacher learned (chance is 0.1): " + eval.err());
                assertEquals(0.0, energy.get("synaptic_ops").asDouble());
            } else {
                assertTrue(energy.get("synaptic_ops").asDouble() > 0, "a student spends synaptic operations");
                assertTrue(report.get("firing_rates").size() >= 3, "a rate per spiking layer: " + report.get("firing_rates"));
            }
        }
    }

    @Test
    void anUnknownKeyExitsWithOneAndNamesTheKey() {
        Outcome o = run("train", "--set", "train.learning_rate=0.1");
        assertEquals(1, o.exitCode());
        assertTrue(o.err().contains("train.learning_rate") && o.err().contains("train.learning-rate"), o.err());
    }

    @Test
    void aMissingModelFileExitsWithOneAndNamesTheFile() {
        Path missing = runs.resolve("nothing/model.zip");
        Outcome o = run("evaluate", "--model", missing.toString());
        assertEquals(1, o.exitCode(), o.err());
        assertTrue(o.err().contains(missing.toString()), o.err());
    }

    @Test
    void benchAccuracyOverSeedsPairsKdWithDirectTrainingSeedBySeed() throws Exception {
        List<String> args = new ArrayList<>(List.of("bench", "accuracy", "--seeds", "2", "--epochs", "1",
                "--train-limit", "256", "--out", runs.toString()));
        for (String s : List.of("data.test-limit=100", "train.train-eval-limit=50", "model.vgg.stages=[[8],[16]]",
                "model.vgg.hidden=[32]", "encoding.time-steps=2")) {
            args.add("--set");
            args.add(s);
        }
        args.addAll(List.of("--kd-set", "distill.alpha=0.5"));
        Outcome bench = run(args.toArray(String[]::new));
        assertEquals(0, bench.exitCode(), bench.err());
        JsonNode figures = bench.lastJsonLine();
        assertEquals("test", figures.get("split").asText());
        for (String model : List.of("teacher", "direct", "kd")) {
            assertEquals(2, figures.get(model).get("runs").size(), model + ": one accuracy per seed");
        }
        JsonNode kd = figures.get("kd").get("runs");
        JsonNode direct = figures.get("direct").get("runs");
        JsonNode difference = figures.get("kd_minus_direct");
        double byHand = (kd.get(0).asDouble() - direct.get(0).asDouble() + kd.get(1).asDouble() - direct.get(1).asDouble()) / 2;
        assertEquals(byHand, difference.get("mean").asDouble(), 1e-12);
        assertTrue(difference.get("ci95_low").asDouble() <= byHand && byHand <= difference.get("ci95_high").asDouble(),
                "the interval holds the mean: " + difference);
        // every seed trained its own three models, the KD students with the KD-only setting
        JsonNode each = figures.get("runs");
        assertEquals(6, each.size());
        for (JsonNode r : each) {
            Path config = Path.of(r.get("run_directory").asText()).resolve("config.conf");
            String text = Files.readString(config);
            assertTrue(text.contains("seed = " + r.get("seed").asInt()) || text.contains("seed=" + r.get("seed").asInt()),
                    "trained with its own seed: " + config);
            boolean alpha = text.replace(" ", "").contains("alpha=0.5");
            assertEquals(r.get("model").asText().equals("kd"), alpha, "--kd-set applies to the KD students only: " + config);
        }
        Outcome noSeeds = run("bench", "accuracy", "--seeds", "0", "--out", runs.toString());
        assertEquals(1, noSeeds.exitCode());
        assertTrue(noSeeds.err().contains("--seeds"), noSeeds.err());
    }

    @Test
    void benchRobustnessOverSeedsGivesPairedDifferencesPerKindOfNoise() throws Exception {
        List<String> args = new ArrayList<>(List.of("bench", "robustness", "--seeds", "2", "--epochs", "1",
                "--train-limit", "256", "--limit", "100", "--time-steps", "1-2", "--runs", runs.resolve("models").toString(),
                "--out", runs.resolve("study").toString()));
        for (String s : List.of("train.train-eval-limit=50", "data.test-limit=100", "model.vgg.stages=[[8],[16]]",
                "model.vgg.hidden=[32]", "encoding.time-steps=2")) {
            args.add("--set");
            args.add(s);
        }
        Outcome bench = run(args.toArray(String[]::new));
        assertEquals(0, bench.exitCode(), bench.err());
        JsonNode figures = bench.lastJsonLine();
        assertEquals(2, figures.get("seeds").size());
        assertEquals(2, figures.get("clean_accuracy").get("kd").get("runs").size());
        // the paired mean under noise is the mean over every level of KD's accuracy minus direct's
        JsonNode levels = figures.get("by_level");
        double sum = 0;
        int n = 0;
        for (var it = levels.fields(); it.hasNext(); n++) {
            JsonNode row = it.next().getValue();
            sum += row.get("kd").asDouble() - row.get("direct").asDouble();
        }
        assertEquals(26, n, "seven kinds of noise, 26 levels");
        JsonNode underNoise = figures.get("kd_minus_direct_under_noise");
        assertEquals(sum / n, underNoise.get("mean").asDouble(), 1e-9);
        assertTrue(underNoise.get("ci95_low").asDouble() <= underNoise.get("mean").asDouble());
        JsonNode gaussian = figures.get("by_kind").get("gaussian").get("kd_minus_direct");
        assertEquals(2, gaussian.get("runs").size(), "one paired difference per seed: " + gaussian);
        for (String seed : List.of("seed-1", "seed-2")) {
            assertTrue(Files.isRegularFile(runs.resolve("study").resolve(seed).resolve("robustness.csv")), seed);
        }
        Outcome given = run("bench", "robustness", "--seeds", "2", "--kd", "no-such.zip");
        assertEquals(1, given.exitCode());
        assertTrue(given.err().contains("--kd"), given.err());
    }
}
