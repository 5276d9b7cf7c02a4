package org.spikekd.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.nd4j.linalg.activations.Activation;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.spikekd.distill.DistillationLoss;
import org.spikekd.model.Architecture;
import org.spikekd.model.GraphLayers;
import org.spikekd.model.NetworkFactory;
import org.spikekd.model.NetworkRole;
import org.spikekd.model.ResNetArchitecture;
import org.spikekd.model.VggArchitecture;

/** A folded teacher computes what the teacher computes in inference mode, without its batch norms. */
class BatchNormFoldingTest {

    @Test
    void aBiasBeforeTheBatchNormIsScaledAndShifted() {
        // SpikeKD's own networks have no bias before a batch norm; other graphs may
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1).graphBuilder()
                .addInputs("in")
                .addLayer("dense", new DenseLayer.Builder().nIn(6).nOut(5).hasBias(true)
                        .activation(Activation.IDENTITY).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().build(), "dense")
                .addLayer("out", new ActivationLayer.Builder().activation(Activation.TANH).build(), "bn")
                .setOutputs("out").setInputTypes(InputType.feedForward(6)).build());
        net.init();
        Nd4j.getRandom().setSeed(2);
        net.getLayer("dense").setParam("b", Nd4j.rand(DataType.FLOAT, 1, 5).subi(0.5));
        net.getLayer("bn").setParam("mean", Nd4j.rand(DataType.FLOAT, 1, 5));
        net.getLayer("bn").setParam("gamma", Nd4j.rand(DataType.FLOAT, 1, 5).addi(0.5));
        net.getLayer("bn").setParam("beta", Nd4j.rand(DataType.FLOAT, 1, 5));
        INDArray x = Nd4j.rand(DataType.FLOAT, 7, 6);
        ComputationGraph folded = BatchNormFolding.forInference(net, InputType.feedForward(6));
        assertEquals(0, GraphLayers.inOrder(folded, l -> l instanceof BatchNormalization).size());
        assertClose(net.outputSingle(false, x), folded.outputSingle(false, x), "dense with bias");
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        double scale = expected.norm2Number().doubleValue();
        double diff = actual.sub(expected).norm2Number().doubleValue();
        assertTrue(scale > 0 && diff <= 1e-4 * scale, what + ": folded outputs differ by " + diff + " (norm " + scale + ")");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"vgg", "resnet-18"})
    void foldedTeacherGivesTheTeachersInferenceOutputs(String kind) {
        Architecture arch = kind.equals("vgg")
                ? new VggArchitecture(List.of(List.of(8, 8), List.of(16)), "avg", List.of(32))
                : new ResNetArchitecture(18, 1, "small");
        ComputationGraph teacher = new NetworkFactory(arch, NetworkRole.TEACHER).input(1, 16, 16).classes(10)
                .normalization(new double[] {0.3}, new double[] {0.35})
                .loss(new DistillationLoss(4.0, 0.0)).updater(new Adam(1e-2), 0).seed(3).build();
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.rand(DataType.FLOAT, 16, 1, 16, 16);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 16, 20);
        for (int i = 0; i < 16; i++) {
            y.putScalar(i, i % 10, 1.0);
        }
        // a few steps, so that the running statistics, gamma and beta are not their initial values
        for (int step = 0; step < 5; step++) {
            teacher.fit(new INDArray[] {x.mul(1 + 0.3 * step).addi(0.2 * step)}, new INDArray[] {y});
        }

        // biases before a batch norm get no gradient (the norm removes them): give them values
        int biases = 0;
        for (org.deeplearning4j.nn.api.Layer l : teacher.getLayers()) {
            if (l.paramTable().containsKey("b")) {
                l.setParam("b", Nd4j.rand(DataType.FLOAT, l.getParam("b").shape()).subi(0.5));
                biases++;
            }
        }
        assertTrue(biases >= 1, "at least the classifier has a bias");

        ComputationGraph folded = BatchNormFolding.forInference(teacher, InputType.convolutional(16, 16, 1));
        int before = GraphLayers.inOrder(teacher, l -> l instanceof BatchNormalization).size();
        int after = GraphLayers.inOrder(folded, l -> l instanceof BatchNormalization).size();
        assertTrue(before > 0, "the teacher has batch norms to fold");
        assertEquals(0, after, "every batch norm here follows a convolution or dense layer");

        INDArray expected = teacher.outputSingle(false, x);
        INDArray actual = folded.outputSingle(false, x);
        assertClose(expected, actual, kind);
        assertEquals(teacher.outputSingle(false, x), expected, "folding left the teacher as it was");
    }
}
