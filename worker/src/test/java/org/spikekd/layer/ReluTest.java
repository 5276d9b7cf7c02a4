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
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.spikekd.model.GraphGradients;

/** SpikeKD's ReLU layer computes what DL4J's activation layer with a ReLU does, without its copies. */
class ReluTest {

    @Test
    void sameOutputAndGradientsAsDl4jsReluLayer() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            ComputationGraph ours = graph(new Relu(), type);
            ComputationGraph dl4j = graph(new ActivationLayer.Builder().activation(Activation.RELU).build(), type);
            dl4j.setParams(ours.params().dup());
            assertInstanceOf(Relu.Impl.class, ours.getLayer("relu"));

            Nd4j.getRandom().setSeed(3);
            INDArray x = Nd4j.rand(type, 6, 13).subi(0.5);
            // inputs of exactly 0 into the ReLU: its derivative there is 0 on both
            ours.getLayer("below").setParam("b", Nd4j.zeros(type, 1, 13));
            dl4j.getLayer("below").setParam("b", Nd4j.zeros(type, 1, 13));
            x.getRow(0).assign(0);
            INDArray out = ours.outputSingle(x);
            assertEquals(dl4j.outputSingle(x), out);
            assertTrue(out.minNumber().doubleValue() == 0 && out.maxNumber().doubleValue() > 0);
            INDArray y = Nd4j.rand(type, out.shape());
            Map<String, INDArray> g1 = GraphGradients.of(ours, x, y);
            Map<String, INDArray> g2 = GraphGradients.of(dl4j, x, y);
            assertEquals(g2.keySet(), g1.keySet());
            for (String k : g1.keySet()) {
                assertTrue(g2.get(k).norm2Number().doubleValue() > 0, k + ": vacuous");
                assertEquals(g2.get(k), g1.get(k), k + " (" + type + ")");
            }
        }
    }

    @Test
    void otherRectifiersRunDl4jsCode() {
        Relu capped = new Relu();
        capped.setActivationFn(new ActivationReLU(0.3, 0.0, 0.0));
        ComputationGraph ours = graph(capped, DataType.FLOAT);
        INDArray x = Nd4j.rand(DataType.FLOAT, 6, 13);
        ComputationGraph dl4j = graph(new ActivationLayer.Builder().activation(new ActivationReLU(0.3, 0.0, 0.0))
                .build(), DataType.FLOAT);
        dl4j.setParams(ours.params().dup());
        assertEquals(dl4j.outputSingle(x), ours.outputSingle(x));
        assertTrue(ours.outputSingle(x).maxNumber().doubleValue() <= 0.3 + 1e-6, "capped");
    }

    @Test
    void savedModelsComeBackWithThisLayer(@TempDir Path dir) throws Exception {
        ComputationGraph net = graph(new Relu(), DataType.FLOAT);
        File file = dir.resolve("model.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
        assertInstanceOf(Relu.Impl.class, restored.getLayer("relu"));
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 13).subi(0.5);
        assertEquals(net.outputSingle(x), restored.outputSingle(x));
    }

    private static ComputationGraph graph(Layer relu, DataType type) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).updater(new NoOp())
                .dataType(type).graphBuilder().addInputs("in")
                .addLayer("below", new DenseLayer.Builder().nOut(13).activation(Activation.IDENTITY).build(), "in")
                .addLayer("relu", relu, "below")
                .addLayer("out", new LossLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY).build(), "relu")
                .setOutputs("out").setInputTypes(InputType.feedForward(13)).build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }
}
