package org.spikekd.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;
import org.spikekd.data.source.TrainingSplit;
import org.spikekd.run.TrainingRun;

/** A network's initial weights are decided by train.seed, and follow PyTorch's default scale. */
class InitializationTest {
    static ComputationGraph network(long seed) throws Exception {
        JobConfig c = JobConfig.load(null, List.of("data.train-limit=64", "model.vgg.stages=[[8],[16]]",
                "model.vgg.hidden=[32]", "train.seed=" + seed));
        JobSettings s = new JobSettings(c);
        TrainingSplit train = s.data().loader().trainingSplit(64);
        return TrainingRun.newNetwork(s, train, null);
    }

    @Test
    void theSeedDecidesTheInitialWeights() throws Exception {
        INDArray a = network(7).params();
        assertEquals(a, network(7).params(), "the same seed: the same network, call after call");
        assertNotEquals(a, network(8).params(), "another seed: another network");
    }

    @Test
    void weightsAreUniformWithinOneOverRootFanIn() throws Exception {
        ComputationGraph net = network(0);
        // the first convolution: 1 input channel, 3x3 kernel, so fan-in 9 and bound 1/3
        INDArray w = firstConvolutionWeights(net);
        double bound = 1.0 / 3.0;
        assertTrue(w.maxNumber().doubleValue() <= bound && w.minNumber().doubleValue() >= -bound, w.toString());
        // U(-b, b) has variance b^2 / 3; 72 draws land within 40% of it
        double variance = w.varNumber().doubleValue();
        assertTrue(Math.abs(variance - bound * bound / 3) < 0.4 * bound * bound / 3, "variance " + variance);
    }

    private static INDArray firstConvolutionWeights(ComputationGraph net) {
        for (var layer : net.getLayers()) { // in topological order
            if (layer instanceof org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) {
                return layer.getParam("W");
            }
        }
        throw new AssertionError("no convolution in " + net.summary());
    }
}
