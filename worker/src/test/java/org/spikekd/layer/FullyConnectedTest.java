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
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.spikekd.model.GraphGradients;

/**
 * SpikeKD's dense layer must compute what DL4J's does, gradients included (the one it passes down
 * too), while skipping the forward pass DL4J repeats in its backward pass. Finite-difference checks
 * of whole networks built from it are in StudentGraphGradientCheckTest.
 */
class FullyConnectedTest {

    @ParameterizedTest(name = "bias {0}, activation {1}, {2}")
    @CsvSource({"true, IDENTITY, FLOAT", "false, IDENTITY, FLOAT", "true, IDENTITY, DOUBLE",
            "true, TANH, FLOAT"}) // tanh: DL4J's own backward pass, through the same class
    void sameOutputAndGradientsAsDl4jsDenseLayer(boolean bias, Activation activation, DataType type) {
        DenseLayer.Builder b = new DenseLayer.Builder().nOut(7).hasBias(bias).activation(activation);
        ComputationGraph ours = graph(FullyConnected.of(b), type);
        ComputationGraph dl4j = graph(b.build(), type);
        dl4j.setParams(ours.params().dup());
        assertInstanceOf(FullyConnected.Impl.class, ours.getLayer("fc"));

        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(type, 6, 13).subi(0.5);
        INDArray out = ours.outputSingle(x);
        assertEquals(dl4j.outputSingle(x), out);
        INDArray y = Nd4j.rand(type, out.shape());
        Map<String, INDArray> g1 = GraphGradients.of(ours, x, y);
        Map<String, INDArray> g2 = GraphGradients.of(dl4j, x, y);
        assertEquals(g2.keySet(), g1.keySet());
        assertTrue(g1.containsKey("below_W"), "the layer below learns from the gradient this one passes down");
        for (String k : g1.keySet()) {
            double scale = g2.get(k).norm2Number().doubleValue();
            assertTrue(scale > 0, k + " has a zero gradient: the check would be vacuous");
            double diff = g1.get(k).sub(g2.get(k)).norm2Number().doubleValue();
            assertTrue(diff <= 1e-5 * scale, k + ": gradients differ by " + diff + " (norm " + scale + ")");
        }
    }

    @Test
    void isStillADenseLayerWithTheSameSettings() {
        DenseLayer.Builder b = new DenseLayer.Builder().nIn(5).nOut(4).hasBias(false).activation(Activation.IDENTITY)
                .name("fc").biasInit(0.25).l2(1e-4).dropOut(0.9);
        DenseLayer dl4j = b.build();
        FullyConnected ours = FullyConnected.of(b);
        assertInstanceOf(DenseLayer.class, ours);
        assertEquals(dl4j.getLayerName(), ours.getLayerName());
        assertEquals(dl4j.getIDropout(), ours.getIDropout());
        // the printed configuration has every other field (Lombok), so a setting not copied shows
        assertEquals(dl4j.toString().replace("DenseLayer", ""), ours.toString().replace("FullyConnected", "")
                .replace("DenseLayer", ""));
    }

    @Test
    void savedModelsComeBackWithThisLayer(@TempDir Path dir) throws Exception {
        ComputationGraph net = graph(FullyConnected.of(new DenseLayer.Builder().nOut(4)
                .activation(Activation.IDENTITY)), DataType.FLOAT);
        File file = dir.resolve("model.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
        assertInstanceOf(FullyConnected.Impl.class, restored.getLayer("fc"));
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 13);
        assertEquals(net.outputSingle(x), restored.outputSingle(x));
    }

    private static ComputationGraph graph(Layer fc, DataType type) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).updater(new NoOp())
                .dataType(type).graphBuilder().addInputs("in")
                // a layer below, whose gradients depend on the gradient the tested layer passes down
                .addLayer("below", new DenseLayer.Builder().nOut(13).activation(Activation.IDENTITY).build(), "in")
                .addLayer("fc", fc, "below")
                .addLayer("out", new LossLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY).build(), "fc")
                .setOutputs("out").setInputTypes(InputType.feedForward(13)).build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }
}
