package org.spikekd.sparse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.spikekd.distill.DistillationLoss;
import org.spikekd.layer.Convolution;
import org.spikekd.model.NetworkFactory;
import org.spikekd.model.NetworkRole;
import org.spikekd.model.SpikingSettings;
import org.spikekd.model.VggArchitecture;
import org.spikekd.model.GraphGradients;

/**
 * A spiking student (the reference network's shape, narrower) computes the same loss and
 * gradients whether its convolutions run dense or sparse, and learns the same way over a few
 * steps; its saved form does not depend on the path.
 */
class SparseStudentTest {

    @Test
    void denseAndSparsePathsTrainTheSameStudent() {
        ComputationGraph dense = student();
        ComputationGraph sparse = student();
        sparse.setParams(dense.params().dup());
        choose(dense, PathChoice.Mode.DENSE);
        choose(sparse, PathChoice.Mode.SPARSE);
        assertEquals(dense.getConfiguration().toJson(), sparse.getConfiguration().toJson(), "paths are not saved");

        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 1, 28, 28);
        // [one-hot | teacher logits], what a KD student trains on
        INDArray labels = Nd4j.hstack(Nd4j.zeros(DataType.FLOAT, 8, 10), Nd4j.randn(DataType.FLOAT, 8, 10));
        for (int i = 0; i < 8; i++) {
            labels.putScalar(i, i % 10, 1);
        }
        Map<String, INDArray> gd = GraphGradients.of(dense, x, labels);
        Map<String, INDArray> gs = GraphGradients.of(sparse, x, labels);
        assertEquals(dense.score(), sparse.score(), 1e-5 * Math.abs(dense.score()));
        for (String k : gd.keySet()) {
            double scale = gd.get(k).norm2Number().doubleValue();
            if (k.endsWith(".conv_W")) {
                assertTrue(scale > 0, k + " has a zero gradient: the comparison would be vacuous");
            }
            double diff = gd.get(k).sub(gs.get(k)).norm2Number().doubleValue();
            // spikes are thresholds: a membrane within float rounding of the threshold may fire on
            // one path and not the other, so the bound is looser than a single layer's
            assertTrue(diff <= 1e-3 * scale + 1e-7, k + ": gradients differ by " + diff + " (norm " + scale + ")");
        }
        for (int step = 0; step < 3; step++) {
            MultiDataSet batch = new MultiDataSet(new INDArray[] {x}, new INDArray[] {labels});
            dense.fit(batch);
            sparse.fit(batch);
        }
        double drift = dense.params().sub(sparse.params()).amaxNumber().doubleValue();
        assertTrue(drift < 1e-3, "after 3 Adam steps the parameters differ by " + drift);
        long sparseCalls = convolutions(sparse).stream().mapToLong(c -> c.forwardPath().sparseCalls()).sum();
        assertTrue(sparseCalls > 0, "the sparse student ran its convolutions sparse");
    }

    private static ComputationGraph student() {
        return new NetworkFactory(new VggArchitecture(List.of(List.of(8, 16), List.of(16)), "avg", List.of(32)),
                NetworkRole.STUDENT).input(1, 28, 28).classes(10).normalization(new double[] {0.286},
                new double[] {0.353}).spiking(SpikingSettings.defaults().withTimeSteps(4))
                .loss(new DistillationLoss(4.0, 0.5)).updater(new Adam(1e-3), 0).seed(1).build();
    }

    private static List<Convolution.Impl> convolutions(ComputationGraph net) {
        List<Convolution.Impl> convs = new java.util.ArrayList<>();
        for (Layer l : net.getLayers()) {
            if (l instanceof Convolution.Impl c) {
                convs.add(c);
            }
        }
        return convs;
    }

    private static void choose(ComputationGraph net, PathChoice.Mode mode) {
        convolutions(net).forEach(c -> c.choosePaths(mode));
    }
}
