package org.spikekd.sweep;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Asynchronous successive halving (ASHA, Li et al. 2020; Ray Tune's AsyncHyperBandScheduler):
 * rungs at {@code grace * rf^k} epochs up to the sweep's maximum; a trial reaching a rung continues
 * only if its metric is in the top {@code 1/rf} of what the trials that reached that rung before it
 * recorded (the first to reach a rung always continues). It never waits for other trials, so
 * trials can run in any number at once.
 *
 * <p>Decisions depend only on the reports seen, in order: replaying a sweep's recorded reports
 * (from its trial store, after a restart) rebuilds the same scheduler.
 */
public final class AshaScheduler {
    public enum Decision { CONTINUE, STOP }

    /** What a sweep spec says about the scheduler; {@link #create} gives a fresh one. */
    public record Settings(int maxEpochs, int gracePeriod, int reductionFactor, boolean maximize) {
        public AshaScheduler create() {
            return new AshaScheduler(maxEpochs, gracePeriod, reductionFactor, maximize);
        }
    }

    private final int[] milestones;
    private final int reductionFactor;
    private final boolean maximize;
    /** Per rung, the metrics recorded there, in arrival order. */
    private final List<List<Double>> recorded = new ArrayList<>();
    /** Per rung, the trials recorded there. */
    private final List<Map<String, Boolean>> seen = new ArrayList<>();

    /**
     * @param maxEpochs a trial's epochs; the last rung is at most this
     * @param gracePeriod epochs every trial gets before its first rung
     * @param reductionFactor keep the top 1/rf at each rung (at least 2)
     * @param maximize true if a higher metric is better
     */
    public AshaScheduler(int maxEpochs, int gracePeriod, int reductionFactor, boolean maximize) {
        if (gracePeriod < 1 || gracePeriod > maxEpochs) {
            throw new IllegalArgumentException("scheduler.grace-period must be in [1, " + maxEpochs + "], got " + gracePeriod);
        }
        if (reductionFactor < 2) {
            throw new IllegalArgumentException("scheduler.reduction-factor must be at least 2, got " + reductionFactor);
        }
        List<Integer> rungs = new ArrayList<>();
        for (long m = gracePeriod; m <= maxEpochs; m *= reductionFactor) {
            rungs.add((int) m);
        }
        this.milestones = rungs.stream().mapToInt(Integer::intValue).toArray();
        this.reductionFactor = reductionFactor;
        this.maximize = maximize;
        for (int i = 0; i < milestones.length; i++) {
            recorded.add(new ArrayList<>());
            seen.add(new HashMap<>());
        }
    }

    /** The epochs at which trials are compared. */
    public int[] milestones() {
        return milestones.clone();
    }

    /** A trial finished {@code epoch} with {@code metric}: continue it, or stop it here. */
    public Decision onEpoch(String trial, int epoch, double metric) {
        int rung = Arrays.binarySearch(milestones, epoch);
        if (rung < 0 || seen.get(rung).containsKey(trial)) {
            return Decision.CONTINUE;
        }
        double value = maximize ? metric : -metric;
        if (Double.isNaN(value)) {
            value = Double.NEGATIVE_INFINITY; // a diverged trial is the worst there is
        }
        List<Double> before = recorded.get(rung);
        boolean stop = !before.isEmpty() && value < percentile(before, 1.0 - 1.0 / reductionFactor);
        before.add(value);
        seen.get(rung).put(trial, Boolean.TRUE);
        return stop ? Decision.STOP : Decision.CONTINUE;
    }

    /** The q-quantile (0..1) with linear interpolation between order statistics, as numpy's default. */
    static double percentile(List<Double> values, double q) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double pos = q * (v.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        if (v[lo] == Double.NEGATIVE_INFINITY || lo == hi) {
            return v[hi];
        }
        return v[lo] + (v[hi] - v[lo]) * (pos - lo);
    }
}
