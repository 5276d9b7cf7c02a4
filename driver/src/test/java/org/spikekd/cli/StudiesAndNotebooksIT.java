package org.spikekd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spikekd.cli.CommandLineTest.Outcome;

/**
 * The studies end to end, as a user runs them: a teacher, a direct and a KD student trained by
 * {@code train}; {@code evaluate} comparing them under noise and at T = 1..8 into an evaluation
 * directory; {@code convert} and the converted network at T = 8..64; {@code diagnose gradients};
 * a small {@code sweep}. Then every notebook in notebooks/ is executed headless on those results
 * ({@code jupyter nbconvert --execute}) and must run every cell and draw its figures.
 */
class StudiesAndNotebooksIT {
    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    static final String FASHION = "/usr/share/datasets/fashion-mnist";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path dir;

    private String train(String name, String... settings) {
        List<String> args = new ArrayList<>(List.of("train"));
        List<String> all = new ArrayList<>(List.of("data.path=" + FASHION, "data.train-limit=1000",
                "data.test-limit=200", "model.vgg.stages=[[8],[16]]", "model.vgg.hidden=[32]",
                "encoding.time-steps=2", "train.epochs=2", "train.train-eval-limit=100", "train.log-every=1000",
                "run.dir=\"" + dir.resolve("runs") + "\"", "run.name=" + name));
        all.addAll(List.of(settings));
        for (String s : all) {
            args.add("--set");
            args.add(s);
        }
        Outcome o = CommandLineTest.run(args.toArray(new String[0]));
        assertEquals(0, o.exitCode(), name + ": " + o.err());
        return dir.resolve("runs").resolve(name).resolve("model.zip").toString();
    }

    @Test
    void studiesRunFromTheCommandLineAndTheNotebooksDrawThem() throws Exception {
        String teacher = train("teacher", "model.role=teacher");
        String direct = train("direct", "model.role=student");
        String kd = train("kd", "model.role=student", "distill.teacher=\"" + teacher + "\"");

        // robustness and time steps of the three, into an evaluation directory
        Path eval = dir.resolve("eval");
        Outcome study = CommandLineTest.run("evaluate", "--model", "teacher=" + teacher, "--model", "direct=" + direct,
                "--model", "kd=" + kd, "--limit", "200", "--noise", "gaussian:0.1,0.3", "--noise", "occlusion:10",
                "--time-steps", "1-4,8", "--out", eval.toString());
        assertEquals(0, study.exitCode(), study.err());
        assertTrue(study.err().contains("gaussian:0.3") && study.err().contains("by time steps"), study.err());
        JsonNode result = study.lastJsonLine();
        assertEquals(200, result.get("examples").asInt());
        assertEquals(3 * 4, result.get("robustness").size(), "3 models x (clean + 3 levels)");
        assertEquals(2 * 5, result.get("time_steps").size(), "2 spiking models x 5 T");
        for (JsonNode r : result.get("robustness")) {
            double a = r.get("accuracy").asDouble();
            assertTrue(a >= 0 && a <= 1, r.toString());
        }
        JsonNode clean = result.get("robustness").get(0);
        assertEquals("clean", clean.get("noise").asText());
        assertTrue(clean.get("accuracy").asDouble() > 0.5, "the teacher learned: " + clean);
        for (String f : List.of("evaluation.json", "robustness.csv", "time_steps.csv")) {
            assertTrue(Files.size(eval.resolve(f)) > 0, f);
        }
        assertEquals(1 + 3 * 4, Files.readAllLines(eval.resolve("robustness.csv")).size());

        // conversion, and the converted network at T = 8..64
        Path converted = dir.resolve("converted/model.zip");
        Outcome convert = CommandLineTest.run("convert", "--model", teacher, "--out", converted.toString(),
                "--calibration-examples", "300", "--time-steps", "64");
        assertEquals(0, convert.exitCode(), convert.err());
        assertEquals(3, convert.lastJsonLine().get("lambdas").size(), "three ReLUs: two stages and the hidden layer");
        Path conversion = dir.resolve("conversion");
        Outcome atT = CommandLineTest.run("evaluate", "--model", "converted=" + converted, "--limit", "100",
                "--time-steps", "8,16,32,64", "--batch-size", "50", "--out", conversion.toString());
        assertEquals(0, atT.exitCode(), atT.err());
        assertEquals("converted-snn", atT.lastJsonLine().get("models").get(0).get("kind").asText());
        Outcome notATeacher = CommandLineTest.run("convert", "--model", kd, "--out", dir.resolve("x.zip").toString());
        assertEquals(1, notATeacher.exitCode());
        assertTrue(notATeacher.err().contains("conversion takes a trained ANN teacher"), notATeacher.err());

        // gradient flow
        Path gradients = dir.resolve("gradients.json");
        Outcome diagnose = CommandLineTest.run("diagnose", "gradients", "--depths", "18", "--alphas", "1,4,16",
                "--width", "4", "--steps", "1", "--out", gradients.toString());
        assertEquals(0, diagnose.exitCode(), diagnose.err());
        assertEquals(3, JSON.readTree(gradients.toFile()).get("measurements").size());

        // a small sweep
        Path spec = dir.resolve("sweep.conf");
        Files.writeString(spec, "set = [\"data.path=" + FASHION + "\", \"data.train-limit=256\", \"data.test-limit=100\", "
                + "\"model.vgg.stages=[[8],[16]]\", \"model.vgg.hidden=[32]\", \"encoding.time-steps=2\", "
                + "\"train.epochs=2\", \"train.batch-size=32\", \"train.train-eval-limit=100\", \"train.log-every=1000\"]\n"
                + "space { \"train.learning-rate\" { grid = [0.003, 0.0003] } }\n"
                + "directory = \"" + dir.resolve("sweep") + "\"\n");
        Outcome sweep = CommandLineTest.run("sweep", "--spec", spec.toString());
        assertEquals(0, sweep.exitCode(), sweep.err());

        // bad study options are named
        Outcome badNoise = CommandLineTest.run("evaluate", "--model", kd, "--noise", "speckle:0.1");
        assertEquals(1, badNoise.exitCode());
        assertTrue(badNoise.err().contains("unknown noise kind 'speckle'"), badNoise.err());
        Outcome badSteps = CommandLineTest.run("evaluate", "--model", kd, "--time-steps", "8-2,1");
        assertEquals(1, badSteps.exitCode());
        assertTrue(badSteps.err().contains("--time-steps"), badSteps.err());

        Map<String, String> env = new HashMap<>();
        env.put("SPIKEKD_HOME", ROOT.toString());
        env.put("SPIKEKD_RUNS", dir.resolve("runs").toString());
        env.put("SPIKEKD_EVAL", eval.toString());
        env.put("SPIKEKD_CONVERSION", conversion.toString());
        env.put("SPIKEKD_GRADIENTS", gradients.toString());
        env.put("SPIKEKD_SWEEP", dir.resolve("sweep").toString());
        executeNotebooks(env);
    }

    private void executeNotebooks(Map<String, String> env) throws Exception {
        List<Path> notebooks;
        try (Stream<Path> s = Files.list(ROOT.resolve("notebooks"))) {
            notebooks = s.filter(p -> p.toString().endsWith(".ipynb")).sorted().toList();
        }
        assertTrue(notebooks.size() >= 5, "notebooks: " + notebooks);
        String jupyter = new File("/usr/bin/jupyter").canExecute() ? "/usr/bin/jupyter" : "jupyter";
        Path executed = dir.resolve("executed");
        for (Path nb : notebooks) {
            for (JsonNode cell : JSON.readTree(nb.toFile()).get("cells")) {
                if (cell.get("cell_type").asText().equals("code")) {
                    assertEquals(0, cell.get("outputs").size(), nb + " is committed with outputs");
                }
            }
            ProcessBuilder pb = new ProcessBuilder(jupyter, "nbconvert", "--to", "notebook", "--execute",
                    "--ExecutePreprocessor.timeout=300", "--output-dir", executed.toString(), nb.toString())
                    .redirectErrorStream(true);
            pb.environment().putAll(env);
            pb.environment().put("PYDEVD_DISABLE_FILE_VALIDATION", "1");
            File log = dir.resolve(nb.getFileName() + ".log").toFile();
            pb.redirectOutput(log);
            Process p;
            try {
                p = pb.start();
            } catch (java.io.IOException e) {
                throw new AssertionError("jupyter is not installed: apt-get install jupyter-nbconvert python3-ipykernel "
                        + "python3-pandas python3-matplotlib (.ci/run does)", e);
            }
            assertTrue(p.waitFor(400, TimeUnit.SECONDS), nb + " did not finish");
            assertEquals(0, p.exitValue(), nb + " failed:\n" + Files.readString(log.toPath()));
            JsonNode out = JSON.readTree(executed.resolve(nb.getFileName()).toFile());
            int images = 0;
            for (JsonNode cell : out.get("cells")) {
                for (JsonNode o : cell.path("outputs")) {
                    if (o.path("data").has("image/png")) {
                        images++;
                    }
                }
            }
            assertTrue(images >= 2, nb + " drew " + images + " figures");
        }
    }
}
