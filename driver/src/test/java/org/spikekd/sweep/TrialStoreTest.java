package org.spikekd.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spikekd.sweep.TrialStore.State;

/**
 * The trial store, embedded (SQLite) and on a real PostgreSQL server: what a sweep records
 * survives the process, and re-registering is idempotent.
 */
class TrialStoreTest {
    @TempDir Path dir;

    static final List<List<String>> TRIALS = List.of(
            List.of("train.learning-rate=0.001"), List.of("train.learning-rate=0.01"), List.of("train.learning-rate=0.1"));

    @Test
    void aSweepSurvivesItsProcessAndContinuesWhereItStopped() throws SQLException {
        survivesItsProcess(TrialStore.sqliteIn(dir));
    }

    @Test
    void theSameOnPostgreSql() throws Exception {
        try (LocalPostgres pg = LocalPostgres.start(dir)) {
            survivesItsProcess(pg.url);
            try (TrialStore store = TrialStore.open(pg.url)) {
                assertThrows(SQLException.class, () -> store.register("lr", "spec-2", TRIALS));
            }
        }
    }

    private static void survivesItsProcess(String url) throws SQLException {
        try (TrialStore store = TrialStore.open(url)) {
            store.register("lr", "spec-1", TRIALS);
            assertEquals(0, store.claimNext("lr").orElseThrow().id());
            store.report("lr", 0, 1, Map.of("test_accuracy", 0.7));
            store.report("lr", 0, 2, Map.of("test_accuracy", 0.8));
            store.finish("lr", 0, State.COMPLETED, 0.8, "/runs/t0");
            assertEquals(1, store.claimNext("lr").orElseThrow().id());
            store.report("lr", 1, 1, Map.of("test_accuracy", 0.5));
            // the process dies here, trial 1 RUNNING
        }
        try (TrialStore store = TrialStore.open(url)) {
            store.register("lr", "spec-1", TRIALS); // the same command again: nothing new
            List<TrialStore.Trial> trials = store.trials("lr");
            assertEquals(3, trials.size());
            assertEquals(State.COMPLETED, trials.get(0).state());
            assertEquals(0.8, trials.get(0).metric());
            assertEquals(List.of("train.learning-rate=0.001"), trials.get(0).overrides());
            assertTrue(trials.get(0).started() != null && trials.get(0).finished() != null);
            assertEquals(State.RUNNING, trials.get(1).state());
            String started = trials.get(1).started();
            assertEquals(1, store.requeueInterrupted("lr"));
            // the interrupted trial keeps its reports: it continues after its last reported epoch
            assertEquals(List.of(1, 2, 1), store.reports("lr").stream().map(TrialStore.Report::epoch).toList());
            assertEquals(1, store.claimNext("lr").orElseThrow().id(), "the interrupted trial first");
            assertEquals(started, store.trials("lr").get(1).started(), "it keeps its first start time");
            assertEquals(2, store.claimNext("lr").orElseThrow().id());
            assertTrue(store.claimNext("lr").isEmpty());
            store.fail("lr", 2, "java.lang.IllegalStateException: diverged", "/runs/t2");
            store.report("lr", 1, 1, Map.of("test_accuracy", 0.6));
            store.report("lr", 1, 1, Map.of("test_accuracy", 0.65)); // the same epoch again: replaced
            store.finish("lr", 1, State.STOPPED, 0.65, "/runs/t1");
        }
        try (TrialStore store = TrialStore.open(url)) {
            List<TrialStore.Trial> trials = store.trials("lr");
            assertEquals(List.of(State.COMPLETED, State.STOPPED, State.FAILED),
                    trials.stream().map(TrialStore.Trial::state).toList());
            assertNull(trials.get(2).metric());
            assertTrue(trials.get(2).error().contains("diverged"));
            List<TrialStore.Report> reports = store.reports("lr");
            assertEquals(List.of(0, 0, 1), reports.stream().map(TrialStore.Report::trial).toList(), "in arrival order");
            assertEquals(0.65, reports.get(2).metrics().get("test_accuracy"));
            store.setSeconds("lr", 12.5);
        }
        try (TrialStore store = TrialStore.open(url)) {
            assertEquals(12.5, store.seconds("lr"), "the running time over launches");
        }
    }

    @Test
    void oneLaunchAtATimeHoldsASweep() throws SQLException {
        try (TrialStore store = TrialStore.open(TrialStore.sqliteIn(dir))) {
            store.register("lr", "spec-1", TRIALS);
            assertNull(store.holder("lr"));
            long now = System.currentTimeMillis();
            assertEquals("a", store.lease("lr", "a", null, now - 60_000).owner());
            assertEquals("a", store.lease("lr", "b", null, now - 60_000).owner(), "a lives: b does not get it");
            assertTrue(store.heartbeat("lr", "a"));
            assertFalse(store.heartbeat("lr", "b"));
            assertEquals("b", store.lease("lr", "b", "a", now - 60_000).owner(), "a is known dead: b takes it");
            assertFalse(store.heartbeat("lr", "a"), "a learns that it lost the sweep");
            assertEquals("c", store.lease("lr", "c", null, System.currentTimeMillis() + 1).owner(),
                    "b's heartbeat is stale: c takes it");
            store.release("lr", "b");
            assertEquals("c", store.holder("lr").owner(), "only the holder releases");
            store.release("lr", "c");
            assertNull(store.holder("lr"));
        }
    }

    @Test
    void anotherSpecUnderTheSameNameIsRefused() throws SQLException {
        try (TrialStore store = TrialStore.open(TrialStore.sqliteIn(dir))) {
            store.register("lr", "spec-1", TRIALS);
            SQLException e = assertThrows(SQLException.class, () -> store.register("lr", "spec-2", TRIALS));
            assertTrue(e.getMessage().contains("another spec"), e.getMessage());
            store.register("other", "spec-2", TRIALS.subList(0, 1));
            assertEquals(1, store.trials("other").size());
            assertEquals(3, store.trials("lr").size());
        }
    }
}
