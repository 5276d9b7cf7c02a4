package org.spikekd.sweep;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;
import org.spikekd.sweep.TrialStore.State;
import org.spikekd.sweep.TrialStore.Trial;

/**
 * Runs a sweep: registers its trials in the store (once), takes the sweep's lease (one launch at a
 * time; {@link #acquire}), then ({@link #run}) rebuilds the ASHA scheduler from the recorded reports, then keeps {@code trialsAtOnce}
 * trials going until every trial is done or the budget is spent. Each trial is advanced epoch by
 * epoch ({@link TrialTrainer}); after each epoch the report is recorded, then the scheduler
 * decides, then (if it ends the trial) the trial is finished. The store is therefore always a
 * prefix of the sweep: killed at any moment, the next launch continues every interrupted trial
 * after its last recorded epoch and never runs a finished one again.
 */
public final class SweepRunner {
    /** Trains a trial on by one step ({@link TrialStep#advance}), wherever the sweep's mode runs it. */
    public interface TrialTrainer {
        /** @return the metrics of the epochs after {@code reported}, in order (normally one) */
        List<Map<String, Object>> advance(int trial, JobConfig config, int reported) throws Exception;
    }

    /** How a launch ended: its trials afterwards, and whether the wall-time budget is spent. */
    public record Outcome(List<Trial> trials, boolean budgetSpent) {}

    /** A launch is presumed dead when its heartbeat is this old (its host may be down). */
    static final long STALE_MILLIS = TimeUnit.SECONDS.toMillis(90);
    static final long HEARTBEAT_MILLIS = TimeUnit.SECONDS.toMillis(15);

    private final SweepSpec spec;
    private final TrialStore store;
    private TrialTrainer trainer;
    private int trialsAtOnce;
    private ScheduledExecutorService heartbeat;
    private final PrintStream log;
    private final String owner;
    private final AtomicBoolean leaseLost = new AtomicBoolean();
    private final AshaScheduler asha;
    private final int epochs;
    private boolean retryFailed;
    private SweepDirectory dir;
    private long startNanos;
    private double secondsBefore;
    /** Where the wall-time budget's time comes from: the JVM's monotonic clock; a test's own clock in tests. */
    private LongSupplier nanoClock = System::nanoTime;

    public SweepRunner(SweepSpec spec, TrialStore store, PrintStream log) {
        this.spec = spec;
        this.store = store;
        this.log = log;
        this.owner = thisLaunch();
        this.asha = spec.scheduler == null ? null : spec.scheduler.create();
        this.epochs = new JobSettings(spec.job).epochs();
    }

    /** Measures the wall-time budget on {@code nanoClock} (nanoseconds) instead of the JVM's clock. */
    SweepRunner withClock(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        return this;
    }

    /** This launch also runs the trials that failed before, after their last recorded epoch. */
    public SweepRunner retryingFailed() {
        this.retryFailed = true;
        return this;
    }

    /**
     * Records the sweep in its directory and store if new (checking, if not, that it is the same
     * sweep), then takes its lease. Returns false, having logged who holds it, if another live
     * launch does: then this launch has nothing to do. Call before starting anything costly.
     */
    public boolean acquire() throws IOException, SQLException {
        dir = SweepDirectory.at(spec.directory);
        if (!dir.exists(SweepDirectory.SPEC)) {
            dir.writeAtomically(SweepDirectory.SPEC, spec.rendered);
        } else if (!spec.rendered.equals(spec.renderedWithPassword)
                && dir.read(SweepDirectory.SPEC).equals(spec.renderedWithPassword)) {
            // kept by an earlier version with the store's password: kept from now on without it
            dir.writeAtomically(SweepDirectory.SPEC, spec.rendered);
        } else if (!dir.read(SweepDirectory.SPEC).equals(spec.rendered)) {
            throw new IOException(dir.path() + " holds another sweep (its " + SweepDirectory.SPEC + " differs from this "
                    + "spec); continue that one with --resume " + dir.path() + ", or give this spec another directory");
        }
        if (!spec.rendered.equals(spec.renderedWithPassword)) {
            store.replaceSpec(spec.name, spec.renderedWithPassword, spec.rendered); // likewise in the store
        }
        store.register(spec.name, spec.rendered, spec.trials().stream().map(SearchSpace::overrides).toList());
        TrialStore.Lease holder = store.holder(spec.name);
        String dead = holder != null && isDeadHereAndNow(holder.owner()) ? holder.owner() : null;
        TrialStore.Lease lease = store.lease(spec.name, owner, dead, System.currentTimeMillis() - STALE_MILLIS);
        if (!owner.equals(lease.owner())) {
            long ago = (System.currentTimeMillis() - lease.heartbeatMillis()) / 1000;
            log.println("sweep " + spec.name + " is being run by " + lease.owner() + " (heartbeat " + ago
                    + " s ago); nothing to do here");
            return false;
        }
        heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sweep-heartbeat");
            t.setDaemon(true);
            return t;
        });
        heartbeat.scheduleWithFixedDelay(this::beat, HEARTBEAT_MILLIS, HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
        return true;
    }

    /**
     * Runs the sweep, {@code trialsAtOnce} trials at a time through {@code trainer}, as far as the
     * budget allows, then gives up the lease. Only after {@link #acquire} returned true.
     */
    public Outcome run(TrialTrainer trainer, int trialsAtOnce) throws SQLException, InterruptedException {
        if (heartbeat == null) {
            throw new IllegalStateException("acquire() the sweep first");
        }
        this.trainer = trainer;
        this.trialsAtOnce = Math.max(1, trialsAtOnce);
        try {
            return runHoldingLease();
        } finally {
            release();
        }
    }

    /** Gives up the lease (if held); a launch that acquired the sweep and then cannot run it calls this. */
    public void release() throws SQLException {
        if (heartbeat != null) {
            heartbeat.shutdownNow();
            heartbeat = null;
            if (!leaseLost.get()) {
                store.release(spec.name, owner);
            }
        }
    }

    private Outcome runHoldingLease() throws SQLException, InterruptedException {
        startNanos = nanoClock.getAsLong();
        secondsBefore = store.seconds(spec.name);
        int interrupted = store.requeueInterrupted(spec.name);
        if (retryFailed) {
            log.printf("sweep %s: %d failed trials to retry%n", spec.name, store.requeueFailed(spec.name));
        }
        Map<Integer, TrialProgress> progress = replay();
        settleReplayed(progress);
        List<Trial> all = store.trials(spec.name);
        long pending = all.stream().filter(t -> t.state() == State.PENDING).count();
        log.printf("sweep %s: %d trials (%d done, %d to run%s), %s, %d at once, store %s%n", spec.name, all.size(),
                all.size() - pending, pending, interrupted > 0 ? ", " + interrupted + " of them interrupted" : "",
                asha == null ? "no early stopping" : "ASHA at epochs " + java.util.Arrays.toString(asha.milestones()),
                trialsAtOnce, StoreUrl.redacted(spec.store));
        ExecutorService pool = Executors.newFixedThreadPool(trialsAtOnce, r -> new Thread(r, "sweep-trials"));
        List<Future<?>> workers = new ArrayList<>();
        for (int i = 0; i < trialsAtOnce; i++) {
            workers.add(pool.submit(() -> {
                work(progress);
                return null;
            }));
        }
        pool.shutdown();
        try {
            for (Future<?> w : workers) {
                w.get();
            }
        } catch (java.util.concurrent.ExecutionException e) {
            pool.shutdownNow();
            throw new IllegalStateException("the sweep's trial loop failed: " + e.getCause(), e.getCause());
        }
        recordSeconds();
        if (leaseLost.get()) {
            throw new IllegalStateException("sweep " + spec.name + " was taken over by another launch (this one's "
                    + "heartbeat went stale); this launch stopped");
        }
        return new Outcome(store.trials(spec.name), budgetSpent());
    }

    /** A trial's place in the sweep, from its reports. */
    private static final class TrialProgress {
        int epoch;
        Double metric;
        AshaScheduler.Decision decision = AshaScheduler.Decision.CONTINUE;
    }

    /** Feeds the recorded reports, in their order, to a fresh scheduler: it decides as it did. */
    private Map<Integer, TrialProgress> replay() throws SQLException {
        Map<Integer, TrialProgress> out = new HashMap<>();
        for (TrialStore.Report r : store.reports(spec.name)) {
            TrialProgress p = out.computeIfAbsent(r.trial(), k -> new TrialProgress());
            p.epoch = r.epoch();
            p.metric = metricOf(r.metrics());
            p.decision = decide(r.trial(), r.epoch(), p.metric);
        }
        return out;
    }

    /** Interrupted trials whose last report already ended them (the launch died just after it) end now. */
    private void settleReplayed(Map<Integer, TrialProgress> progress) throws SQLException {
        for (Trial t : store.trials(spec.name)) {
            TrialProgress p = progress.get(t.id());
            if (t.state() != State.PENDING || p == null) {
                continue;
            }
            if (p.decision == AshaScheduler.Decision.STOP && p.epoch < epochs) {
                store.finish(spec.name, t.id(), State.STOPPED, p.metric, runDirectory(t.id()));
            } else if (p.epoch >= epochs) {
                store.finish(spec.name, t.id(), State.COMPLETED, p.metric, runDirectory(t.id()));
            }
        }
    }

    private void work(Map<Integer, TrialProgress> progress) throws SQLException {
        while (!budgetSpent() && !leaseLost.get()) {
            var claimed = store.claimNext(spec.name);
            if (claimed.isEmpty()) {
                return;
            }
            Trial t = claimed.get();
            TrialProgress p;
            synchronized (progress) {
                p = progress.computeIfAbsent(t.id(), k -> new TrialProgress());
            }
            runTrial(t, p);
        }
    }

    private void runTrial(Trial t, TrialProgress p) throws SQLException {
        String runDirectory = runDirectory(t.id());
        JobConfig config = spec.job.with(t.overrides().toArray(String[]::new))
                .withValue("run.dir", dir.trialsUri()).withValue("run.name", SweepDirectory.trialName(t.id()));
        log.printf("trial %d %s: %s%n", t.id(), p.epoch == 0 ? "starts" : "continues after epoch " + p.epoch,
                String.join(" ", t.overrides()));
        try {
            while (true) {
                if (budgetSpent() || leaseLost.get()) {
                    if (p.epoch > 0 && !leaseLost.get()) {
                        store.finish(spec.name, t.id(), State.STOPPED, p.metric, runDirectory);
                        log.printf("trial %d stopped after epoch %d: the wall-time budget is spent%n", t.id(), p.epoch);
                    } else if (!leaseLost.get()) {
                        store.release(spec.name, t.id());
                    }
                    return;
                }
                for (Map<String, Object> m : trainer.advance(t.id(), config, p.epoch)) {
                    int epoch = ((Number) m.get("epoch")).intValue();
                    Double metric = metricOf(m);
                    if (leaseLost.get()) {
                        return; // another launch owns the store's record of this sweep now
                    }
                    store.report(spec.name, t.id(), epoch, m);
                    p.epoch = epoch;
                    p.metric = metric;
                    p.decision = decide(t.id(), epoch, metric);
                    recordSeconds();
                    log.printf("trial %d epoch %d/%d: %s %s%s%n", t.id(), epoch, epochs, spec.metric,
                            metric == null ? "NaN" : String.format("%.4f", metric),
                            p.decision == AshaScheduler.Decision.STOP && epoch < epochs ? " (stopped by ASHA)" : "");
                    if (p.decision == AshaScheduler.Decision.STOP && epoch < epochs) {
                        store.finish(spec.name, t.id(), State.STOPPED, metric, runDirectory);
                        return;
                    }
                    if (epoch >= epochs) {
                        store.finish(spec.name, t.id(), State.COMPLETED, metric, runDirectory);
                        return;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            String error = errorOf(e);
            log.printf("trial %d failed: %s%n", t.id(), error);
            store.fail(spec.name, t.id(), error, runDirectory);
        }
    }

    private AshaScheduler.Decision decide(int trial, int epoch, Double metric) {
        if (asha == null) {
            return AshaScheduler.Decision.CONTINUE;
        }
        synchronized (asha) {
            return asha.onEpoch(Integer.toString(trial), epoch, metric == null ? Double.NaN : metric);
        }
    }

    private Double metricOf(Map<String, Object> metrics) {
        Object v = metrics.get(spec.metric);
        if (!(v instanceof Number)) {
            throw new IllegalStateException("the trial's metrics have no " + spec.metric + ": " + metrics.keySet());
        }
        double d = ((Number) v).doubleValue();
        return Double.isNaN(d) ? null : d;
    }

    private String runDirectory(int trial) {
        return dir.trialRunUri(trial);
    }

    private boolean budgetSpent() {
        return !spec.wallTime.isZero() && secondsSoFar() >= spec.wallTime.toMillis() / 1000.0;
    }

    private double secondsSoFar() {
        return secondsBefore + (nanoClock.getAsLong() - startNanos) / 1e9;
    }

    private void recordSeconds() throws SQLException {
        if (!leaseLost.get()) {
            store.setSeconds(spec.name, secondsSoFar());
        }
    }

    private void beat() {
        try {
            if (!store.heartbeat(spec.name, owner)) {
                leaseLost.set(true);
                log.println("sweep " + spec.name + ": another launch took the sweep over; stopping");
            }
        } catch (SQLException e) {
            log.println("sweep " + spec.name + ": heartbeat failed (" + e.getMessage() + "); retrying");
        }
    }

    /** This launch's name in the store: host, process id and a nonce (process ids are reused). */
    private static String thisLaunch() {
        return hostName() + ":" + ProcessHandle.current().pid() + ":" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** True if {@code owner} was a launch on this host whose process is gone (killed, or the host rebooted). */
    static boolean isDeadHereAndNow(String owner) {
        String[] parts = owner.split(":");
        if (parts.length != 3 || !parts[0].equals(hostName())) {
            return false;
        }
        long pid = Long.parseLong(parts[1]);
        return ProcessHandle.of(pid).map(h -> !h.isAlive() || !isJava(h)).orElse(true);
    }

    private static boolean isJava(ProcessHandle h) {
        return h.info().command().map(c -> c.endsWith("java")).orElse(true);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return ManagementFactory.getRuntimeMXBean().getName().replaceFirst("^\\d+@", "");
        }
    }

    /** The error a failed trial records: the innermost cause's class and message, which says what broke. */
    static String errorOf(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? "" : root.getMessage();
        return root.getClass().getName() + (message.isEmpty() ? "" : ": " + message.lines().findFirst().orElse(""));
    }
}
