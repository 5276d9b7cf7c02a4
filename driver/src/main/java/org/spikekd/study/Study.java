package org.spikekd.study;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.spikekd.config.JobConfig;
import org.spikekd.eval.EnergyEstimate;
import org.spikekd.eval.EvaluationPlan;
import org.spikekd.eval.EvaluationResult;
import org.spikekd.noise.Corruption;
import org.spikekd.spark.DistributedEvaluator;

/**
 * The studies behind the papers' claims, on any set of models and one dataset: accuracy under
 * each corruption (robustness), and accuracy, firing rates and energy at each number of time steps.
 * Every model reads the same examples, corrupted the same way.
 */
public final class Study {
    private final JavaSparkContext sc;
    private final JobConfig data;
    private final int partitions;
    private final int batchSize;

    /**
     * @param data a job configuration whose data.* keys name the dataset and split to evaluate
     */
    public Study(JavaSparkContext sc, JobConfig data, int partitions, int batchSize) {
        this.sc = sc;
        this.data = data;
        this.partitions = partitions;
        this.batchSize = batchSize;
    }

    /**
     * @param corruptions the levels to test; clean data is always tested first
     * @param timeSteps ascending, for the spiking models; empty = no time-step study
     */
    public StudyReport run(List<StudiedModel> models, List<Corruption> corruptions, int[] timeSteps,
                           java.io.PrintStream progress) throws IOException {
        List<Corruption> levels = new ArrayList<>();
        levels.add(Corruption.none());
        for (Corruption c : corruptions) {
            if (!c.isNone()) {
                levels.add(c);
            }
        }
        StudyReport report = new StudyReport(models, levels, timeSteps);
        for (StudiedModel m : models) {
            progress.printf("evaluating %s (%s) under %d conditions%n", m.name, m.kind(), levels.size());
            List<EvaluationResult> results = DistributedEvaluator.evaluate(sc, m.file.network, data, partitions,
                    batchSize, new EvaluationPlan(levels, new int[0]));
            for (int i = 0; i < levels.size(); i++) {
                report.robustness(m, levels.get(i), results.get(i),
                        EnergyEstimate.of(m.file.network, results.get(i).input, results.get(i).firingRates));
            }
            if (timeSteps.length > 0 && m.spiking()) {
                runTimeStepsOnly(m, timeSteps, progress).timeStepRows().forEach(report::addTimeStepRow);
            }
        }
        return report;
    }

    /** Only the time-step study of one spiking model (no clean evaluation at its own T first). */
    public StudyReport runTimeStepsOnly(StudiedModel m, int[] timeSteps, java.io.PrintStream progress) throws IOException {
        if (!m.spiking()) {
            throw new IllegalArgumentException(m.name + " is not a spiking network; it has no time steps");
        }
        StudyReport report = new StudyReport(List.of(m), List.of(), timeSteps);
        progress.printf("evaluating %s at T = %s%n", m.name, java.util.Arrays.toString(timeSteps));
        List<EvaluationResult> atT = DistributedEvaluator.evaluate(sc, m.file.network, data, partitions,
                batchSize, new EvaluationPlan(List.of(Corruption.none()), timeSteps));
        for (int i = 0; i < timeSteps.length; i++) {
            EvaluationResult r = atT.get(i);
            report.timeStep(m, timeSteps[i], r, EnergyEstimate.of(m.file.network, r.input, r.firingRates, timeSteps[i]));
        }
        return report;
    }

    /**
     * Parses a list of time steps: numbers and ranges, e.g. {@code 1-16}, {@code 8,16,32} or
     * {@code 1-4,8,16}; ascending without repeats.
     */
    public static int[] parseTimeSteps(String spec) {
        List<Integer> out = new ArrayList<>();
        for (String part : spec.split(",")) {
            String p = part.trim();
            try {
                int dash = p.indexOf('-');
                int from = Integer.parseInt(dash < 0 ? p : p.substring(0, dash).trim());
                int to = dash < 0 ? from : Integer.parseInt(p.substring(dash + 1).trim());
                if (to < from) {
                    throw new IllegalArgumentException("--time-steps " + spec + ": the range " + p + " runs backwards");
                }
                for (int t = from; t <= to; t++) {
                    out.add(t);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--time-steps " + spec + ": '" + p + "' is neither a number nor a range like 1-16");
            }
        }
        int[] steps = out.stream().mapToInt(Integer::intValue).toArray();
        for (int i = 0; i < steps.length; i++) {
            if (steps[i] < 1 || (i > 0 && steps[i] <= steps[i - 1])) {
                throw new IllegalArgumentException("--time-steps " + spec + ": time steps must be ascending numbers >= 1");
            }
        }
        if (steps.length == 0) {
            throw new IllegalArgumentException("--time-steps " + spec + ": no time steps");
        }
        return steps;
    }

    static Map<String, Object> row(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }
}
