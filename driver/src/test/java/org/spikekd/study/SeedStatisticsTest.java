package org.spikekd.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SeedStatisticsTest {
    @Test
    void meanStandardDeviationAndTIntervalMatchTheTextbook() {
        // 1, 2, 3: mean 2, sample sd 1; t(0.975, 2 df) = 4.302653 (any t table)
        SeedStatistics s = SeedStatistics.of(List.of(1.0, 2.0, 3.0));
        assertEquals(2.0, s.mean(), 1e-12);
        assertEquals(1.0, s.std(), 1e-12);
        assertEquals(4.302653 / Math.sqrt(3), s.halfWidth95(), 1e-6);
        Map<String, Object> m = s.interval();
        assertEquals(2 - 4.302653 / Math.sqrt(3), (double) m.get("ci95_low"), 1e-6);
        assertEquals(2 + 4.302653 / Math.sqrt(3), (double) m.get("ci95_high"), 1e-6);
        assertEquals(List.of(1.0, 2.0, 3.0), m.get("runs"));
    }

    @Test
    void pairingTakesTheDifferenceSeedBySeed() {
        // KD and direct move together with the seed; their differences are 0.4, 0.5, 0.6
        SeedStatistics d = SeedStatistics.paired(List.of(0.90, 0.80, 0.85), List.of(0.50, 0.30, 0.25));
        assertEquals(0.5, d.mean(), 1e-12);
        assertEquals(0.1, d.std(), 1e-12);
        // t(0.975, 2 df) * 0.1 / sqrt(3): far narrower than the unpaired spread of each side
        assertEquals(0.4302653 / Math.sqrt(3), d.halfWidth95(), 1e-6);
        assertThrows(IllegalArgumentException.class, () -> SeedStatistics.paired(List.of(1.0), List.of(1.0, 2.0)));
    }

    @Test
    void oneSeedHasNoInterval() {
        Map<String, Object> m = SeedStatistics.of(List.of(0.9)).interval();
        assertEquals(0.0, m.get("std"));
        assertNull(m.get("ci95_low"));
        assertNull(m.get("ci95_high"));
    }
}
