package org.spikekd.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spikekd.sweep.TrialStore.State;
import org.spikekd.sweep.TrialStore.Trial;

/**
 * The sweep runner's decisions with scripted trials (no training): ASHA stopping, failures
 * recorded and retried, the wall-time budget, and one launch at a time.
 */
class SweepRunnerTest {
    @TempDir Path dir;

    /** Scripted metrics: each step reports the next epoch with the metric {@code metric(trial, epoch)}. */
    interface Script {
        double metric(int trial, int epoch) throws Exception;
    }

    static SweepRunner.TrialTrainer scripted(Script script, List<String> steps) {
        return (trial, config, reported) -> {
            synchronized (steps) {
                steps.add(trial + ":" + (reported + 1));
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("epoch", reported + 1);
            m.put("test_accuracy", script.metric(trial, reported + 1));
            m.put("train_seconds", 1.0);
            m.put("eval_seconds", 0.5);
            return List.of(m);
        };
    }

    SweepSpec spec(String extra) {
        return SweepSpec.parse(ConfigFactory.parseString("name = s\ndirectory = \"" + dir.resolve("s") + "\"\n"
                + "set = [\"train.epochs=4\"]\n"
                + "space { \"train.learning-rate\" { grid = [0.1, 0.2, 0.3, 0.4, 0.5] } }\n"
                + "scheduler { grace-period = 1, reduction-factor = 2 }\n" + extra), "s");
    }

    static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

    private List<Trial> run(SweepSpec spec, SweepRunner.TrialTrainer trainer, boolean retry) throws Exception {
        try (TrialStore store = TrialStore.open(spec.store)) {
            SweepRunner runner = new SweepRunner(spec, store, QUIET);
            if (retry) {
                runner.retryingFailed();
            }
            assertTrue(runner.acquire());
            return runner.run(trainer, 1).trials();
        }
    }

    @Test
    void ashaStopsTrialsWorseThanTheOnesBeforeThemAtEachRung() throws Exception {
        List<String> steps = new ArrayList<>();
        // one at a time; each trial worse than the one before
        List<Trial> trials = run(spec(""), scripted((t, e) -> 0.9 - 0.1 * t + 0.01 * e, steps), false);
        assertEquals(State.COMPLETED, trials.get(0).state(), "the first to reach every rung goes on");
        for (Trial t : trials.subList(1, 5)) {
            assertEquals(State.STOPPED, t.state(), "trial " + t.id() + " is below the median at epoch 1");
            assertEquals(0.9 - 0.1 * t.id() + 0.01, t.metric(), 1e-12, "its metric is the epoch it stopped at");
        }
        assertEquals(List.of("0:1", "0:2", "0:3", "0:4", "1:1", "2:1", "3:1", "4:1"), steps);
        List<Trial> better = run(spec("name = t\ndirectory = \"" + dir.resolve("t") + "\"\n"), scripted((t, e) -> 0.1 * t + 0.01 * e, steps), false);
        assertTrue(better.stream().allMatch(t -> t.state() == State.COMPLETED), "each better than those before");
    }

    @Test
    void aFailedTrialIsRecordedAndRetriedOnRequestAfterItsLastEpoch() throws Exception {
        List<String> steps = new ArrayList<>();
        Script failing = (t, e) -> {
            if (t == 2 && e == 3) {
                throw new IllegalStateException("outer", new java.io.IOException("shard 7 is truncated"));
            }
            return 0.5;
        };
        SweepSpec spec = spec("scheduler.type = none\n");
        List<Trial> trials = run(spec, scripted(failing, steps), false);
        assertEquals(State.FAILED, trials.get(2).state());
        assertEquals("java.io.IOException: shard 7 is truncated", trials.get(2).error(), "the root cause");
        assertNull(trials.get(2).metric());
        assertEquals(4, trials.stream().filter(t -> t.state() == State.COMPLETED).count());

        steps.clear();
        assertTrue(run(spec, scripted(failing, steps), false).get(2).state() == State.FAILED, "not retried unasked");
        assertEquals(List.of(), steps);
        List<Trial> retried = run(spec, scripted((t, e) -> 0.6, steps), true);
        assertEquals(State.COMPLETED, retried.get(2).state());
        assertNull(retried.get(2).error());
        assertEquals(List.of("2:3", "2:4"), steps, "continued after its last recorded epoch");
    }

    @Test
    void theWallTimeBudgetStopsTheSweepAcrossLaunches() throws Exception {
        SweepSpec spec = spec("scheduler.type = none\nbudget.wall-time = 1s\n");
        // each epoch takes 300 ms on the runner's clock, a clock of the test's own: the budget is
        // spent after exactly 4 epochs (1.2 s) however busy the machine is
        AtomicLong clock = new AtomicLong();
        AtomicInteger calls = new AtomicInteger();
        List<String> steps = new ArrayList<>();
        SweepRunner.TrialTrainer slow = scripted((t, e) -> {
            calls.incrementAndGet();
            clock.addAndGet(300_000_000L);
            return 0.5;
        }, steps);
        List<Trial> trials = runOn(clock, spec, slow);
        assertEquals(List.of("0:1", "0:2", "0:3", "0:4"), steps, "trial 0's four epochs, then the budget is spent");
        assertEquals(State.COMPLETED, trials.get(0).state());
        assertTrue(trials.subList(1, trials.size()).stream().allMatch(t -> t.state() == State.PENDING),
                "trials never started stay pending: " + trials);
        try (TrialStore store = TrialStore.open(spec.store)) {
            assertEquals(1.2, store.seconds("s"), 1e-9, "the time spent, recorded for the next launch");
        }
        List<Trial> again = runOn(clock, spec, slow);
        assertEquals(4, calls.get(), "the budget is the sweep's, over launches: nothing more runs");
        assertEquals(trials, again);
    }

    @Test
    void aTrialRunningWhenTheBudgetIsSpentIsStoppedAfterItsEpoch() throws Exception {
        SweepSpec spec = spec("scheduler.type = none\nbudget.wall-time = 1s\n");
        // 400 ms epochs: the budget is checked before each epoch, so trial 0 runs epochs 1-3 (to
        // 0.4, 0.8 and 1.2 s) and is stopped after its third, one short of its four
        AtomicLong clock = new AtomicLong();
        List<String> steps = new ArrayList<>();
        List<Trial> trials = runOn(clock, spec, scripted((t, e) -> {
            clock.addAndGet(400_000_000L);
            return 0.5;
        }, steps));
        assertEquals(List.of("0:1", "0:2", "0:3"), steps);
        assertEquals(State.STOPPED, trials.get(0).state());
    }

    private List<Trial> runOn(AtomicLong clock, SweepSpec spec, SweepRunner.TrialTrainer trainer) throws Exception {
        try (TrialStore store = TrialStore.open(spec.store)) {
            SweepRunner runner = new SweepRunner(spec, store, QUIET).withClock(clock::get);
            assertTrue(runner.acquire());
            return runner.run(trainer, 1).trials();
        }
    }

    @Test
    void oneLaunchRunsASweepAtATime() throws Exception {
        SweepSpec spec = spec("");
        try (TrialStore store = TrialStore.open(spec.store)) {
            SweepRunner first = new SweepRunner(spec, store, QUIET);
            ByteArrayOutputStream said = new ByteArrayOutputStream();
            SweepRunner second = new SweepRunner(spec, store, new PrintStream(said, true));
            assertTrue(first.acquire());
            assertFalse(second.acquire(), "the first is alive");
            assertTrue(said.toString().contains("is being run by"), said.toString());
            first.release();
            assertTrue(second.acquire(), "the first is done with it");
            second.release();
        }
    }

    @Test
    void aDirectoryHoldingAnotherSweepIsRefused() throws Exception {
        try (TrialStore store = TrialStore.open(spec("").store)) {
            assertTrue(new SweepRunner(spec(""), store, QUIET).acquire());
        }
        SweepSpec other = spec("samples = 2\n");
        try (TrialStore store = TrialStore.open(other.store)) {
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                    () -> new SweepRunner(other, store, QUIET).acquire());
            assertTrue(e.getMessage().contains("holds another sweep"), e.getMessage());
        }
    }
}
