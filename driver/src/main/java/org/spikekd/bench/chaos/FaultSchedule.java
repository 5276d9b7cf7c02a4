package org.spikekd.bench.chaos;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * When a chaos run's faults strike, drawn from a seed: executor kills in chosen averaging rounds
 * (half while the round's tasks train, half while it is being averaged: one partition's result
 * delivered, or between rounds), one driver kill mid-epoch once a checkpoint exists, the epoch
 * after which a DataNode is killed while the checkpoint is written, and the round in which a worker
 * is cut off from the driver (a cluster on shaped links only). Rounds are counted through the
 * whole run from 1 (see {@link SparkApplicationWatch.Round#index}).
 */
public record FaultSchedule(List<ExecutorKill> executorKills, int driverKillRound, int datanodeKillEpoch,
                            int networkCutRound, int roundsPerEpoch) {

    public enum Phase { TRAINING, AVERAGING }

    /** Kill the executor of a task of round {@code round}, {@code delayMillis} after the moment is seen. */
    public record ExecutorKill(int round, Phase phase, int delayMillis) {}

    public static FaultSchedule draw(long seed, int epochs, int roundsPerEpoch, int executorKills) {
        if (epochs < 3) {
            throw new IllegalArgumentException("--epochs must be at least 3 (a checkpoint before the driver is killed, "
                    + "and epochs after it), got " + epochs);
        }
        if (roundsPerEpoch < 2) {
            throw new IllegalArgumentException("the job averages " + roundsPerEpoch + " time(s) per epoch; chaos needs "
                    + "rounds: lower spark.averaging-every or raise the training examples");
        }
        Random random = new Random(seed);
        int total = epochs * roundsPerEpoch;
        // mid-epoch (not its first round) in an epoch after the first checkpoint and before the last
        int driverEpoch = 2 + random.nextInt(epochs - 2);
        int driverRound = (driverEpoch - 1) * roundsPerEpoch + 2 + random.nextInt(roundsPerEpoch - 1);
        List<Integer> candidates = new ArrayList<>();
        for (int r = 2; r <= total; r++) {
            if (Math.abs(r - driverRound) > 1) {
                candidates.add(r);
            }
        }
        if (executorKills > candidates.size()) {
            throw new IllegalArgumentException("--executor-kills " + executorKills + " is more than the run's "
                    + candidates.size() + " rounds to strike in");
        }
        Collections.shuffle(candidates, random);
        List<Integer> rounds = new ArrayList<>(candidates.subList(0, executorKills));
        Collections.sort(rounds);
        List<Phase> phases = new ArrayList<>();
        for (int i = 0; i < executorKills; i++) {
            phases.add(i % 2 == 0 ? Phase.TRAINING : Phase.AVERAGING);
        }
        Collections.shuffle(phases, random);
        List<ExecutorKill> kills = new ArrayList<>();
        for (int i = 0; i < executorKills; i++) {
            kills.add(new ExecutorKill(rounds.get(i), phases.get(i), random.nextInt(400)));
        }
        int datanodeEpoch = 1 + random.nextInt(epochs - 1);
        // a worker cut off (then its neighbour's link slowed) in a round of the first epochs, apart
        // from the driver kill: the cut lasts longer than Spark's network timeout
        int networkCut = 2 + random.nextInt(Math.max(1, driverRound - 4));
        return new FaultSchedule(List.copyOf(kills), driverRound, datanodeEpoch, networkCut, roundsPerEpoch);
    }

    /** The schedule as the benchmark's JSON reports it. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rounds_per_epoch", roundsPerEpoch);
        m.put("executor_kills", executorKills.stream().map(k -> Map.of("round", k.round(), "phase",
                k.phase().name().toLowerCase(), "delay_ms", k.delayMillis())).toList());
        m.put("driver_kill_round", driverKillRound);
        m.put("datanode_kill_after_epoch", datanodeKillEpoch);
        m.put("network_cut_round", networkCutRound);
        return m;
    }
}
