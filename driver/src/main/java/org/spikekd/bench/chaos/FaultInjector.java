package org.spikekd.bench.chaos;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.BlockLocation;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.spikekd.data.HadoopFiles;
import org.spikekd.bench.chaos.FaultSchedule.ExecutorKill;
import org.spikekd.bench.chaos.FaultSchedule.Phase;
import org.spikekd.bench.chaos.SparkApplicationWatch.Round;
import org.spikekd.bench.chaos.SparkApplicationWatch.Task;

/**
 * Strikes a running training as its {@link FaultSchedule} says, watching the driver's Spark
 * application to know which round runs: SIGKILLs executors (while a round trains, or while it is
 * averaged), SIGKILLs the driver once and starts {@code train --resume} in its place, kills a
 * DataNode while the run's checkpoint is being written to HDFS, and cuts a worker off the network
 * (then slows another's link). Returns when the (last) driver ends; every fault struck is in
 * {@link #kills}.
 */
public final class FaultInjector {
    /** A fault struck: its kind (executor, driver, datanode, network), where in the run, and what it hit. */
    public record Kill(String kind, String phase, int epoch, int round, String detail, double atSeconds) {
        public Map<String, Object> describe() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", kind);
            m.put("phase", phase);
            m.put("epoch", epoch);
            m.put("round", round);
            m.put("detail", detail);
            m.put("at_seconds", Math.round(atSeconds * 10) / 10.0);
            return m;
        }
    }

    private static final long POLL_MILLIS = 20;
    private final FaultSchedule schedule;
    private final SparkApplicationWatch watch;
    private final LocalHdfsDaemons hdfs;
    private final Path runDirectory;
    private final PrintStream log;
    public final List<Kill> kills = new ArrayList<>();
    /** Checkpoints at which the DataNode kill was tried but the write had ended before the DataNodes stopped. */
    public int datanodeMisses;
    private final long start = System.nanoTime();

    private final NetworkFaults network;
    /** How long a cut-off worker stays cut off: longer than the driver's spark.network.timeout. */
    public static final int CUT_SECONDS = 35;
    /** How long, after the cut, the other worker's link runs slowed, and at what rate. */
    public static final int SLOW_SECONDS = 25;
    public static final String SLOW_RATE = "4mbit";

    /**
     * {@code hdfs} null: no DataNode to kill (the run directory is not on HDFS); {@code network}
     * null: no link to cut (the cluster is not on shaped links).
     */
    public FaultInjector(FaultSchedule schedule, SparkApplicationWatch watch, LocalHdfsDaemons hdfs,
                         NetworkFaults network, Path runDirectory, PrintStream log) {
        this.schedule = schedule;
        this.watch = watch;
        this.hdfs = hdfs;
        this.network = network;
        this.runDirectory = runDirectory;
        this.log = log;
    }

    /**
     * Strikes until the driver ends. {@code resume} starts the driver that continues the run after
     * the driver kill. Fails if a driver ends with an error.
     */
    public void drive(Process firstDriver, Callable<Process> resume) throws Exception {
        Process driver = firstDriver;
        Deque<ExecutorKill> pending = new ArrayDeque<>(schedule.executorKills());
        boolean driverKilled = false;
        boolean networkCut = network == null;
        Thread networkRepair = null;
        int datanodeEpoch = hdfs == null ? Integer.MAX_VALUE : schedule.datanodeKillEpoch();
        long moment = -1; // when the pending executor kill's moment was first seen (for its delay)
        while (true) {
            if (!driver.isAlive()) {
                if (networkRepair != null) {
                    networkRepair.join();
                }
                if (driver.exitValue() != 0) {
                    throw new IOException("the driver ended with exit code " + driver.exitValue() + " (see its log)");
                }
                return;
            }
            Optional<Round> seen = watch.latestRound();
            if (seen.isEmpty()) {
                Thread.sleep(POLL_MILLIS);
                continue;
            }
            Round round = seen.get();
            boolean running = round.jobStatus().equals("RUNNING");
            if (round.epoch() >= datanodeEpoch && round.round() == round.rounds() && !running) {
                // the epoch's last round is done: its checkpoint comes after the evaluation
                if (killDatanodeDuringCheckpoint(round.epoch(), driver)) {
                    datanodeEpoch = Integer.MAX_VALUE;
                } else {
                    datanodeMisses++;
                    datanodeEpoch = round.epoch() + 1;
                }
                continue;
            }
            if (!networkCut && round.index() >= schedule.networkCutRound() && running
                    && !round.tasks("RUNNING").isEmpty()) {
                networkRepair = cutThenSlow(round);
                networkCut = true;
                continue;
            }
            if (!driverKilled && round.index() >= schedule.driverKillRound() && running) {
                driver.descendants().forEach(ProcessHandle::destroyForcibly);
                ClusterProcesses.kill(driver.toHandle());
                strike("driver", "training", round.epoch(), round.index(), "SIGKILL pid " + driver.pid() + ", then train --resume");
                driverKilled = true;
                Thread.sleep(2000); // the master notices the driver gone and ends its executors
                watch.reset();
                driver = resume.call();
                continue;
            }
            if (!pending.isEmpty() && round.index() >= pending.peek().round()) {
                ExecutorKill k = pending.peek();
                String phase = phaseNow(k.phase(), round);
                if (phase != null && moment < 0) {
                    moment = System.nanoTime();
                }
                if (phase != null && (System.nanoTime() - moment) / 1_000_000 >= k.delayMillis()
                        && watch.liveExecutors().size() >= 2) {
                    Optional<String> victim = victim(k.phase(), round);
                    Optional<ProcessHandle> process = victim.flatMap(id -> ClusterProcesses.executor(
                            watch.applicationId().orElseThrow(), id));
                    if (process.isPresent()) {
                        ClusterProcesses.kill(process.get());
                        strike("executor", phase, round.epoch(), round.index(), "executor " + victim.get() + ", SIGKILL pid " + process.get().pid());
                        pending.pop();
                        moment = -1;
                    }
                }
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /**
     * Cuts worker 1 off (its executor, training this round, can no longer reach the driver or the
     * master) for {@link #CUT_SECONDS}, then slows worker 2's link to {@link #SLOW_RATE} for
     * {@link #SLOW_SECONDS}; the repairs run on a thread of their own while the injector watches on.
     */
    private Thread cutThenSlow(Round round) throws IOException {
        network.cut(1);
        strike("network", "training", round.epoch(), round.index(), "worker 1 cut off (its link down) for " + CUT_SECONDS + " s");
        Thread repair = new Thread(() -> {
            try {
                Thread.sleep(CUT_SECONDS * 1000L);
                network.reconnect(1);
                log.printf("[chaos] worker 1 reconnected; worker 2's link slowed to %s for %d s%n", SLOW_RATE, SLOW_SECONDS);
                network.slow(2, SLOW_RATE);
                Thread.sleep(SLOW_SECONDS * 1000L);
                network.restore(2);
                log.println("[chaos] worker 2's link restored");
            } catch (IOException | InterruptedException e) {
                log.println("[chaos] repairing the network failed: " + e.getMessage());
            }
        }, "chaos-network-repair");
        repair.setDaemon(true);
        repair.start();
        return repair;
    }

    /** The moment a kill of {@code phase} may strike now, described; null if this is not one. */
    private static String phaseNow(Phase phase, Round round) {
        boolean running = round.jobStatus().equals("RUNNING");
        if (phase == Phase.TRAINING) {
            return running && !round.tasks("RUNNING").isEmpty() ? "training" : null;
        }
        if (running && !round.tasks("SUCCESS").isEmpty() && !round.tasks("RUNNING").isEmpty()) {
            return "averaging: one partition's result delivered, the other still training";
        }
        return round.jobStatus().equals("SUCCEEDED") ? "averaging: between the round's results and the next round" : null;
    }

    /** The executor to kill: one running the round's task, or one that delivered its result. */
    private static Optional<String> victim(Phase phase, Round round) {
        List<Task> tasks = phase == Phase.TRAINING ? round.tasks("RUNNING") : round.tasks("SUCCESS");
        return tasks.stream().map(Task::executorId).findFirst();
    }

    /** Records a fault struck in epoch {@code epoch}, round {@code round} (counted through the run). */
    private void strike(String kind, String phase, int epoch, int round, String detail) {
        Kill k = new Kill(kind, phase, epoch, round, detail, (System.nanoTime() - start) / 1e9);
        kills.add(k);
        log.printf("[chaos] %.1f s: killed the %s (%s) in epoch %d, round %d: %s%n", k.atSeconds(), kind, phase,
                epoch, round, detail);
    }

    /**
     * Waits for epoch {@code epoch}'s metrics to be recorded, then stops every DataNode (SIGSTOP),
     * so that the checkpoint write that follows blocks in its pipeline; kills one DataNode of that
     * pipeline and lets the others go on. False if no checkpoint write was caught (it ended before
     * the DataNodes stopped).
     */
    private boolean killDatanodeDuringCheckpoint(int epoch, Process driver) throws Exception {
        FileSystem fs = HadoopFiles.fileSystem(runDirectory);
        Path metrics = new Path(runDirectory, "metrics.jsonl");
        FileStatus before = fs.exists(metrics) ? fs.getFileStatus(metrics) : null;
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (true) {
            FileStatus now = fs.exists(metrics) ? fs.getFileStatus(metrics) : null;
            if (now != null && (before == null || now.getModificationTime() != before.getModificationTime()
                    || now.getLen() != before.getLen())) {
                break;
            }
            if (!driver.isAlive() || System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(1);
        }
        Map<String, Long> datanodes = hdfs.datanodes();
        for (long pid : datanodes.values()) {
            ClusterProcesses.signal(pid, "STOP");
        }
        try {
            long wait = System.nanoTime() + 20_000_000_000L;
            while (System.nanoTime() < wait && driver.isAlive()) {
                for (FileStatus f : fs.listStatus(runDirectory)) {
                    String name = f.getPath().getName();
                    boolean checkpointWrite = name.startsWith(".") && name.endsWith(".tmp")
                            && (name.contains("model.zip") || name.contains("checkpoint") || name.contains("trainer-state"));
                    if (!checkpointWrite) {
                        continue;
                    }
                    for (BlockLocation b : fs.getFileBlockLocations(f.getPath(), 0, Long.MAX_VALUE)) {
                        for (String address : b.getNames()) {
                            Long pid = datanodes.get(address);
                            if (pid != null) {
                                ClusterProcesses.signal(pid, "KILL");
                                datanodes.remove(address);
                                strike("datanode", "checkpoint write", epoch, epoch * schedule.roundsPerEpoch(),
                                        "DataNode " + address + " (pid " + pid
                                        + ") in the pipeline of " + name);
                                return true;
                            }
                        }
                    }
                }
                Thread.sleep(5);
            }
            log.printf("[chaos] epoch %d: no checkpoint write caught with the DataNodes stopped; trying the next epoch%n", epoch);
            return false;
        } finally {
            for (long pid : datanodes.values()) {
                ClusterProcesses.signal(pid, "CONT");
            }
        }
    }
}
