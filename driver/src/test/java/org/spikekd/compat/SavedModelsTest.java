package org.spikekd.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.spikekd.config.JobConfig;
import org.spikekd.eval.EvaluationResult;
import org.spikekd.run.ModelFile;
import org.spikekd.run.RunDirectory;
import org.spikekd.run.TrainingRun;
import org.spikekd.train.Progress;
import org.spikekd.testing.ConvolutionPath;

/**
 * Models saved by earlier versions of SpikeKD still load, evaluate to what they evaluated to when
 * saved, and resume training. DL4J writes class names into a model's JSON, so a moved or renamed
 * layer class breaks every saved model unless the loader maps the old name; these fixtures, written
 * by {@link SavedModelFixtures} and never rewritten, are what users' models look like.
 */
// the figures were recorded on the dense path; the automatic choice may take the sparse one
@ConvolutionPath("dense")
class SavedModelsTest {
    /** One directory per version that wrote fixtures; add, never replace. */
    static final List<String> FIXTURES = List.of("2026-12-05", "2026-12-05-plif");

    @TempDir static Path copies;


    /** Every model of every version, as its expected.json lists them. */
    static Stream<String> models() throws Exception {
        List<String> all = new java.util.ArrayList<>();
        for (String version : FIXTURES) {
            RunDirectory.JSON.readTree(fixture(version).resolve("expected.json").toFile()).fieldNames()
                    .forEachRemaining(m -> all.add(version + "/" + m));
        }
        return all.stream();
    }

    /** The models saved with a run directory to resume (a converted SNN has none). */
    static Stream<String> runs() throws Exception {
        List<String> runs = new java.util.ArrayList<>();
        for (String m : (Iterable<String>) models()::iterator) {
            if (Files.exists(fixture(m).resolve("checkpoint.json"))) {
                runs.add(m);
            }
        }
        return runs.stream();
    }

    @ParameterizedTest
    @MethodSource("models")
    void loadsAndEvaluatesAsWhenSaved(String fixture) throws Exception {
        ModelFile model = ModelFile.load(fixture(fixture).resolve("model.zip").toString());
        EvaluationResult now = SavedModelFixtures.evaluate(model);
        JsonNode then = expected(fixture);
        // the same images through the same weights: equal up to float rounding, which differs
        // between the SIMD widths of the machines the fixtures meet (AVX2, AVX-512)
        assertEquals(then.get("accuracy").asDouble(), now.accuracy, 1.0 / SavedModelFixtures.EVAL_IMAGES, fixture);
        assertEquals(then.get("loss").asDouble(), now.loss, 1e-4 * then.get("loss").asDouble(), fixture);
        Iterator<Map.Entry<String, JsonNode>> rates = then.get("firing_rates").fields();
        assertEquals(then.get("firing_rates").size(), now.firingRates.size(), fixture + ": spiking layers");
        while (rates.hasNext()) {
            Map.Entry<String, JsonNode> rate = rates.next();
            assertEquals(rate.getValue().asDouble(), now.firingRates.get(rate.getKey()), 1e-3,
                    fixture + ": firing rate of " + rate.getKey());
        }
    }

    @ParameterizedTest
    @MethodSource("runs")
    void resumesAfterItsLastCheckpoint(String fixture) throws Exception {
        Path run = copies.resolve(fixture);
        copy(fixture(fixture), run);
        JobConfig config = TrainingRun.configOf(run.toString());
        if (!config.raw().getString("distill.teacher").isEmpty()) {
            // the student's own copy of the teacher it was distilled from
            Path teacher = copies.resolve(fixture + "-teacher");
            copy(fixture(fixture).resolveSibling("teacher"), teacher);
            config = config.with("distill.teacher=\"" + teacher.resolve("model.zip") + "\"");
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        TrainingRun.Result resumed = TrainingRun.local(config, new Progress(new PrintStream(log), false, 1000))
                .resumeFrom(run.toString()).run();

        assertTrue(log.toString().contains("resuming after epoch 1"), log.toString());
        List<String> metrics = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertEquals(2, metrics.size(), "epoch 1 as saved, then epoch 2");
        assertEquals(2, RunDirectory.JSON.readTree(metrics.get(1)).get("epoch").asInt());
        assertEquals(2, resumed.epochs.size());
        // one more epoch from a model that had learned something: it did not start again from scratch
        double before = expected(fixture).get("loss").asDouble();
        double after = RunDirectory.JSON.readTree(metrics.get(1)).get("test_loss").asDouble();
        assertTrue(after < before, fixture + ": test loss " + before + " after epoch 1, " + after + " after epoch 2");
        assertEquals(resumed.network.params(), ModelFile.load(run.resolve("model.zip").toString()).network.params());
    }

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(SavedModelsTest.class.getResource("/saved-models/" + name).toURI());
    }

    private static JsonNode expected(String fixture) throws IOException, URISyntaxException {
        String version = fixture.substring(0, fixture.indexOf('/'));
        String model = fixture.substring(fixture.indexOf('/') + 1);
        return RunDirectory.JSON.readTree(fixture(version).resolve("expected.json").toFile()).get(model);
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }
}
