package org.spikekd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.spikekd.config.JobSettings;
import org.spikekd.data.Augmentation;
import org.spikekd.data.LabeledImages;
import org.spikekd.data.Minibatches;
import org.spikekd.model.GraphLayers;
import org.spikekd.model.NetworkBuilder;
import org.spikekd.model.TimeSteps;
import org.spikekd.neuron.SpikingLayer;
import org.spikekd.run.ModelFile;
import org.spikekd.testing.ConvolutionPath;

/**
 * {@code spikekd export --format nir} on the saved-model fixtures (a VGG student distilled from a
 * teacher, a Poisson-coded spiking ResNet-18 whose stride-2 convolutions pad asymmetrically, a
 * converted SNN of IF neurons with soft reset and rescaling, a PLIF student with learned leaks): the file is read with Debian's h5py the
 * way {@code nir.read} reads it, and a NumPy simulator ({@code nir/nir_numpy.py}) runs the graph step
 * by step on 16 test images to SpikeKD's spikes in every neuron layer and SpikeKD's outputs.
 */
// one path, so that SpikeKD's spikes do not depend on which path a layer happened to take
@ConvolutionPath("dense")
public class ExportCommandTest {
    static final int IMAGES = 16;

    @TempDir
    Path dir;


    /** The fixtures, and any model named by -Dspikekd.nir.model=FILE (to check an export of one's own). */
    static java.util.stream.Stream<String> models() throws URISyntaxException {
        java.util.List<String> models = new java.util.ArrayList<>();
        for (String f : java.util.List.of("2026-12-05/student-kd", "2026-12-05/student-resnet", "2026-12-05/converted",
                "2026-12-05-plif/student-plif")) {
            models.add(fixture(f).toString());
        }
        String own = System.getProperty("spikekd.nir.model");
        if (own != null && !own.isBlank()) {
            models.add(own);
        }
        return models.stream();
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("models")
    void theNirGraphRunsInNumPyToSpikeKdsSpikesAndOutputs(String model) throws Exception {
        String fixture = Path.of(model).getParent().getFileName().toString();
        Path nir = dir.resolve(fixture + ".nir");
        CommandLineTest.Outcome o = CommandLineTest.run("export", "--model", model, "--out", nir.toString());
        assertEquals(0, o.exitCode(), o.err());
        JsonNode written = o.lastJsonLine();
        assertEquals(Files.size(nir), written.get("bytes").asLong());
        boolean converted = !ModelFile.load(model).config.raw().getString("model.converted-from").isBlank();
        assertEquals(converted, written.get("subtractive_reset").size() > 0, written.toString());
        assertEquals(converted, o.err().contains("reset by subtraction"), o.err());

        ModelFile m = ModelFile.load(model);
        Path expected = dir.resolve(fixture + "-expected.h5");
        writeSpikeKdsRun(m, expected);
        JsonNode sim = simulate(nir, expected);
        System.err.println(fixture + ": " + sim);
        assertEquals(written.get("nodes").asInt(), sim.get("nodes").asInt());
        assertEquals(0, sim.get("missing_spikes").size(), sim.toString());
        long neuronLayers = GraphLayers.inOrder(m.network, l -> l instanceof SpikingLayer).size();
        // forced: each node computes from SpikeKD's own spikes, so only rounding can tell them apart:
        // a spike may differ only where the membrane lies within rounding of the threshold
        JsonNode forced = sim.get("forced");
        assertEquals(neuronLayers, forced.get("neuron_layers").size(), sim.toString());
        for (var layer : (Iterable<Map.Entry<String, JsonNode>>) forced.get("neuron_layers")::fields) {
            JsonNode r = layer.getValue();
            assertTrue(r.get("fired").asLong() > 0, layer.getKey() + " never fired: " + r);
            assertTrue(r.get("differ").asLong() == 0 || r.get("max_margin").asDouble() < 1e-4,
                    layer.getKey() + " differs by more than rounding: " + r);
            assertTrue(r.get("differ").asLong() <= r.get("of").asLong() / 10_000, layer.getKey() + ": " + r);
        }
        assertTrue(forced.get("max_abs_logit_diff").asDouble() < 1e-4, sim.toString());
        assertEquals(IMAGES, forced.get("same_class").asInt(), sim.toString());
        // free: the graph on its own, as a NIR reader runs it; a flip near the threshold travels on
        // (the Poisson ResNet's deepest layers differ in up to 0.5% of spikes; the direct-coded
        // fixtures in none on this machine), so at most 1% of any layer, and the classes agree
        JsonNode free = sim.get("free");
        for (var layer : (Iterable<Map.Entry<String, JsonNode>>) free.get("neuron_layers")::fields) {
            JsonNode r = layer.getValue();
            assertTrue(r.get("differ").asLong() <= r.get("of").asLong() / 100, layer.getKey() + ": " + r);
        }
        assertTrue(free.get("same_class").asInt() >= IMAGES - 1, sim.toString());
    }

    @Test
    void aTeacherIsRefusedWithOneLineSayingToConvertIt() throws Exception {
        Path out = dir.resolve("teacher.nir");
        CommandLineTest.Outcome o = CommandLineTest.run("export", "--model", fixture("teacher").toString(),
                "--out", out.toString(), "--input-shape", "1,28,28");
        assertEquals(1, o.exitCode());
        assertTrue(o.err().contains("not a spiking network") && o.err().contains("spikekd convert"), o.err());
        assertEquals(1, o.err().strip().lines().count(), o.err());
        assertFalse(Files.exists(out));
    }

    /** SpikeKD's run of the model on the first test images: the graph's input at each step, every neuron layer's spikes, the logits. */
    private static void writeSpikeKdsRun(ModelFile m, Path file) throws Exception {
        LabeledImages images = new JobSettings(m.config).data().loader().load("test", IMAGES);
        INDArray x = new Minibatches(images, IMAGES, null, Augmentation.NONE).next().features;
        ComputationGraph net = m.network;
        int steps = TimeSteps.of(net);
        Map<String, INDArray> acts = net.feedForward(new INDArray[] {x}, false, false);
        try (WritableHdfFile h5 = HdfFile.write(file)) {
            INDArray encoded = acts.get("encode");
            boolean poisson = !GraphLayers.inOrder(net, l -> l instanceof org.spikekd.encoding.PoissonEncodingLayer).isEmpty();
            // direct encoding: the image at every step; Poisson: the encoder's spikes of each step
            put(h5, "input", poisson ? stepsChannelsFirst(encoded, steps) : x.reshape(1, IMAGES, x.size(1), x.size(2), x.size(3))
                    .repeat(0, steps));
            put(h5, "logits", acts.get(NetworkBuilder.LOGITS));
            WritableGroup spikes = h5.putGroup("spikes");
            for (String v : GraphLayers.inOrder(net, l -> l instanceof SpikingLayer)) {
                put(spikes, v, stepsChannelsFirst(acts.get(v), steps));
            }
        }
    }

    /** Time-folded channels-last [T*N, H, W, C] (or [T*N, n]) as [T, N, C, H, W] (or [T, N, n]). */
    private static INDArray stepsChannelsFirst(INDArray folded, int steps) {
        long n = folded.size(0) / steps;
        if (folded.rank() == 2) {
            return folded.reshape('c', steps, n, folded.size(1));
        }
        return folded.dup('c').reshape('c', steps, n, folded.size(1), folded.size(2), folded.size(3)).permute(0, 1, 4, 2, 3);
    }

    private static void put(WritableGroup group, String name, INDArray a) {
        INDArray c = a.castTo(DataType.FLOAT).dup('c');
        group.putDataset(name, c.data().asFloat());
        group.putDataset(name + ".shape", c.shape());
    }

    private JsonNode simulate(Path nir, Path expected) throws Exception {
        return PythonScript.run("/nir/nir_numpy.py", dir, "python3-h5py", 5, nir.toString(), expected.toString());
    }

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(ExportCommandTest.class.getResource("/saved-models/" + (name.contains("/") ? name : "2026-12-05/" + name)
                + "/model.zip").toURI());
    }
}
