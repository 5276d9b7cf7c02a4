package org.spikekd.study;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * What several seeds of one configuration say, and how sure to be of it: the mean with the
 * sample standard deviation, and a 95% confidence interval from Student's t over the seeds. For two
 * configurations trained with the same seeds, {@link #paired} takes the difference seed by seed,
 * which removes what the seed does to both (the data order, the initial weights) from the
 * comparison.
 */
public final class SeedStatistics {
    private final List<Double> values;

    private SeedStatistics(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no seeds to summarize");
        }
        this.values = List.copyOf(values);
    }

    /** The seeds' values (one per seed, in seed order). */
    public static SeedStatistics of(List<Double> values) {
        return new SeedStatistics(values);
    }

    /** {@code a[i] - b[i]} seed by seed; both lists in the same seed order. */
    public static SeedStatistics paired(List<Double> a, List<Double> b) {
        if (a.size() != b.size()) {
            throw new IllegalArgumentException("paired seeds differ in number: " + a.size() + " and " + b.size());
        }
        return new SeedStatistics(java.util.stream.IntStream.range(0, a.size()).mapToObj(i -> a.get(i) - b.get(i)).toList());
    }

    public int count() {
        return values.size();
    }

    public double mean() {
        return values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }

    /** The sample standard deviation (n - 1 in the denominator); 0 for one seed. */
    public double std() {
        if (values.size() < 2) {
            return 0;
        }
        double m = mean();
        return Math.sqrt(values.stream().mapToDouble(v -> (v - m) * (v - m)).sum() / (values.size() - 1));
    }

    /** Half the width of the 95% t-interval of the mean; NaN for one seed (nothing to estimate a spread from). */
    public double halfWidth95() {
        int n = values.size();
        if (n < 2) {
            return Double.NaN;
        }
        return new TDistribution(n - 1).inverseCumulativeProbability(0.975) * std() / Math.sqrt(n);
    }

    /** {@code mean}, {@code std} and {@code runs} (each seed's value). */
    public Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mean", mean());
        m.put("std", std());
        m.put("runs", values);
        return m;
    }

    /** The summary with {@code ci95_low} and {@code ci95_high} (null for one seed: JSON has no NaN). */
    public Map<String, Object> interval() {
        Map<String, Object> m = summary();
        double h = halfWidth95();
        m.put("ci95_low", Double.isNaN(h) ? null : mean() - h);
        m.put("ci95_high", Double.isNaN(h) ? null : mean() + h);
        return m;
    }
}
