package org.spikekd.encoding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The encoders turn [N, C, H, W] images into time-folded [T*N, C, H, W] input currents or spikes. */
class EncodingLayersTest {

    static INDArray encode(Layer encoder, INDArray images) {
        return network(encoder, images).feedForward(images, false).get("encode");
    }

    static ComputationGraph network(Layer encoder, INDArray images) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).graphBuilder()
                .addInputs("input").setInputTypes(InputType.convolutional(images.size(2), images.size(3), images.size(1)))
                .addLayer("encode", encoder, "input").setOutputs("encode").build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    @Test
    void directEncodingRepeatsTheImageAtEveryStepTimeMajor() {
        int t = 3;
        INDArray images = Nd4j.rand(DataType.FLOAT, 2, 1, 4, 4);
        INDArray out = encode(new DirectEncodingLayer(t, "encode"), images);
        assertArrayEquals(new long[] {t * 2, 1, 4, 4}, out.shape());
        for (int step = 0; step < t; step++) {
            assertEquals(images, out.get(NDArrayIndex.interval(2 * step, 2 * step + 2)), "step " + step);
        }
    }

    @Test
    void poissonSpikeRatesFollowTheIntensitiesAndClip() {
        int t = 2000;
        float[] intensities = {0f, 0.1f, 0.5f, 0.9f, 1f, -0.3f, 1.7f, 0.25f};
        INDArray images = Nd4j.createFromArray(intensities).reshape(1, 1, 2, 4);
        ComputationGraph net = network(new PoissonEncodingLayer(t, "encode"), images);
        INDArray spikes = net.feedForward(images, false).get("encode").dup();
        assertArrayEquals(new long[] {t, 1, 2, 4}, spikes.shape());
        long ones = spikes.eq(1.0).castTo(DataType.INT).sumNumber().longValue();
        long zeros = spikes.eq(0.0).castTo(DataType.INT).sumNumber().longValue();
        assertEquals(spikes.length(), ones + zeros, "only 0 and 1");
        INDArray rates = spikes.mean(0).reshape(8);
        for (int i = 0; i < intensities.length; i++) {
            double expected = Math.min(1, Math.max(0, intensities[i]));
            double sd = Math.sqrt(expected * (1 - expected) / t);
            assertEquals(expected, rates.getDouble(i), 5 * sd + 1e-9,
                    "rate of a pixel of intensity " + intensities[i]);
        }
        INDArray again = net.feedForward(images, false).get("encode");
        assertTrue(!spikes.equals(again), "a fresh draw at every forward pass");
    }
}
