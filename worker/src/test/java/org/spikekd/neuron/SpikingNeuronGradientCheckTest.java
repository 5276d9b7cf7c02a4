package org.spikekd.neuron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.surrogate.SurrogateFunction;
import org.spikekd.surrogate.Surrogates;

/**
 * Checks {@link SpikingNeuron} against a scalar reference written independently here: the forward
 * pass exactly, and the backward pass (BPTT through charge, fire and reset) against finite
 * differences of the smooth forward pass, for LIF and IF, hard and soft reset, with and without a
 * detached reset, for every surrogate.
 */
class SpikingNeuronGradientCheckTest {
    static final int T = 4;
    static final int N = 3;
    static final int M = 5;

    static Stream<Object[]> cases() {
        Stream.Builder<Object[]> b = Stream.builder();
        for (String neuron : new String[] {"lif", "if"}) {
            for (String reset : new String[] {"hard", "soft"}) {
                for (boolean detach : new boolean[] {false, true}) {
                    for (String surrogate : Surrogates.NAMES) {
                        b.add(new Object[] {neuron, reset, detach, surrogate});
                    }
                }
            }
        }
        return b.build();
    }

    private static SpikingLayer conf(String neuron, String reset, boolean detach, String surrogate,
                                     boolean smooth) {
        return new SpikingLayer().setNeuron(neuron).setTau(2.5).setDecayInput(true).setVThreshold(0.6)
                .setReset(reset).setVReset(-0.1).setDetachReset(detach).setSurrogate(surrogate)
                .setSurrogateAlpha(2.0).setTimeSteps(T).setSmoothForward(smooth);
    }

    /**
     * The scalar reference: sum over t, i of r[t][i] * s[t][i]. {@code frozenResetSpikes}, when given,
     * replaces the spike used in the reset (a detached reset is a constant to the gradient).
     */
    private static double referenceLoss(SpikingLayer c, double[][] current, double[][] r,
                                        DoubleUnaryOperator fire, double[][] frozenResetSpikes,
                                        double[][] spikesOut) {
        double tau = c.getTau();
        boolean lif = c.getNeuron().equals("lif");
        boolean hard = c.getReset().equals("hard");
        double vReset = hard ? c.getVReset() : 0.0;
        double loss = 0;
        for (int i = 0; i < current[0].length; i++) {
            double v = vReset;
            for (int t = 0; t < current.length; t++) {
                double x = current[t][i];
                double h = lif ? v + (x - (v - vReset)) / tau : v + x;
                double s = fire.applyAsDouble(h - c.getVThreshold());
                if (spikesOut != null) {
                    spikesOut[t][i] = s;
                }
                double sr = frozenResetSpikes != null ? frozenResetSpikes[t][i] : s;
                v = hard ? h * (1 - sr) + vReset * sr : h - c.getVThreshold() * sr;
                loss += r[t][i] * s;
            }
        }
        return loss;
    }

    private static double[][] random(Random rnd, double scale) {
        double[][] a = new double[T][N * M];
        for (double[] row : a) {
            for (int i = 0; i < row.length; i++) {
                row[i] = scale * rnd.nextGaussian();
            }
        }
        return a;
    }

    private static INDArray folded(double[][] a) {
        return Nd4j.createFromArray(a).reshape('c', T * N, M);
    }

    @ParameterizedTest(name = "{0} reset={1} detach={2} {3}")
    @MethodSource("cases")
    void backwardMatchesFiniteDifferences(String neuronType, String reset, boolean detach, String surrogateName) {
        SpikingLayer c = conf(neuronType, reset, detach, surrogateName, true);
        SurrogateFunction surrogate = Surrogates.byName(surrogateName, c.getSurrogateAlpha());
        DoubleUnaryOperator smoothFire = x -> surrogate.primitive(Nd4j.scalar(x)).getDouble(0);
        Random rnd = new Random(42);
        double[][] current = random(rnd, 0.8);
        double[][] r = random(rnd, 1.0);

        SpikingNeuron neuron = c.createNeuron();
        SpikingNeuron.Trace trace = neuron.forward(folded(current), T);
        INDArray grad = neuron.backward(folded(r), trace, T).reshape('c', T, N * M);

        double[][] baseSpikes = new double[T][N * M];
        referenceLoss(c, current, r, smoothFire, null, baseSpikes);
        double[][] frozen = detach ? baseSpikes : null;
        double eps = 1e-6;
        double maxError = 0;
        for (int t = 0; t < T; t++) {
            for (int i = 0; i < N * M; i++) {
                double keep = current[t][i];
                current[t][i] = keep + eps;
                double plus = referenceLoss(c, current, r, smoothFire, frozen, null);
                current[t][i] = keep - eps;
                double minus = referenceLoss(c, current, r, smoothFire, frozen, null);
                current[t][i] = keep;
                double numeric = (plus - minus) / (2 * eps);
                double analytic = grad.getDouble(t, i);
                assertEquals(numeric, analytic, 1e-6 * Math.max(1.0, Math.abs(numeric)),
                        "dL/dI at t=" + t + ", i=" + i);
                maxError = Math.max(maxError, Math.abs(numeric - analytic));
            }
        }
        // the smooth spikes of the ND4J forward pass are the reference's too
        for (int t = 0; t < T; t++) {
            for (int i = 0; i < N * M; i++) {
                assertEquals(baseSpikes[t][i], trace.spikes.getDouble(t, i), 1e-12);
            }
        }
        assertTrue(maxError < 1e-6);
    }

    @ParameterizedTest(name = "{0} reset={1}")
    @MethodSource("cases")
    void stepForwardMatchesReference(String neuronType, String reset, boolean detach, String surrogateName) {
        SpikingLayer c = conf(neuronType, reset, detach, surrogateName, false);
        Random rnd = new Random(7);
        double[][] current = random(rnd, 1.0);
        double[][] expected = new double[T][N * M];
        referenceLoss(c, current, new double[T][N * M], x -> x >= 0 ? 1.0 : 0.0, null, expected);
        INDArray spikes = c.createNeuron().forward(folded(current), T).spikes;
        double total = 0;
        for (int t = 0; t < T; t++) {
            for (int i = 0; i < N * M; i++) {
                assertEquals(expected[t][i], spikes.getDouble(t, i), 0.0);
                total += expected[t][i];
            }
        }
        assertTrue(total > 0 && total < T * N * M, "some neurons spike, not all: " + total);
    }

    @Test
    void referenceLifMatchesThePyTorchReferenceNeuron() {
        // tau 2 without input decay is the reference's v = 0.5 v + I, threshold 1, hard reset to 0
        SpikingLayer c = new SpikingLayer().setTau(2.0).setDecayInput(false).setTimeSteps(3);
        INDArray in = Nd4j.createFromArray(new double[] {0.6, 0.8, 0.5}).reshape(3, 1);
        // v: 0.6 (no spike) -> 0.3 + 0.8 = 1.1 (spike, reset) -> 0 + 0.5 = 0.5 (no spike)
        INDArray s = c.createNeuron().forward(in.castTo(DataType.FLOAT), 3).spikes;
        assertEquals(0.0, s.getDouble(0, 0));
        assertEquals(1.0, s.getDouble(1, 0));
        assertEquals(0.0, s.getDouble(2, 0));
    }

    @Test
    void aMembraneExactlyAtThresholdSpikesAndOneUlpBelowDoesNot() {
        // IF neurons, one step: h = I; SpikingJelly's heaviside fires at h - v_threshold >= 0
        SpikingNeuron neuron = new SpikingLayer().setNeuron("if").setVThreshold(0.3).setTimeSteps(1).createNeuron();
        float f = 0.3f;
        INDArray floats = Nd4j.createFromArray(new float[] {f, Math.nextDown(f), Math.nextUp(f)}).reshape(3, 1);
        assertEquals(Nd4j.createFromArray(new float[] {1, 0, 1}).reshape(3, 1), neuron.forward(floats, 1).spikes.reshape(3, 1));
        double d = 0.3;
        INDArray doubles = Nd4j.createFromArray(new double[] {d, Math.nextDown(d), Math.nextUp(d)}).reshape(3, 1);
        assertEquals(Nd4j.createFromArray(new double[] {1, 0, 1}).reshape(3, 1), neuron.forward(doubles, 1).spikes.reshape(3, 1));
    }

    /** The smooth forward pass is for these checks only: a saved model never carries it. */
    @Test
    void theSmoothForwardPassIsNeverSaved() throws Exception {
        SpikingLayer smooth = conf("lif", "hard", false, "sigmoid", true);
        String json = NeuralNetConfiguration.mapper().writeValueAsString(smooth);
        assertFalse(json.toLowerCase().contains("smooth"), json);
        SpikingLayer read = NeuralNetConfiguration.mapper().readValue(json, SpikingLayer.class);
        assertFalse(read.isSmoothForward());
        assertEquals(smooth.setSmoothForward(false), read, "every other setting is saved");
        // models saved before it was left out still load (as the saved-model fixtures show)
        SpikingLayer old = NeuralNetConfiguration.mapper().readValue(
                json.replaceFirst("\\{", "{\"smoothForward\" : false, "), SpikingLayer.class);
        assertEquals(read, old);
    }
}
