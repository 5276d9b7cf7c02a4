package org.spikekd.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.data.LabeledImages;
import org.spikekd.data.source.DatasetLoader;
import org.spikekd.encoding.Encoding;
import org.spikekd.model.NetworkFactory;
import org.spikekd.model.NetworkRole;
import org.spikekd.model.SpikingSettings;
import org.spikekd.model.TimeSteps;
import org.spikekd.model.VggArchitecture;
import org.spikekd.neuron.LifNeuron;
import org.spikekd.neuron.SpikingNeuron;
import org.spikekd.surrogate.SigmoidSurrogate;

/**
 * Evaluating a student at T = 1..16 in one simulation gives what running it at each T gives, and a
 * neuron run in pieces with its membrane carried over spikes as in one run.
 */
class TimeStepEvaluationTest {
    static LabeledImages images;
    static ComputationGraph student;

    @BeforeAll
    static void setUp() throws Exception {
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        images = new DatasetLoader("idx", "/usr/share/datasets/fashion-mnist", List.of(), 28, true).load("test", 120);
        double[][] norm = images.channelMeanAndStd();
        // made for T = 4; a direct-encoded LIF student, untrained, with a threshold low enough that
        // every layer fires at its initial weights (so its output depends on its input and on T)
        student = new NetworkFactory(new VggArchitecture(List.of(List.of(8), List.of(16)), "avg", List.of(32)),
                NetworkRole.STUDENT).normalization(norm[0], norm[1])
                .spiking(new SpikingSettings(Encoding.DIRECT, 4, new org.spikekd.neuron.SpikingLayer().setVThreshold(0.25)))
                .seed(3).build();
    }

    @Test
    void aNeuronRunInPiecesSpikesAsInOneRun() {
        SpikingNeuron lif = new LifNeuron(2.0, false, 1.0, SpikingNeuron.Reset.HARD, 0.0, false,
                new SigmoidSurrogate(4.0), false);
        INDArray current = Nd4j.rand(DataType.FLOAT, 6 * 5, 7).muli(1.5);
        SpikingNeuron.Trace whole = lif.forward(current, 6);
        SpikingNeuron.Trace first = lif.forward(current.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 15)).dup(), 3);
        SpikingNeuron.Trace rest = lif.forward(current.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(15, 30)).dup(), 3,
                first.membrane);
        assertEquals(whole.spikes.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 3)), first.spikes);
        assertEquals(whole.spikes.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(3, 6)), rest.spikes);
        assertEquals(whole.membrane, rest.membrane);
        assertTrue(whole.spikes.sumNumber().doubleValue() > 0, "the test current should make spikes");
    }

    @Test
    void oneSimulationGivesEachTimeStepsEvaluation() {
        int[] steps = {2, 4, 6, 8, 12};
        List<EvaluationTally> stepwise = Evaluator.tallyAtTimeSteps(student, images, 50, steps);
        assertEquals(steps.length, stepwise.size());
        for (int i = 0; i < steps.length; i++) {
            EvaluationResult atT = Evaluator.evaluate(TimeSteps.retimed(student, steps[i]), images, 50);
            EvaluationResult fromOne = stepwise.get(i).result(0);
            assertEquals(atT.examples, fromOne.examples);
            assertEquals(atT.accuracy, fromOne.accuracy, 1.5 / images.size(), "accuracy at T=" + steps[i]);
            assertEquals(atT.loss, fromOne.loss, 1e-4, "loss at T=" + steps[i]);
            assertEquals(atT.firingRates.keySet(), fromOne.firingRates.keySet());
            for (String layer : atT.firingRates.keySet()) {
                assertEquals(atT.firingRates.get(layer), fromOne.firingRates.get(layer), 1e-6,
                        "firing rate of " + layer + " at T=" + steps[i]);
            }
        }
        for (int i = 1; i < steps.length; i++) {
            assertTrue(stepwise.get(i).result(0).loss != stepwise.get(0).result(0).loss, "the output should change with T");
        }
        stepwise.get(0).result(0).firingRates.forEach((layer, rate) -> assertTrue(rate > 0, layer + " is silent"));
        // and the retimed network at the student's own T is the student
        EvaluationResult own = Evaluator.evaluate(student, images, 50);
        assertEquals(own.loss, stepwise.get(1).result(0).loss, 1e-4);
    }

    @Test
    void aPlanOverPartsMergesToThePlanOverTheWhole() {
        EvaluationPlan plan = new EvaluationPlan(List.of(org.spikekd.noise.Corruption.none(),
                new org.spikekd.noise.Corruption(org.spikekd.noise.NoiseKind.GAUSSIAN, 0.2, 5)), new int[] {2, 4});
        assertEquals(4, plan.size());
        List<EvaluationTally> whole = plan.tally(student, images, 60);
        // parts on batch boundaries: the same minibatches, so the same numbers exactly
        List<EvaluationTally> merged = EvaluationPlan.merge(EvaluationPlan.merge(new java.util.ArrayList<>(),
                plan.tally(student, images.slice(0, 60), 60)), plan.tally(student, images.slice(60, 120), 60));
        for (int i = 0; i < plan.size(); i++) {
            EvaluationResult a = whole.get(i).result(0);
            EvaluationResult b = merged.get(i).result(0);
            assertEquals(a.examples, b.examples);
            assertEquals(a.accuracy, b.accuracy, 0.0);
            assertEquals(a.loss, b.loss, 1e-9);
            assertEquals(a.firingRates, b.firingRates);
        }
        // and the noise is there: noisy images give another loss
        assertTrue(whole.get(0).result(0).loss != whole.get(2).result(0).loss);
    }

    @Test
    void energyGrowsWithTheStepsRun() {
        List<EvaluationTally> stepwise = Evaluator.tallyAtTimeSteps(student, images, 60, new int[] {1, 16});
        EvaluationResult one = stepwise.get(0).result(0);
        EvaluationResult sixteen = stepwise.get(1).result(0);
        double e1 = EnergyEstimate.of(student, one.input, one.firingRates, 1).synapticOps;
        double e16 = EnergyEstimate.of(student, sixteen.input, sixteen.firingRates, 16).synapticOps;
        assertTrue(e16 > 4 * e1, "synaptic operations at T=16 (" + e16 + ") against T=1 (" + e1 + ")");
    }

    @Test
    void badTimeStepsAndAnnsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Evaluator.tallyAtTimeSteps(student, images, 50, new int[] {4, 2}));
        assertThrows(IllegalArgumentException.class, () -> Evaluator.tallyAtTimeSteps(student, images, 50, new int[] {0, 2}));
        ComputationGraph ann = new NetworkFactory(new VggArchitecture(List.of(List.of(8)), "avg", List.of(16)),
                NetworkRole.TEACHER).build();
        String message = assertThrows(IllegalArgumentException.class, () -> TimeSteps.retimed(ann, 4)).getMessage();
        assertTrue(message.contains("not a spiking network"), message);
    }
}
