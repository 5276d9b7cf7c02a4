package org.spikekd.neuron;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.simd.VectorApi;
import org.spikekd.surrogate.Surrogates;

/**
 * The fused kernel must compute what the ND4J operations compute, for every neuron model, reset and
 * surrogate: the same spikes and membranes, and gradients equal to float rounding. (The ND4J path
 * is the one the finite-difference checks in SpikingNeuronGradientCheckTest cover, in double.)
 */
class FusedNeuronLoopTest {
    private static final int STEPS = 4;

    @Test
    void theVectorApiIsThereInTheseTests() {
        // Surefire passes --add-modules=jdk.incubator.vector; without it every test below would
        // compare the ND4J path with itself
        assertTrue(VectorApi.AVAILABLE, "run with the pom's JVM flags (spikekd.jvm.opens)");
    }

    static Stream<Arguments> neurons() {
        List<Arguments> all = new ArrayList<>();
        for (String surrogate : List.of("sigmoid", "arctan", "fast-sigmoid", "triangle")) {
            for (SpikingNeuron.Reset reset : SpikingNeuron.Reset.values()) {
                for (boolean detach : new boolean[] {false, true}) {
                    String name = surrogate + ", " + reset + (detach ? ", detached" : "");
                    all.add(Arguments.of("LIF " + name, new LifNeuron(2.0, false, 1.0, reset, 0.0, detach,
                            Surrogates.byName(surrogate, 4.0), false)));
                }
            }
        }
        // input decay (gain 1/tau), a leak towards a non-zero v_reset, an IF neuron
        all.add(Arguments.of("LIF, input decay, v_reset -0.3", new LifNeuron(3.0, true, 0.8,
                SpikingNeuron.Reset.HARD, -0.3, false, Surrogates.byName("sigmoid", 2.5), false)));
        all.add(Arguments.of("LIF, soft reset, input decay", new LifNeuron(1.5, true, 1.2,
                SpikingNeuron.Reset.SOFT, 0.0, false, Surrogates.byName("arctan", 2.0), false)));
        // PLIF: the learned leak's gradient, summed over blocks, steps and neurons
        all.add(Arguments.of("PLIF, input decay, hard reset to -0.2", new ParametricLifNeuron(0.3, true, 0.8,
                SpikingNeuron.Reset.HARD, -0.2, false, Surrogates.byName("sigmoid", 2.5), false)));
        all.add(Arguments.of("PLIF, soft reset", new ParametricLifNeuron(-0.5, false, 1.0,
                SpikingNeuron.Reset.SOFT, 0.0, false, Surrogates.byName("arctan", 2.0), false)));
        all.add(Arguments.of("PLIF, detached hard reset", new ParametricLifNeuron(1.0, true, 0.7,
                SpikingNeuron.Reset.HARD, 0.0, true, Surrogates.byName("fast-sigmoid", 3.0), false)));
        all.add(Arguments.of("IF, hard reset to 0.2", new IfNeuron(1.0, SpikingNeuron.Reset.HARD, 0.2, false,
                Surrogates.byName("triangle", 1.0), false)));
        return all.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("neurons")
    void sameSpikesMembranesAndGradientsAsTheNd4jOperations(String name, SpikingNeuron neuron) {
        // more neurons per step than one block, and not a whole number of vectors: blocks and tails
        int perStep = FusedNeuronLoopKernel.BLOCK * 2 + 37;
        Nd4j.getRandom().setSeed(11);
        INDArray current = Nd4j.randn(DataType.FLOAT, STEPS * 3, perStep / 3 + 1).muli(1.5).addi(0.8);
        INDArray spikeGradient = Nd4j.randn(DataType.FLOAT, current.shape());
        INDArray start = Nd4j.rand(DataType.FLOAT, 1, current.length() / STEPS).muli(0.9);

        for (INDArray initial : new INDArray[] {null, start}) {
            SpikingNeuron.Trace ops = neuron.forward(current, STEPS, initial, false);
            SpikingNeuron.Trace fused = neuron.forward(current, STEPS, initial, true);
            assertArrayEquals(ops.spikes.data().asFloat(), fused.spikes.data().asFloat(), name + ": spikes");
            assertClose(ops.membrane, fused.membrane, name + ": membrane after the last step");
            assertTrue(fused.spikes.sumNumber().doubleValue() > 0.05 * fused.spikes.length()
                    && fused.spikes.sumNumber().doubleValue() < 0.95 * fused.spikes.length(),
                    name + ": both spiking and silent neurons, so that both branches are compared");
            assertEquals((long) ops.spikes.sumNumber().doubleValue(), fused.spikeCount,
                    name + ": the spikes the kernel counted, blocks and tails included");
            assertEquals(-1, ops.spikeCount, name + ": the ND4J loop does not count");

            SpikingNeuron.Gradients byOps = neuron.backward(spikeGradient, ops, STEPS, false);
            SpikingNeuron.Gradients byKernel = neuron.backward(spikeGradient, fused, STEPS, true);
            INDArray expected = byOps.current();
            INDArray actual = byKernel.current();
            assertArrayEquals(current.shape(), actual.shape());
            assertClose(expected, actual, name + ": dL/dI");
            // a sum of ~40,000 float products added in another order
            assertEquals(byOps.leak(), byKernel.leak(), 1e-4 * Math.max(1.0, Math.abs(byOps.leak())), name + ": dL/dk");
            assertEquals(neuron instanceof ParametricLifNeuron, byOps.leak() != 0.0, name + ": a leak gradient");
            // the fused forward pass keeps no h; the ND4J backward pass recomputes it
            assertClose(expected, neuron.backward(spikeGradient, fused, STEPS, false).current(), name + ": dL/dI, ND4J after fused");
        }
    }

    @Test
    void theKernelDoesNotRunWhereItDoesNotApply() {
        SpikingNeuron neuron = new LifNeuron(2.0, false, 1.0, SpikingNeuron.Reset.HARD, 0.0, false,
                Surrogates.byName("sigmoid", 4.0), false);
        INDArray floats = Nd4j.rand(DataType.FLOAT, STEPS, 10);
        assertTrue(FusedNeuronLoop.applies(neuron, false, floats));
        assertTrue(!FusedNeuronLoop.applies(neuron, true, floats), "smooth forward (gradient checks)");
        assertTrue(!FusedNeuronLoop.applies(neuron, false, floats.castTo(DataType.DOUBLE)), "double");
        assertTrue(!FusedNeuronLoop.applies(neuron, false, Nd4j.rand(DataType.FLOAT, 10, STEPS).transpose()),
                "a transposed view");
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        float[] e = expected.data().asFloat();
        float[] a = actual.data().asFloat();
        assertEquals(e.length, a.length, what + ": length");
        long off = 0;
        for (int i = 0; i < e.length; i++) {
            // SVML's exponential and libnd4j's may differ by an ulp or two
            if (Math.abs(e[i] - a[i]) > 1e-5f * Math.max(1f, Math.abs(e[i]))) {
                off++;
                if (off == 1) {
                    System.err.printf("%s: first difference at %d: %g vs %g%n", what, i, e[i], a[i]);
                }
            }
        }
        assertEquals(0, off, what + ": elements that differ by more than 1e-5 relative");
    }
}
