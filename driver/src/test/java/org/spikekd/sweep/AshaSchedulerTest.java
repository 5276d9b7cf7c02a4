package org.spikekd.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.spikekd.sweep.AshaScheduler.Decision;

/** ASHA's promotion and stopping decisions on scripted metrics. */
class AshaSchedulerTest {
    @Test
    void rungsAreAtGraceTimesPowersOfTheReductionFactor() {
        assertArrayEquals(new int[] {1, 2, 4, 8}, new AshaScheduler(8, 1, 2, true).milestones());
        assertArrayEquals(new int[] {2, 6}, new AshaScheduler(10, 2, 3, true).milestones());
        assertThrows(IllegalArgumentException.class, () -> new AshaScheduler(4, 5, 2, true));
        assertThrows(IllegalArgumentException.class, () -> new AshaScheduler(4, 1, 1, true));
    }

    @Test
    void aTrialBelowTheTopFractionOfItsRungIsStopped() {
        AshaScheduler asha = new AshaScheduler(4, 1, 2, true);
        // rung 1: the first always continues; then the cutoff is the median of those before
        assertEquals(Decision.CONTINUE, asha.onEpoch("a", 1, 0.5));
        assertEquals(Decision.CONTINUE, asha.onEpoch("b", 1, 0.7)); // cutoff 0.5
        assertEquals(Decision.STOP, asha.onEpoch("c", 1, 0.4));     // cutoff 0.6
        assertEquals(Decision.CONTINUE, asha.onEpoch("d", 1, 0.9)); // cutoff 0.5
        // between rungs nothing is decided
        assertEquals(Decision.CONTINUE, asha.onEpoch("a", 3, 0.0));
        // rung 2
        assertEquals(Decision.CONTINUE, asha.onEpoch("b", 2, 0.75));
        assertEquals(Decision.CONTINUE, asha.onEpoch("d", 2, 0.80)); // cutoff 0.75
        assertEquals(Decision.STOP, asha.onEpoch("a", 2, 0.55));     // cutoff 0.775
        // a trial is judged once per rung
        assertEquals(Decision.CONTINUE, asha.onEpoch("a", 2, 0.0));
    }

    @Test
    void minimizingMirrorsMaximizingAndNanIsWorst() {
        AshaScheduler asha = new AshaScheduler(4, 1, 2, false);
        assertEquals(Decision.CONTINUE, asha.onEpoch("a", 1, 0.5));
        assertEquals(Decision.STOP, asha.onEpoch("b", 1, 0.7));
        assertEquals(Decision.CONTINUE, asha.onEpoch("c", 1, 0.2));
        assertEquals(Decision.STOP, asha.onEpoch("d", 1, Double.NaN));
    }

    @Test
    void replayingTheReportsRebuildsTheSameDecisions() {
        double[][] script = {{1, 0.3}, {1, 0.6}, {1, 0.2}, {1, 0.8}, {1, 0.5}, {2, 0.7}, {2, 0.4}, {2, 0.9}};
        String[] trials = {"t0", "t1", "t2", "t3", "t4", "t1", "t4", "t3"};
        List<Decision> first = run(script, trials);
        assertEquals(first, run(script, trials));
        assertEquals(List.of(Decision.CONTINUE, Decision.CONTINUE, Decision.STOP, Decision.CONTINUE,
                Decision.CONTINUE, Decision.CONTINUE, Decision.STOP, Decision.CONTINUE), first);
    }

    private static List<Decision> run(double[][] script, String[] trials) {
        AshaScheduler asha = new AshaScheduler(8, 1, 2, true);
        List<Decision> out = new ArrayList<>();
        for (int i = 0; i < script.length; i++) {
            out.add(asha.onEpoch(trials[i], (int) script[i][0], script[i][1]));
        }
        return out;
    }
}
