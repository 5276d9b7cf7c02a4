package org.spikekd.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.spikekd.distill.DistillationLoss;
import org.spikekd.encoding.Encoding;
import org.spikekd.neuron.SpikingLayer;
import org.spikekd.surrogate.Surrogates;
import org.spikekd.testing.GraphGradientCheck;

/**
 * Gradient checks of whole student networks against finite differences
 * (with {@link GraphGradientCheck}): the time fold at the encoder, spiking layers between batch-normalized convolutions, the time
 * average before the loss, the response-KD loss and the feature adapter with its L2 loss. Neurons
 * fire through their surrogate's smooth primitive so that finite differences are defined.
 */
class StudentGraphGradientCheckTest {
    static final int N = 2;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    static Stream<Object[]> neurons() {
        // a detached reset is deliberately not the true gradient: SpikingNeuronGradientCheckTest checks it
        return Surrogates.NAMES.stream().flatMap(s -> Stream.of(
                new Object[] {s, "hard", false}, new Object[] {s, "soft", false}));
    }

    private static SpikingSettings smooth(String surrogate, String reset, boolean detach, int t) {
        SpikingLayer neuron = new SpikingLayer().setSurrogate(surrogate).setSurrogateAlpha(2.0)
                .setReset(reset).setVThreshold(0.5).setDetachReset(detach).setSmoothForward(true);
        return new SpikingSettings(Encoding.DIRECT, t, neuron);
    }

    private static INDArray[] labels(ComputationGraph net, int classes, long seed, INDArray... features) {
        Nd4j.getRandom().setSeed(seed);
        INDArray oneHot = Nd4j.zeros(DataType.DOUBLE, N, classes);
        for (int i = 0; i < N; i++) {
            oneHot.putScalar(i, i % classes, 1.0);
        }
        INDArray teacherLogits = Nd4j.randn(DataType.DOUBLE, N, classes).muli(2);
        INDArray[] all = new INDArray[1 + features.length];
        all[0] = DistillationLoss.labels(oneHot, teacherLogits);
        System.arraycopy(features, 0, all, 1, features.length);
        return all;
    }

    private static boolean check(ComputationGraph net, INDArray input, INDArray[] labels) {
        return check(net, input, labels, 6);
    }

    /** @param perParam elements checked per parameter array: each costs two forward passes */
    private static boolean check(ComputationGraph net, INDArray input, INDArray[] labels, int perParam) {
        long[] checked = new long[1];
        List<GraphGradientCheck.Mismatch> bad = GraphGradientCheck.check(net,
                new MultiDataSet(new INDArray[] {input}, labels), 1e-6, 1e-3, 1e-8, perParam, checked);
        assertTrue(checked[0] > 30, "checked " + checked[0] + " parameters");
        assertTrue(bad.isEmpty(), bad.size() + " of " + checked[0] + " gradients disagree: " + bad);
        return true;
    }

    @ParameterizedTest(name = "{0} reset={1} detach={2}")
    @MethodSource("neurons")
    void vggStudentWithResponseAndFeatureDistillation(String surrogate, String reset, boolean detach) {
        ComputationGraph net = new NetworkFactory(
                new VggArchitecture(List.of(List.of(3), List.of(4)), "avg", List.of(5)), NetworkRole.STUDENT)
                .input(1, 6, 6).classes(3).normalization(new double[] {0.3}, new double[] {0.4})
                .spiking(smooth(surrogate, reset, detach, 3)).loss(new DistillationLoss(2.0, 0.6))
                .featureDistillation(List.of(1), List.of(2), 0.5)
                .updater(new NoOp(), 0).seed(12).dataType(DataType.DOUBLE).build();
        Nd4j.getRandom().setSeed(3);
        INDArray input = Nd4j.rand(DataType.DOUBLE, N, 1, 6, 6);
        INDArray teacherFeatures = Nd4j.rand(DataType.DOUBLE, N, 2 * 6 * 6);
        assertTrue(check(net, input, labels(net, 3, 5, teacherFeatures)));
    }

    /** PLIF: the learned leak's parameter in every spiking layer is checked like any weight. */
    @ParameterizedTest(name = "decay-input={0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void vggStudentWithParametricLif(boolean decayInput) {
        SpikingLayer neuron = new SpikingLayer().setNeuron("plif").setTau(3.0).setDecayInput(decayInput)
                .setSurrogate("sigmoid").setSurrogateAlpha(2.0).setVThreshold(0.5).setVReset(-0.1)
                .setSmoothForward(true);
        ComputationGraph net = new NetworkFactory(
                new VggArchitecture(List.of(List.of(3), List.of(4)), "avg", List.of(5)), NetworkRole.STUDENT)
                .input(1, 6, 6).classes(3).spiking(new SpikingSettings(Encoding.DIRECT, 3, neuron))
                .loss(new DistillationLoss(2.0, 0.6)).updater(new NoOp(), 0).seed(13).dataType(DataType.DOUBLE).build();
        assertEquals(3, net.paramTable().keySet().stream().filter(k -> k.endsWith("_w")).count(), net.paramTable().keySet().toString());
        Nd4j.getRandom().setSeed(8);
        assertTrue(check(net, Nd4j.rand(DataType.DOUBLE, N, 1, 6, 6), labels(net, 3, 9)));
    }

    @Test
    void resnet18StudentWithResiduals() {
        ComputationGraph net = new NetworkFactory(new ResNetArchitecture(18, 2, "small"), NetworkRole.STUDENT)
                .input(1, 8, 8).classes(3).spiking(smooth("arctan", "hard", false, 2))
                .loss(new DistillationLoss(3.0, 0.5)).updater(new NoOp(), 0).seed(1)
                .dataType(DataType.DOUBLE).build();
        Nd4j.getRandom().setSeed(4);
        assertTrue(check(net, Nd4j.rand(DataType.DOUBLE, N, 1, 8, 8), labels(net, 3, 6)));
    }

    @Test
    void resnet50BottleneckStudent() {
        ComputationGraph net = new NetworkFactory(new ResNetArchitecture(50, 1, "small"), NetworkRole.STUDENT)
                .input(1, 4, 4).classes(2).spiking(smooth("sigmoid", "soft", false, 2))
                .loss(new DistillationLoss(2.0, 0.5)).updater(new NoOp(), 0).seed(2)
                .dataType(DataType.DOUBLE).build();
        Nd4j.getRandom().setSeed(5);
        // ~160 parameter arrays over 50 layers: two elements of each keep this under a minute
        assertTrue(check(net, Nd4j.rand(DataType.DOUBLE, N, 1, 4, 4), labels(net, 2, 7), 2));
    }

    @Test
    void vggTeacher() {
        ComputationGraph net = new NetworkFactory(
                new VggArchitecture(List.of(List.of(3, 3), List.of(4)), "max", List.of(5)), NetworkRole.TEACHER)
                .input(2, 6, 6).classes(3).normalization(new double[] {0.3, 0.5}, new double[] {0.4, 0.2})
                .updater(new NoOp(), 0).seed(3).dataType(DataType.DOUBLE).build();
        Nd4j.getRandom().setSeed(6);
        assertTrue(check(net, Nd4j.rand(DataType.DOUBLE, N, 2, 6, 6), labels(net, 3, 8)));
    }

    @Test
    void timeFoldingKeepsTheMinibatchAtTheLoss() {
        int t = 3;
        ComputationGraph net = new NetworkFactory(
                new VggArchitecture(List.of(List.of(3)), "avg", List.of()), NetworkRole.STUDENT)
                .input(1, 4, 4).classes(2).spiking(SpikingSettings.defaults().withTimeSteps(t))
                .dataType(DataType.DOUBLE).build();
        var activations = net.feedForward(Nd4j.rand(DataType.DOUBLE, N, 1, 4, 4), false);
        assertEquals(t * N, activations.get("stage1").size(0), "time folded into the batch inside");
        assertEquals(N, activations.get(NetworkBuilder.LOGITS).size(0), "unfolded at the output");
        INDArray spikes = activations.get("stage1");
        assertEquals(spikes.length(), spikes.eq(0).castTo(DataType.INT).sumNumber().longValue() + spikes.eq(1).castTo(DataType.INT).sumNumber().longValue(),
                "a spiking layer outputs only 0 and 1");
    }
}
