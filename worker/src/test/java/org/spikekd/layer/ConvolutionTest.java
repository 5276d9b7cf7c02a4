package org.spikekd.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
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
 * SpikeKD's convolution must compute what DL4J's does, gradients included, while skipping the
 * forward pass DL4J repeats in its backward pass. Finite-difference checks of whole networks built
 * from it are in StudentGraphGradientCheckTest.
 */
class ConvolutionTest {

    @ParameterizedTest(name = "kernel {0}, stride {1}, {2} mode, padding {3}, bias {4}, {5}")
    @CsvSource({"3, 1, Same, 0, false, NCHW", "3, 2, Same, 0, false, NCHW", "1, 1, Same, 0, true, NCHW",
            "3, 2, Truncate, 1, true, NCHW", "7, 2, Same, 0, false, NCHW",
            "3, 1, Same, 0, false, NHWC", "3, 2, Same, 0, true, NHWC", "3, 2, Truncate, 1, true, NHWC",
            "7, 2, Same, 0, false, NHWC"})
    void sameOutputAndGradientsAsDl4jsConvolution(int kernel, int stride, ConvolutionMode mode, int padding,
                                                  boolean bias, CNN2DFormat format) {
        ConvolutionLayer.Builder b = new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride)
                .padding(padding, padding).convolutionMode(mode).nOut(6).hasBias(bias).activation(Activation.IDENTITY);
        ComputationGraph ours = graph(Convolution.of(b), format);
        ComputationGraph dl4j = graph(b.build(), format);
        dl4j.setParams(ours.params().dup());
        assertInstanceOf(Convolution.Impl.class, ours.getLayer("conv"));

        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.FLOAT, format == CNN2DFormat.NCHW ? new long[] {4, 3, 11, 11}
                : new long[] {4, 11, 11, 3}).subi(0.5);
        INDArray out = ours.outputSingle(x);
        INDArray y = Nd4j.rand(DataType.FLOAT, out.shape());
        assertEquals(dl4j.outputSingle(x), out);

        Map<String, INDArray> g1 = GraphGradients.of(ours, x, y);
        Map<String, INDArray> g2 = GraphGradients.of(dl4j, x, y);
        assertEquals(g2.keySet(), g1.keySet());
        assertTrue(g1.containsKey("below_W"));
        for (String k : g1.keySet()) {
            double scale = g2.get(k).norm2Number().doubleValue();
            assertTrue(scale > 0, k + " has a zero gradient: the check would be vacuous");
            double diff = g1.get(k).sub(g2.get(k)).norm2Number().doubleValue();
            assertTrue(diff <= 1e-5 * scale, k + ": gradients differ by " + diff + " (norm " + scale + ")");
        }
    }

    /**
     * Channels-last, the sparse paths (the forward gather and, where the input gradient is a
     * convolution, the split backward) compute what DL4J's convolution does, to float rounding.
     */
    @ParameterizedTest(name = "kernel {0}, stride {1}, {2} mode, padding {3}, bias {4}, {5} paths")
    @CsvSource({"3, 1, Same, 0, false, SPARSE", "3, 1, Same, 0, true, SPARSE", "3, 2, Same, 0, true, SPARSE",
            "3, 2, Truncate, 1, true, SPARSE", "1, 1, Same, 0, true, SPARSE", "7, 2, Same, 0, false, SPARSE",
            "3, 1, Same, 0, true, DENSE"})
    void eachPathGivesDl4jsOutputAndGradients(int kernel, int stride, ConvolutionMode mode, int padding, boolean bias,
                                              org.spikekd.sparse.PathChoice.Mode paths) {
        ConvolutionLayer.Builder b = new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride)
                .padding(padding, padding).convolutionMode(mode).nOut(6).hasBias(bias).activation(Activation.IDENTITY);
        ComputationGraph ours = graph(Convolution.of(b), CNN2DFormat.NHWC);
        ComputationGraph dl4j = graph(b.build(), CNN2DFormat.NHWC);
        dl4j.setParams(ours.params().dup());
        Convolution.Impl conv = (Convolution.Impl) ours.getLayer("conv");
        conv.choosePaths(paths);

        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 11, 11, 3).subi(0.5);
        INDArray out = ours.outputSingle(x);
        INDArray expected = dl4j.outputSingle(x);
        assertTrue(out.sub(expected).amaxNumber().doubleValue() <= 1e-5 * expected.amaxNumber().doubleValue(),
                "outputs differ");
        INDArray y = Nd4j.rand(DataType.FLOAT, out.shape());
        Map<String, INDArray> g1 = GraphGradients.of(ours, x, y);
        Map<String, INDArray> g2 = GraphGradients.of(dl4j, x, y);
        assertEquals(g2.keySet(), g1.keySet());
        for (String k : g1.keySet()) {
            double scale = g2.get(k).norm2Number().doubleValue();
            assertTrue(scale > 0, k + " has a zero gradient: the check would be vacuous");
            double diff = g1.get(k).sub(g2.get(k)).norm2Number().doubleValue();
            assertTrue(diff <= 1e-5 * scale, k + ": gradients differ by " + diff + " (norm " + scale + ")");
        }
        long sparseCalls = conv.forwardPath().sparseCalls() + conv.backwardPath().sparseCalls();
        if (paths == org.spikekd.sparse.PathChoice.Mode.SPARSE) {
            assertEquals(1, conv.forwardPath().sparseCalls(), "the training forward pass took the sparse path");
            assertEquals(stride == 1 && kernel % 2 == 1 && mode == ConvolutionMode.Same ? 1 : 0,
                    conv.backwardPath().sparseCalls(), "split backward exactly where the input gradient is a convolution");
        } else {
            assertEquals(0, sparseCalls);
        }
    }

    @Test
    void savedModelsComeBackWithThisLayer(@TempDir Path dir) throws Exception {
        ComputationGraph net = graph(Convolution.of(new ConvolutionLayer.Builder(3, 3).nOut(4)
                .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY)), CNN2DFormat.NCHW);
        File file = dir.resolve("model.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
        assertInstanceOf(Convolution.Impl.class, restored.getLayer("conv"));
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 11, 11);
        assertEquals(net.outputSingle(x), restored.outputSingle(x));
    }

    private static ComputationGraph graph(Layer conv, CNN2DFormat format) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).updater(new NoOp())
                .dataType(DataType.FLOAT).graphBuilder().addInputs("in")
                // a layer below, whose gradients depend on the gradient the tested layer passes down
                .addLayer("below", new ConvolutionLayer.Builder(1, 1).nOut(3).activation(Activation.IDENTITY).build(), "in")
                .addLayer("conv", conv, "below")
                .addLayer("out", new LossLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY).build(), "conv")
                .setOutputs("out").setInputTypes(InputType.convolutional(11, 11, 3, format)).build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }
}
