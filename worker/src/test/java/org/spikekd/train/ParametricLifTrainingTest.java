package org.spikekd.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.spikekd.distill.DistillationLoss;
import org.spikekd.encoding.Encoding;
import org.spikekd.model.NetworkFactory;
import org.spikekd.model.NetworkRole;
import org.spikekd.model.SpikingSettings;
import org.spikekd.model.VggArchitecture;
import org.spikekd.neuron.ParametricLifNeuron;
import org.spikekd.neuron.SpikingLayer;
import org.spikekd.neuron.SpikingLayerImpl;

/**
 * A PLIF student's learned leaks train as parameters: SGD moves each by the learning rate times its
 * gradient, and by the new rate after the trainer changes it (DL4J's own setter reaches only its
 * layers with weights); the network's JSON and parameters give the same network back.
 */
class ParametricLifTrainingTest {

    private static ComputationGraph student(double learningRate) {
        return student(new Sgd(learningRate));
    }

    private static ComputationGraph student(org.nd4j.linalg.learning.config.IUpdater updater) {
        SpikingLayer neuron = new SpikingLayer().setNeuron("plif").setTau(2.0).setDecayInput(true);
        return new NetworkFactory(new VggArchitecture(List.of(List.of(4)), "avg", List.of(8)), NetworkRole.STUDENT)
                .input(1, 8, 8).classes(3).spiking(new SpikingSettings(Encoding.DIRECT, 3, neuron))
                .loss(new DistillationLoss(2.0, 0.0)).updater(updater, 0).seed(5).build();
    }

    private static MultiDataSet batch() {
        Nd4j.getRandom().setSeed(2);
        INDArray x = Nd4j.rand(DataType.FLOAT, 6, 1, 8, 8);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 6, 3);
        for (int i = 0; i < 6; i++) {
            y.putScalar(i, i % 3, 1.0);
        }
        return new MultiDataSet(new INDArray[] {x}, new INDArray[] {DistillationLoss.labels(y, Nd4j.zeros(DataType.FLOAT, 6, 3))});
    }

    /** The step SGD took on w, and the gradient it took it along (DL4J's gradient is of the minibatch sum). */
    private static double[] stepAndGradient(ComputationGraph net, String w) {
        MultiDataSet data = batch();
        net.setInputs(data.getFeatures());
        net.setLabels(data.getLabels());
        net.computeGradientAndScore();
        double gradient = net.gradient().gradientForVariable().get(w).getDouble(0);
        double before = net.getParam(w).getDouble(0);
        net.fit(data);
        return new double[] {net.getParam(w).getDouble(0) - before, gradient};
    }

    @Test
    void sgdMovesEachLeakByTheLearningRateTimesItsGradientAfterARateChangeToo() {
        ComputationGraph net = student(0.5);
        assertEquals(ParametricLifNeuron.parameterFor(2.0), net.getParam("stage1_w").getDouble(0), 1e-7, "w0 = -ln(tau - 1) = 0");
        double[] first = stepAndGradient(net, "stage1_w");
        assertTrue(Math.abs(first[1]) > 1e-6, "a gradient reaches w: " + first[1]);
        // DL4J divides the summed gradient by the minibatch size
        assertEquals(-0.5 * first[1] / 6, first[0], 1e-5 * Math.abs(first[0]) + 1e-9);
        PartitionTrainer.setLearningRate(net, 0.05);
        double[] second = stepAndGradient(net, "stage1_w");
        assertEquals(-0.05 * second[1] / 6, second[0], 1e-5 * Math.abs(second[0]) + 1e-9);
        SpikingLayerImpl layer = (SpikingLayerImpl) net.getLayer("stage1");
        assertEquals(1.0 + Math.exp(-net.getParam("stage1_w").getDouble(0)), layer.timeConstant(), 1e-9,
                "tau = 1 / sigmoid(w)");
    }

    /** With optimizer state (momentum, Adam's moments), DL4J rebuilds the state when rates change: the leaks' included. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"nesterovs", "adam"})
    void aRateChangeKeepsTheOptimizerStateOfEveryParameter(String optimizer) {
        ComputationGraph net = student(optimizer.equals("adam") ? new org.nd4j.linalg.learning.config.Adam(0.01)
                : new org.nd4j.linalg.learning.config.Nesterovs(0.01, 0.9));
        net.fit(batch());
        INDArray state = net.getUpdater().getStateViewArray().dup();
        PartitionTrainer.setLearningRate(net, 0.002);
        assertArrayEquals(state.data().asFloat(), net.getUpdater().getStateViewArray().data().asFloat(), 0f);
        double before = net.getParam("stage1_w").getDouble(0);
        net.fit(batch());
        assertTrue(net.getParam("stage1_w").getDouble(0) != before, "w still trains");
    }

    @Test
    void aSavedPlifNetworkComesBackWithItsLeaksAndOutputs() {
        ComputationGraph net = student(0.5);
        for (int i = 0; i < 3; i++) {
            net.fit(batch());
        }
        String json = net.getConfiguration().toJson();
        assertTrue(json.contains("\"neuron\" : \"plif\"") && json.contains("Sgd"), "neuron and its updater saved");
        ComputationGraph copy = new ComputationGraph(ComputationGraphConfiguration.fromJson(json));
        copy.init(net.params().dup(), true);
        for (String w : List.of("stage1_w", "fc1.act_w")) {
            assertEquals(net.getParam(w).getDouble(0), copy.getParam(w).getDouble(0), 0.0, w);
            assertFalse(net.getParam(w).getDouble(0) == 0.0, w + " moved from its initial 0");
        }
        INDArray x = batch().getFeatures(0);
        assertArrayEquals(net.outputSingle(x).data().asFloat(), copy.outputSingle(x).data().asFloat(), 0f);

        // a LIF layer's JSON is as before: no updater written
        String lif = new NetworkFactory(new VggArchitecture(List.of(List.of(4)), "avg", List.of(8)), NetworkRole.STUDENT)
                .input(1, 8, 8).classes(3).build().getConfiguration().toJson();
        assertFalse(lif.contains("\"updater\""), "LIF layers' JSON unchanged");
    }
}
