package org.spikekd.nir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.model.NetworkFactory;
import org.spikekd.model.NetworkRole;
import org.spikekd.model.VggArchitecture;
import org.spikekd.neuron.ParametricLifNeuron;
import org.spikekd.neuron.SpikingLayer;
import org.spikekd.neuron.SpikingNeuron;

/**
 * The parts of NIR export that the end-to-end test (the driver's ExportCommandTest, which runs
 * exported files in NumPy) does not single out: the neuron mapping step by step, DL4J's "same"
 * padding, refusals by name, and that a failed write leaves an existing file alone.
 */
class NirExportTest {
    static final InputType IMAGES = InputType.convolutional(28, 28, 1);

    @TempDir
    Path dir;

    /** NIR's LIF stepped with dt = 1 from the exported fields fires as SpikeKD's neuron does. */
    @ParameterizedTest
    @CsvSource({"lif,3.0,false,hard,0.3", "lif,3.0,true,hard,-0.2", "lif,2.0,false,soft,0.0", "plif,3.0,true,hard,0.3", "plif,1.5,false,soft,0.0", "if,1.0,false,hard,0.1",
            "if,1.0,false,soft,0.0"})
    void theExportedNeuronStepsAsSpikeKdsNeuron(String type, double tau, boolean decayInput, String reset, double vReset) {
        SpikingLayer conf = new SpikingLayer().setNeuron(type).setTau(tau).setDecayInput(decayInput).setReset(reset)
                .setVReset(vReset).setVThreshold(0.7);
        int steps = 8;
        int neurons = 64;
        Nd4j.getRandom().setSeed(3);
        INDArray current = Nd4j.rand(DataType.DOUBLE, steps, neurons).muli(1.5).subi(0.2);
        INDArray spikes = conf.createNeuron().forward(current, steps).spikes;

        SpikingNeuron neuron = conf.createNeuron();
        double runsWith = neuron instanceof ParametricLifNeuron plif ? plif.tau() : tau;
        NirNode node = NeuronParameters.node(conf, new long[] {neurons}, runsWith);
        assertEquals(type.equals("plif") ? "LIF" : type.toUpperCase(), node.type());
        double r = field(node, "r");
        double threshold = field(node, "v_threshold");
        double nirReset = field(node, "v_reset");
        boolean subtract = "subtract".equals(node.metadata().get("reset"));
        assertEquals(reset.equals("soft"), subtract);
        double[] v = new double[neurons];
        java.util.Arrays.fill(v, nirReset);
        int fired = 0;
        for (int t = 0; t < steps; t++) {
            for (int i = 0; i < neurons; i++) {
                double in = current.getDouble(t, i);
                // one Euler step of dt = 1: LIF tau dv/dt = (v_leak - v) + r I; IF dv/dt = r I
                double h = node.type().equals("LIF")
                        ? v[i] + (field(node, "v_leak") - v[i]) / field(node, "tau") + r * in / field(node, "tau")
                        : v[i] + r * in;
                boolean s = h >= threshold - 1e-12;
                assertEquals(spikes.getDouble(t, i) == 1.0, s, "step " + t + " neuron " + i + " h " + h);
                v[i] = !s ? h : subtract ? h - threshold : nirReset;
                fired += s ? 1 : 0;
            }
        }
        assertTrue(fired > 0 && fired < steps * neurons, "fired " + fired);
    }

    @ParameterizedTest
    @CsvSource({"28,3,1,1,1", "28,3,2,0,1", "14,3,2,0,1", "7,3,2,1,1", "28,1,2,0,0", "7,2,2,0,1", "8,2,2,0,0"})
    void samePaddingPutsTheOddPixelAfter(long in, int kernel, int stride, long before, long after) {
        assertArrayEquals(new long[] {before, after}, Conv2dNode.padding(ConvolutionMode.Same, in, kernel, stride, 1, 0));
    }

    @Test
    void maxPoolingIsRefusedByTheVertexName() {
        ComputationGraph student = new NetworkFactory(new VggArchitecture(List.of(List.of(4)), "max", List.of(8)),
                NetworkRole.STUDENT).seed(1).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NirExport.of(student, IMAGES));
        assertTrue(e.getMessage().contains("'s1.pool'") && e.getMessage().contains("MAX pooling"), e.getMessage());
    }

    @Test
    void anAnnIsRefused() {
        ComputationGraph teacher = new NetworkFactory(new VggArchitecture(List.of(List.of(4)), "avg", List.of(8)),
                NetworkRole.TEACHER).seed(1).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NirExport.of(teacher, IMAGES));
        assertTrue(e.getMessage().contains("not a spiking network"), e.getMessage());
    }

    @Test
    void aStudentWritesAndAFailedWriteLeavesTheOldFile() throws Exception {
        ComputationGraph student = new NetworkFactory(new VggArchitecture(List.of(List.of(4)), "avg", List.of(8)),
                NetworkRole.STUDENT).seed(1).build();
        NirGraph graph = NirExport.of(student, IMAGES);
        assertEquals(List.of("Input", "Conv2d", "Conv2d", "LIF", "AvgPool2d", "Flatten", "Affine", "LIF", "Affine",
                "Output"), graph.nodes().values().stream().map(NirNode::type).toList());
        Path out = dir.resolve("student.nir");
        NirFile.write(graph, out);
        byte[] written = Files.readAllBytes(out);
        assertTrue(written.length > 1000);

        // a write that fails (here: the target is a directory with a file in it) leaves what was there
        Path occupied = Files.createDirectories(dir.resolve("occupied.nir"));
        Files.write(occupied.resolve("keep"), written);
        assertThrows(java.io.IOException.class, () -> NirFile.write(graph, occupied));
        assertArrayEquals(written, Files.readAllBytes(occupied.resolve("keep")));
        try (var siblings = Files.list(dir)) {
            assertEquals(java.util.Set.of(out, occupied), java.util.Set.copyOf(siblings.toList()),
                    "no temporary file left behind");
        }
    }

    private static double field(NirNode node, String name) {
        return ((NirNode.Tensor) node.fields().get(name)).values()[0];
    }
}
