package org.spikekd.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.spikekd.distill.DistillationLoss;
import org.spikekd.layer.ChannelsLastLayer;

/**
 * Networks compute channels-last after their input; they must compute what the same network
 * channels-first computes. A residual network ends in global average pooling, so with the same
 * parameters the two layouts give the same logits and the same gradients (a VGG's dense layer
 * reads its flattened input in another order, so its parameters would not carry over).
 */
class ChannelsLastTest {

    @ParameterizedTest
    @EnumSource(NetworkRole.class)
    void aResidualNetworkComputesTheSameInEitherLayout(NetworkRole role) {
        NetworkFactory factory = new NetworkFactory(new ResNetArchitecture(18, 1, "imagenet"), role)
                .input(3, 16, 16).classes(4).normalization(new double[] {0.5, 0.4, 0.3}, new double[] {0.3, 0.2, 0.25})
                .spiking(SpikingSettings.defaults().withTimeSteps(2))
                .loss(new DistillationLoss(2.0, 0.0)).updater(new Sgd(0.1), 0).seed(5);
        ComputationGraph last = factory.build();
        ComputationGraph first = factory.channelsLast(false).build();
        assertTrue(GraphLayers.channelsLast(last));
        assertFalse(GraphLayers.channelsLast(first));
        first.setParams(last.params().dup());

        Nd4j.getRandom().setSeed(6);
        INDArray x = Nd4j.rand(DataType.FLOAT, 6, 3, 16, 16);
        INDArray labels = DistillationLoss.labels(Nd4j.eye(4).getRows(0, 1, 2, 3, 0, 1).castTo(DataType.FLOAT), null);
        // training mode: batch statistics, so that an untrained student's neurons fire at all
        INDArray expected = first.output(true, x)[0];
        assertClose(expected, last.output(true, x)[0], "logits");

        Map<String, INDArray> g1 = GraphGradients.of(first, x, labels);
        Map<String, INDArray> g2 = GraphGradients.of(last, x, labels);
        assertEquals(g1.keySet(), g2.keySet());
        for (String k : g1.keySet()) {
            assertClose(g1.get(k), g2.get(k), "dL/d" + k);
        }
    }

    @ParameterizedTest
    @EnumSource(NetworkRole.class)
    void trainingUpdatesTheSameRunningStatisticsInEitherLayout(NetworkRole role) {
        NetworkFactory factory = new NetworkFactory(new ResNetArchitecture(18, 1, "small"), role)
                .input(1, 12, 12).classes(4).normalization(new double[] {0.3}, new double[] {0.4})
                .spiking(SpikingSettings.defaults().withTimeSteps(2))
                .loss(new DistillationLoss(2.0, 0.0)).updater(new Sgd(0.05), 0).seed(9);
        ComputationGraph last = factory.build();
        ComputationGraph first = factory.channelsLast(false).build();
        first.setParams(last.params().dup());
        Nd4j.getRandom().setSeed(10);
        for (int step = 0; step < 3; step++) {
            INDArray x = Nd4j.rand(DataType.FLOAT, 8, 1, 12, 12);
            INDArray labels = DistillationLoss.labels(Nd4j.eye(4).getRows(0, 1, 2, 3, 0, 1, 2, 3)
                    .castTo(DataType.FLOAT), null);
            first.fit(new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[] {x}, new INDArray[] {labels}));
            last.fit(new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[] {x}, new INDArray[] {labels}));
        }
        assertClose(first.params(), last.params(), "parameters after 3 steps");
        // inference: batch norm on the running statistics the three steps left
        INDArray x = Nd4j.rand(DataType.FLOAT, 5, 1, 12, 12);
        assertClose(first.output(false, x)[0], last.output(false, x)[0], "logits in inference");
        for (String bn : GraphLayers.inOrder(last,
                l -> l instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization)) {
            last.getLayer(bn).paramTable().forEach((k, v) ->
                    assertClose(first.getLayer(bn).getParam(k), v, bn + " " + k));
        }
    }

    @Test
    void turnsChannelsFirstImagesChannelsLastAndGradientsBack() {
        ChannelsLastLayer conf = new ChannelsLastLayer("cl");
        assertEquals(InputType.convolutional(5, 7, 3, CNN2DFormat.NHWC),
                conf.getOutputType(0, InputType.convolutional(5, 7, 3)));
        assertThrows(IllegalArgumentException.class,
                () -> conf.getOutputType(0, InputType.convolutional(5, 7, 3, CNN2DFormat.NHWC)));
        assertThrows(IllegalArgumentException.class, () -> conf.getOutputType(0, InputType.feedForward(4)));
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        double scale = expected.norm2Number().doubleValue();
        assertTrue(scale > 0, what + " is zero: the comparison would be vacuous");
        double diff = actual.sub(expected).norm2Number().doubleValue();
        assertTrue(diff <= 1e-4 * scale, what + " differs by " + diff + " (norm " + scale + ")");
    }
}
