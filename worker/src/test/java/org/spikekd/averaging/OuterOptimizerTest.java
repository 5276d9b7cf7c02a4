package org.spikekd.averaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.spikekd.encoding.Encoding;
import org.spikekd.model.NetworkFactory;
import org.spikekd.model.NetworkRole;
import org.spikekd.model.SpikingSettings;
import org.spikekd.model.VggArchitecture;
import org.spikekd.neuron.SpikingLayer;
import org.spikekd.train.ModelState;

/** The outer step's arithmetic, by hand, and which parameters it leaves as averaged. */
class OuterOptimizerTest {
    static final boolean[] NO_STATISTICS = new boolean[3];

    static ModelState state(float... parameters) {
        return new ModelState(parameters, new float[] {0.25f, 0.5f}, 10);
    }

    @Test
    void learningRateOneAndNoMomentumAdoptTheMeanItself() {
        ModelState previous = state(0.1f, 0.2f, 0.3f);
        ModelState mean = state(0.7f, -0.2f, 0.30000001f);
        for (OuterOptimizer plain : List.of(new OuterOptimizer(OuterOptimizer.Kind.NONE, 3, 0.9),
                new OuterOptimizer(OuterOptimizer.Kind.NESTEROV, 1, 0))) {
            assertTrue(plain.isPlainAveraging());
            // the mean itself: previous + (mean - previous) would round differently in the last bit
            assertSame(mean, plain.step(previous, mean, NO_STATISTICS));
            assertNull(plain.state(), "plain averaging has no state to checkpoint");
        }
    }

    @Test
    void twoNesterovStepsByHand() {
        double lr = 1.5;
        double mu = 0.5;
        OuterOptimizer outer = new OuterOptimizer(OuterOptimizer.Kind.NESTEROV, lr, mu);
        ModelState p0 = state(1, 2, 3);
        ModelState m1 = state(2, 2, 1); // delta 1, 0, -2
        ModelState p1 = outer.step(p0, m1, NO_STATISTICS);
        // v = delta; next = p + lr (delta + mu v) = p + 1.5 * 1.5 delta
        assertArrayEquals(new float[] {1 + 2.25f, 2, 3 - 4.5f}, p1.parameters, 1e-6f);
        assertSame(m1.updaterState, p1.updaterState, "the optimizer's moments are the mean's");
        assertEquals(m1.iterationCount, p1.iterationCount);

        ModelState m2 = state(p1.parameters[0] + 1, p1.parameters[1] + 1, p1.parameters[2]); // delta 1, 1, 0
        ModelState p2 = outer.step(p1, m2, NO_STATISTICS);
        double[] v = {mu * 1 + 1, mu * 0 + 1, mu * -2 + 0};
        double[] delta = {1, 1, 0};
        for (int i = 0; i < 3; i++) {
            assertEquals(p1.parameters[i] + lr * (delta[i] + mu * v[i]), p2.parameters[i], 1e-5, "parameter " + i);
        }
    }

    @Test
    void runningStatisticsAreTakenFromTheMean() {
        OuterOptimizer outer = new OuterOptimizer(OuterOptimizer.Kind.NESTEROV, 2, 0.9);
        ModelState next = outer.step(state(1, 1, 1), state(2, 2, 2), new boolean[] {false, true, false});
        assertArrayEquals(new float[] {1 + 2 * 1.9f, 2, 1 + 2 * 1.9f}, next.parameters, 1e-6f);
    }

    @Test
    void theVelocityRoundTripsThroughItsCheckpointState() throws Exception {
        OuterOptimizer a = new OuterOptimizer(OuterOptimizer.Kind.NESTEROV, 0.8, 0.9);
        a.step(state(1, 2, 3), state(1.5f, 1, 3.25f), NO_STATISTICS);
        OuterOptimizer b = new OuterOptimizer(OuterOptimizer.Kind.NESTEROV, 0.8, 0.9);
        b.restore(a.state());
        ModelState from = state(0, 0, 0);
        ModelState to = state(0.1f, 0.2f, 0.3f);
        assertArrayEquals(a.step(from, to, NO_STATISTICS).parameters, b.step(from, to, NO_STATISTICS).parameters);
        assertThrows(IllegalStateException.class, () -> b.step(state(1, 2, 3, 4), state(1, 2, 3, 4), new boolean[4]),
                "a velocity of another network is refused");
    }

    @Test
    void warmupRoundsAdoptTheMeanAndTheirCountIsCheckpointed() throws Exception {
        OuterOptimizer outer = new OuterOptimizer(OuterOptimizer.Kind.NESTEROV, 2, 0, 1);
        ModelState mean = state(2, 2, 2);
        assertSame(mean, outer.step(state(1, 1, 1), mean, NO_STATISTICS), "round 1 adopts the mean");
        OuterOptimizer resumed = new OuterOptimizer(OuterOptimizer.Kind.NESTEROV, 2, 0, 1);
        resumed.restore(outer.state());
        // round 2 steps: previous + 2 delta, in the original and in one restored after round 1
        for (OuterOptimizer o : List.of(outer, resumed)) {
            assertArrayEquals(new float[] {4, 4, 4}, o.step(state(2, 2, 2), state(3, 3, 3), NO_STATISTICS).parameters);
        }
    }

    @Test
    void theSettingsScaleTheLearningRateWithThePartitions() {
        AveragingSettings s = settings(0.6);
        OuterOptimizer outer = s.outerOptimizer(4);
        assertEquals(OuterOptimizer.Kind.NESTEROV, outer.kind());
        assertEquals(2.0, outer.learningRate());
        assertEquals(0.6, outer.momentum());
        assertEquals(2.0, s.learningRateScale(4), "sqrt(4)");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> settings(1));
        assertEquals("spark.outer.momentum must be < 1, got 1", e.getMessage());
    }

    private static AveragingSettings settings(double momentum) {
        return new AveragingSettings(0, 0, 0, 1, AveragingSettings.Scaling.SQRT, OuterOptimizer.Kind.NESTEROV, 0.5,
                AveragingSettings.Scaling.LINEAR, momentum, 0);
    }

    @Test
    void theMaskMarksBatchNormsRunningMeanAndVarianceOnly() {
        ComputationGraph net = new NetworkFactory(new VggArchitecture(List.of(List.of(8), List.of(16)), "avg",
                List.of(32)), NetworkRole.STUDENT).input(1, 28, 28).classes(10)
                .spiking(new SpikingSettings(Encoding.DIRECT, 4, new SpikingLayer())).build();
        float[] before = net.params().toFloatVector();
        boolean[] mask = RunningStatistics.mask(net);
        assertArrayEquals(before, net.params().toFloatVector(), "the mask leaves the parameters as they were");
        long expected = 0;
        for (Layer layer : net.getLayers()) {
            if (layer.conf().getLayer() instanceof BatchNormalization) {
                expected += 2 * layer.getParam("mean").length();
            }
        }
        long marked = 0;
        for (boolean m : mask) {
            marked += m ? 1 : 0;
        }
        assertTrue(expected > 0, "the student has batch norms");
        assertEquals(expected, marked);
        assertEquals(net.numParams(), mask.length);
    }
}
