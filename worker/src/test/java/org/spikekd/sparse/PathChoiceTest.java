package org.spikekd.sparse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The automatic choice follows the timings it is given; fixed modes ignore them. */
class PathChoiceTest {

    /** Runs {@code calls} calls on which the sparse path takes {@code sparseNanos} and the dense one {@code denseNanos}. */
    private static int sparseCalls(PathChoice choice, int calls, long sparseNanos, long denseNanos) {
        int sparse = 0;
        for (int i = 0; i < calls; i++) {
            boolean s = choice.sparse();
            choice.took(s, s ? sparseNanos : denseNanos, 0.2);
            sparse += s ? 1 : 0;
        }
        return sparse;
    }

    @Test
    void autoTriesBothThenTakesTheFasterAndKeepsProbing() {
        PathChoice choice = new PathChoice(PathChoice.Mode.AUTO);
        // the first 2 * WINDOW calls alternate
        assertEquals(PathChoice.WINDOW, sparseCalls(choice, 2 * PathChoice.WINDOW, 10, 30));
        // then sparse (faster) except one probe of dense (3 times slower) every 3 * PROBE_EVERY calls
        long interval = PathChoice.probeInterval(3.0);
        assertEquals(3 * PathChoice.PROBE_EVERY, interval);
        int calls = (int) (8 * interval);
        int sparse = sparseCalls(choice, calls, 10, 30);
        assertEquals(calls - 8, sparse);
        assertEquals(10e-6, choice.sparseMillis(), 1e-12);
        assertEquals(0.2, choice.lastRate());
    }

    @Test
    void probesCostAboutOneInProbeEveryOfTheFasterPathHoweverSlowTheOtherIs() {
        assertEquals(PathChoice.PROBE_EVERY, PathChoice.probeInterval(1.0));
        assertEquals(PathChoice.PROBE_EVERY, PathChoice.probeInterval(Double.NaN), "a 0 ns timing");
        for (long slower : new long[] {12, 30, 80, 1000}) {
            PathChoice choice = new PathChoice(PathChoice.Mode.AUTO);
            sparseCalls(choice, 2 * PathChoice.WINDOW, 10, slower);
            int calls = 4096;
            int probes = calls - sparseCalls(choice, calls, 10, slower);
            assertTrue(probes >= 1, slower + ": still probed");
            double extra = probes * (slower - 10) / (calls * 10.0);
            double bound = slower <= 10 * PathChoice.MAX_STRETCH ? 1.0 / PathChoice.PROBE_EVERY
                    : (slower / 10.0) / (PathChoice.PROBE_EVERY * PathChoice.MAX_STRETCH);
            assertTrue(extra <= bound, slower + ": probes added " + extra + " of the faster path's time");
        }
    }

    @Test
    void aDriftInTimingsMovesTheChoice() {
        PathChoice choice = new PathChoice(PathChoice.Mode.AUTO);
        sparseCalls(choice, 100, 10, 30);
        // the sparse path becomes slower (say, the layer fires more): as soon as its own timings show it
        sparseCalls(choice, 10 * PathChoice.PROBE_EVERY, 50, 30);
        long interval = PathChoice.probeInterval(50.0 / 30);
        int sparse = sparseCalls(choice, (int) (4 * interval), 50, 30);
        assertEquals(4, sparse, "only the probes take the slower sparse path");
        // and sparse becomes the faster again: probes find it once they are most of its timings
        // (medians of WINDOW), after 3 probes here
        sparseCalls(choice, (int) (4 * interval), 10, 30);
        assertTrue(sparseCalls(choice, 2 * PathChoice.WINDOW, 10, 30) >= 2 * PathChoice.WINDOW - 1, "sparse again");
    }

    @Test
    void fixedModesIgnoreTimings() {
        PathChoice dense = new PathChoice(PathChoice.Mode.DENSE);
        assertEquals(0, sparseCalls(dense, 100, 1, 1000));
        PathChoice sparse = new PathChoice(PathChoice.Mode.SPARSE);
        assertEquals(100, sparseCalls(sparse, 100, 1000, 1));
    }

    @Test
    void settingsAreNamedInErrors() {
        assertEquals(PathChoice.Mode.SPARSE, PathChoice.Mode.parse(" Sparse", "-D" + PathChoice.Mode.PROPERTY));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PathChoice.Mode.parse("fast", "-D" + PathChoice.Mode.PROPERTY));
        assertTrue(e.getMessage().contains("spikekd.convolution"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }
}
