package org.spikekd.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.spikekd.model.GraphGradients;

/**
 * SpikeKD's batch norm must compute what DL4J's does — outputs, gradients, running statistics and
 * inference with them — with its own batch statistics and backward pass. Finite-difference checks of
 * whole networks built from it (in double) are in StudentGraphGradientCheckTest.
 */
class BatchNormTest {

    @ParameterizedTest(name = "{0} input")
    @ValueSource(strings = {"convolutional", "dense"})
    void sameOutputsGradientsAndRunningStatisticsAsDl4jsBatchNorm(String input) {
        boolean conv = input.equals("convolutional");
        ComputationGraph ours = graph(BatchNorm.of(new BatchNormalization.Builder()), conv);
        ComputationGraph dl4j = graph(new BatchNormalization.Builder().build(), conv);
        dl4j.setParams(ours.params().dup());
        BatchNorm.Impl layer = (BatchNorm.Impl) ours.getLayer("bn");
        assertInstanceOf(FloatBatchNormHelper.class, layer.getHelper());

        Nd4j.getRandom().setSeed(5);
        long[] shape = conv ? new long[] {8, 3, 9, 9} : new long[] {16, 7};
        // away from zero mean and unit variance, so that wrong statistics would show
        INDArray x = Nd4j.rand(DataType.FLOAT, shape).muli(3).addi(1.5);
        INDArray y = Nd4j.rand(DataType.FLOAT, ours.outputSingle(true, x).shape());

        Map<String, INDArray> g1 = GraphGradients.of(ours, x, y);
        Map<String, INDArray> g2 = GraphGradients.of(dl4j, x, y);
        assertEquals(g2.keySet(), g1.keySet());
        for (String k : g1.keySet()) {
            if (k.endsWith("_mean") || k.endsWith("_log10stdev")) {
                continue; // running-statistic updates: compared below, after training steps
            }
            // the bias below a batch norm has no effect on the loss: its gradient is zero up to rounding
            assertClose(g2.get(k), g1.get(k), k + " gradient", !k.equals("below_b"));
        }
        assertClose(dl4j.outputSingle(true, x), ours.outputSingle(true, x), "training-mode output", true);

        for (int step = 0; step < 3; step++) {
            INDArray batch = x.mul(1 + 0.2 * step);
            ours.fit(new INDArray[] {batch}, new INDArray[] {y});
            dl4j.fit(new INDArray[] {batch}, new INDArray[] {y});
        }
        for (String k : dl4j.paramTable().keySet()) {
            assertClose(dl4j.getParam(k), ours.getParam(k), k + " after three steps", !k.equals("bn_beta"));
        }
        assertClose(dl4j.outputSingle(false, x), ours.outputSingle(false, x), "inference output", true);
        assertTrue(!layer.fellBack(), "the helper failed and DL4J's own code ran instead");
    }

    @Test
    void savedModelsComeBackWithThisLayer(@TempDir Path dir) throws Exception {
        ComputationGraph net = graph(BatchNorm.of(new BatchNormalization.Builder()), true);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 9, 9);
        net.fit(new INDArray[] {x}, new INDArray[] {Nd4j.rand(DataType.FLOAT, net.outputSingle(x).shape())});
        File file = dir.resolve("model.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
        assertInstanceOf(BatchNorm.Impl.class, restored.getLayer("bn"));
        assertEquals(net.getLayer("bn").conf().getLayer(), restored.getLayer("bn").conf().getLayer());
        assertEquals(net.outputSingle(x), restored.outputSingle(x));
    }

    private static void assertClose(INDArray expected, INDArray actual, String what, boolean nonZero) {
        double scale = expected.norm2Number().doubleValue();
        if (nonZero) {
            assertTrue(scale > 0, what + " is zero: the comparison would be vacuous");
        }
        double diff = actual.sub(expected).norm2Number().doubleValue();
        assertTrue(diff <= 1e-4 * scale + 1e-5, what + " differs by " + diff + " (norm " + scale + ")");
    }

    /** below -> bn -> out, where "below" (a convolution or a dense layer) sees the gradient bn passes down. */
    private static ComputationGraph graph(Layer bn, boolean conv) {
        Layer below = conv
                ? new ConvolutionLayer.Builder(1, 1).nOut(4).activation(Activation.IDENTITY).build()
                : new DenseLayer.Builder().nOut(5).activation(Activation.IDENTITY).build();
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).updater(new Sgd(0.1))
                .dataType(DataType.FLOAT).graphBuilder().addInputs("in")
                .addLayer("below", below, "in")
                .addLayer("bn", bn, "below")
                .addLayer("out", new LossLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY).build(), "bn")
                .setOutputs("out")
                .setInputTypes(conv ? InputType.convolutional(9, 9, 3) : InputType.feedForward(7)).build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }
}
