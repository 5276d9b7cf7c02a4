package org.spikekd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * a small {@code sweep}; {@code bench accuracy} and {@code bench robustness} over two seeds. Then every notebook in notebooks/ is executed headless on those results
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

        // KD against direct training over seeds, clean and under noise
        Path accuracy = accuracyOverSeeds();
        Path robustness = robustnessOverSeeds(teacher);
        robustnessOfTheAccuracyModels(accuracy);
        anotherRecipeAgainstTheSameBaselines(accuracy, teacher);

        Map<String, String> env = new HashMap<>();
        env.put("SPIKEKD_HOME", ROOT.toString());
        env.put("SPIKEKD_RUNS", dir.resolve("runs").toString());
        env.put("SPIKEKD_EVAL", eval.toString());
        env.put("SPIKEKD_CONVERSION", conversion.toString());
        env.put("SPIKEKD_GRADIENTS", gradients.toString());
        env.put("SPIKEKD_SWEEP", dir.resolve("sweep").toString());
        env.put("SPIKEKD_ACCURACY", accuracy.toString());
        env.put("SPIKEKD_ROBUSTNESS_SEEDS", robustness.toString());
        executeNotebooks(env);
    }

    /** Small-model settings for the benchmarks below, as --set options. */
    private static List<String> tiny(String... more) {
        List<String> args = new ArrayList<>();
        for (String s : List.of("data.path=" + FASHION, "train.train-eval-limit=50", "data.test-limit=100",
                "model.vgg.stages=[[8],[16]]", "model.vgg.hidden=[32]", "encoding.time-steps=2", "train.log-every=1000")) {
            args.add("--set");
            args.add(s);
        }
        args.addAll(List.of(more));
        return args;
    }

    /** bench accuracy --seeds 2: the paired difference adds up; its JSON line saved for the notebook. */
    private Path accuracyOverSeeds() throws Exception {
        List<String> args = new ArrayList<>(List.of("bench", "accuracy", "--seeds", "2", "--first-seed", "2", "--epochs", "1",
                "--train-limit", "256", "--out", dir.resolve("accuracy").toString()));
        args.addAll(tiny("--kd-set", "distill.alpha=0.5"));
        Outcome bench = CommandLineTest.run(args.toArray(String[]::new));
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
        assertEquals(List.of(2, 2, 2, 3, 3, 3), java.util.stream.StreamSupport.stream(each.spliterator(), false)
                .map(r -> r.get("seed").asInt()).toList(), "--first-seed 2: seeds 2 and 3");
        for (JsonNode r : each) {
            Path config = Path.of(r.get("run_directory").asText()).resolve("config.conf");
            String text = Files.readString(config).replace(" ", "");
            assertTrue(text.contains("seed=" + r.get("seed").asInt() + "\n"), "trained with its own seed: " + config);
            assertEquals(r.get("model").asText().equals("kd"), text.contains("alpha=0.5"),
                    "--kd-set applies to the KD students only: " + config);
        }
        Outcome noSeeds = CommandLineTest.run("bench", "accuracy", "--seeds", "0");
        assertEquals(1, noSeeds.exitCode());
        assertTrue(noSeeds.err().contains("--seeds"), noSeeds.err());
        Path saved = dir.resolve("accuracy.json");
        Files.writeString(saved, bench.out());
        return saved;
    }

    /** bench robustness --seeds 2 from one teacher: paired differences per noise kind; saved for the notebook. */
    private Path robustnessOverSeeds(String teacher) throws Exception {
        List<String> args = new ArrayList<>(List.of("bench", "robustness", "--seeds", "2", "--teacher", teacher,
                "--epochs", "1", "--train-limit", "256", "--limit", "100", "--time-steps", "1-2",
                "--runs", dir.resolve("robustness-models").toString(), "--out", dir.resolve("robustness").toString()));
        args.addAll(tiny("--kd-set", "distill.temperature=2.5"));
        Outcome bench = CommandLineTest.run(args.toArray(String[]::new));
        assertEquals(0, bench.exitCode(), bench.err());
        JsonNode figures = bench.lastJsonLine();
        assertEquals(2, figures.get("seeds").size());
        assertEquals(2, figures.get("clean_accuracy").get("kd").get("runs").size());
        // the paired mean under noise is the mean over every level of KD's accuracy minus direct's
        double sum = 0;
        int n = 0;
        for (var it = figures.get("by_level").fields(); it.hasNext(); n++) {
            JsonNode row = it.next().getValue();
            sum += row.get("kd").asDouble() - row.get("direct").asDouble();
        }
        assertEquals(26, n, "seven kinds of noise, 26 levels");
        JsonNode underNoise = figures.get("kd_minus_direct_under_noise");
        assertEquals(sum / n, underNoise.get("mean").asDouble(), 1e-9);
        assertTrue(underNoise.get("ci95_low").asDouble() <= underNoise.get("mean").asDouble());
        assertEquals(2, figures.get("by_kind").get("gaussian").get("kd_minus_direct").get("runs").size());
        for (JsonNode seedModels : figures.get("models")) {
            for (String model : List.of("direct", "kd")) {
                Path config = Path.of(seedModels.get(model).asText()).resolveSibling("config.conf");
                assertEquals(model.equals("kd"), Files.readString(config).replace(" ", "").contains("temperature=2.5"),
                        "--kd-set applies to the KD students only: " + config);
            }
        }
        for (String seed : List.of("seed-1", "seed-2")) {
            assertTrue(Files.isRegularFile(dir.resolve("robustness").resolve(seed).resolve("robustness.csv")), seed);
        }
        Outcome given = CommandLineTest.run("bench", "robustness", "--seeds", "2", "--kd", "no-such.zip");
        assertEquals(1, given.exitCode());
        assertTrue(given.err().contains("--kd"), given.err());
        Path saved = dir.resolve("robustness-seeds.json");
        Files.writeString(saved, bench.out());
        return saved;
    }

    /** bench robustness --from-accuracy: the noise study of exactly the models bench accuracy trained, none trained anew. */
    private void robustnessOfTheAccuracyModels(Path accuracy) throws Exception {
        Path models = dir.resolve("from-accuracy-models");
        Outcome bench = CommandLineTest.run("bench", "robustness", "--from-accuracy", accuracy.toString(), "--limit", "50",
                "--time-steps", "1-2", "--runs", models.toString(), "--out", dir.resolve("robustness-from-accuracy").toString());
        assertEquals(0, bench.exitCode(), bench.err());
        JsonNode figures = bench.lastJsonLine();
        assertEquals("[2,3]", figures.get("seeds").toString(), "the accuracy run's seeds");
        JsonNode trained = new Outcome(0, Files.readString(accuracy), "").lastJsonLine().get("runs");
        for (JsonNode seedModels : figures.get("models")) {
            for (String model : List.of("teacher", "direct", "kd")) {
                String file = seedModels.get(model).asText();
                assertTrue(java.util.stream.StreamSupport.stream(trained.spliterator(), false).anyMatch(r ->
                        r.get("seed").asInt() == seedModels.get("seed").asInt() && r.get("model").asText().equals(model)
                                && r.get("model_file").asText().equals(file)), model + " of the accuracy run: " + file);
            }
        }
        assertFalse(Files.exists(models), "nothing trained");
        Outcome notAccuracy = CommandLineTest.run("bench", "robustness", "--from-accuracy", dir.resolve("gradients.json").toString());
        assertEquals(1, notAccuracy.exitCode());
        assertTrue(notAccuracy.err().contains("is not the JSON of `bench accuracy`"), notAccuracy.err());
        Outcome withSeeds = CommandLineTest.run("bench", "robustness", "--from-accuracy", accuracy.toString(), "--seeds", "3");
        assertEquals(1, withSeeds.exitCode(), "the accuracy run's seeds are the seeds: --seeds would be ignored");
        assertTrue(withSeeds.err().contains("leave out --seeds 3"), withSeeds.err());
    }

    /** bench accuracy --direct-from: a second KD recipe paired with the first run's direct students, not retrained. */
    private void anotherRecipeAgainstTheSameBaselines(Path accuracy, String teacher) throws Exception {
        Path out = dir.resolve("accuracy-direct-from");
        List<String> args = new ArrayList<>(List.of("bench", "accuracy", "--seeds", "2", "--first-seed", "2", "--epochs", "1",
                "--train-limit", "256", "--teacher", teacher, "--direct-from", accuracy.toString(), "--out", out.toString()));
        args.addAll(tiny("--kd-set", "distill.alpha=0.2"));
        Outcome bench = CommandLineTest.run(args.toArray(String[]::new));
        assertEquals(0, bench.exitCode(), bench.err());
        JsonNode figures = bench.lastJsonLine();
        JsonNode before = new Outcome(0, Files.readString(accuracy), "").lastJsonLine();
        assertEquals(before.get("direct").get("runs"), figures.get("direct").get("runs"), "the earlier run's direct students");
        JsonNode kd = figures.get("kd").get("runs");
        JsonNode direct = figures.get("direct").get("runs");
        assertEquals((kd.get(0).asDouble() - direct.get(0).asDouble() + kd.get(1).asDouble() - direct.get(1).asDouble()) / 2,
                figures.get("kd_minus_direct").get("mean").asDouble(), 1e-12, "paired with them seed by seed");
        try (Stream<Path> trained = Files.list(out)) {
            assertEquals(List.of(), trained.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("kd-")).toList(),
                    "only the KD students trained");
        }
        args.set(args.indexOf("--epochs") + 1, "2");
        Outcome otherEpochs = CommandLineTest.run(args.toArray(String[]::new));
        assertEquals(1, otherEpochs.exitCode());
        assertTrue(otherEpochs.err().contains("was trained with epochs 1, this run with 2"), otherEpochs.err());
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
