package org.spikekd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    void kernelsBenchmarkReportsBothPathsAndACrossoverPerLayer() throws Exception {
        Outcome o = run("bench", "kernels", "--batch", "1", "--time-steps", "2", "--repeats", "1", "--rates", "0.1,0.5");
        assertEquals(0, o.exitCode(), o.err());
        JsonNode figures = o.lastJsonLine();
        assertEquals("kernels", figures.get("benchmark").asText());
        assertEquals(5, figures.get("layers").size());
        for (JsonNode layer : figures.get("layers")) {
            assertEquals(2, layer.get("by_rate").size(), layer.toString());
            for (JsonNode r : layer.get("by_rate")) {
                for (String k : List.of("dense_forward_ms", "sparse_forward_ms", "dense_backward_ms",
                        "input_gradient_as_convolution_ms", "sparse_weight_gradient_ms")) {
                    assertTrue(r.get(k).asDouble() > 0, k + " in " + r);
                }
            }
            double crossover = layer.get("forward_crossover_rate").asDouble();
            assertTrue(crossover >= 0 && crossover <= 0.5, layer.toString());
        }
        assertTrue(figures.get("stem").get("sparse_weight_gradient_ms").asDouble() > 0);
    }

    @Test
    void throughputBenchmarkSaysWhichPathEachConvolutionTookAndItsFiringRate() throws Exception {
        Outcome o = run("bench", "throughput", "--configs", "student-direct", "--batch", "4", "--warmup", "1",
                "--iters", "12", "--repeats", "1");
        assertEquals(0, o.exitCode(), o.err());
        JsonNode convs = o.lastJsonLine().get("student-direct").get("convolutions");
        assertEquals(List.of("s1.1.conv", "s1.2.conv", "s2.1.conv", "s2.2.conv"),
                com.google.common.collect.Lists.newArrayList(convs.fieldNames()));
        JsonNode s12 = convs.get("s1.2.conv");
        assertEquals(13, s12.get("forward").get("calls").asInt(), "one warm-up and 12 timed steps");
        // automatic choice: the first calls alternate, so both paths ran and the sparse one saw spikes
        assertTrue(s12.get("forward").get("sparse_calls").asInt() >= 5, s12.toString());
        double rate = s12.get("forward").get("input_firing_rate").asDouble();
        assertTrue(rate > 0 && rate < 1, "s1.2's input is spikes: " + s12);
        assertEquals(1.0, convs.get("s1.1.conv").get("forward").get("input_firing_rate").asDouble(), 1e-9,
                "the stem's input is the image");
        assertEquals("auto", o.lastJsonLine().get("convolution_mode").asText());
    }

    @Test
    void throughputBenchmarkCanFixTheConvolutionPath() throws Exception {
        try {
            Outcome o = run("bench", "throughput", "--configs", "student-direct,student-kd", "--batch", "4",
                    "--warmup", "1", "--iters", "3", "--repeats", "1", "--convolution", "dense");
            assertEquals(0, o.exitCode(), o.err());
            assertEquals("dense", o.lastJsonLine().get("convolution_mode").asText());
            for (String config : List.of("student-direct", "student-kd")) {
                for (JsonNode layer : o.lastJsonLine().get(config).get("convolutions")) {
                    assertEquals(0, layer.get("forward").get("sparse_calls").asInt(), layer.toString());
                    assertEquals(0, layer.get("backward").get("sparse_calls").asInt(), layer.toString());
                }
            }
            // the KD student trains as PartitionTrainer does: teacher targets one minibatch ahead
            assertTrue(o.lastJsonLine().get("student-kd").get("teacher_prefetch").asBoolean());
            assertFalse(o.lastJsonLine().get("student-direct").has("teacher_prefetch"));
        } finally {
            System.clearProperty(org.spikekd.sparse.PathChoice.Mode.PROPERTY);
        }
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
}
