package org.spikekd.eval;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.spikekd.data.LabeledImages;
import org.spikekd.noise.Corruption;

/**
 * What one evaluation of a model measures: the dataset under each corruption (clean is
 * {@link Corruption#none()}), each at each number of time steps (or once at the model's own T).
 * Its tallies come in that order, corruption-major; tallies of disjoint parts merge position by
 * position, so a plan runs the same split over executors as in one JVM.
 */
public final class EvaluationPlan implements Serializable {
    private static final long serialVersionUID = 1L;

    private final List<Corruption> corruptions;
    private final int[] timeSteps;

    /**
     * @param timeSteps ascending; empty = the model's own T (and the only choice for an ANN)
     */
    public EvaluationPlan(List<Corruption> corruptions, int[] timeSteps) {
        if (corruptions.isEmpty()) {
            throw new IllegalArgumentException("an evaluation plan needs at least one corruption (or none())");
        }
        this.corruptions = List.copyOf(corruptions);
        this.timeSteps = timeSteps.clone();
    }

    /** The clean dataset at the model's own T: plain evaluation. */
    public static EvaluationPlan plain() {
        return new EvaluationPlan(List.of(Corruption.none()), new int[0]);
    }

    public List<Corruption> corruptions() {
        return corruptions;
    }

    /** The time steps evaluated at; empty = the model's own. */
    public int[] timeSteps() {
        return timeSteps.clone();
    }

    /** How many tallies (results) the plan gives. */
    public int size() {
        return corruptions.size() * Math.max(1, timeSteps.length);
    }

    /** The tallies of {@code net} on {@code part}, in the plan's order. */
    public List<EvaluationTally> tally(ComputationGraph net, LabeledImages part, int batchSize) {
        List<EvaluationTally> out = new ArrayList<>(size());
        for (Corruption c : corruptions) {
            LabeledImages data = c.apply(part);
            if (timeSteps.length == 0) {
                out.add(Evaluator.tally(net, data, batchSize));
            } else {
                out.addAll(Evaluator.tallyAtTimeSteps(net, data, batchSize, timeSteps));
            }
        }
        return out;
    }

    /** Adds {@code b}'s tallies into {@code a}'s, position by position; either may be empty (nothing yet). */
    public static List<EvaluationTally> merge(List<EvaluationTally> a, List<EvaluationTally> b) {
        if (a.isEmpty()) {
            return b;
        }
        if (b.isEmpty()) {
            return a;
        }
        if (a.size() != b.size()) {
            throw new IllegalArgumentException("cannot merge tallies of different plans");
        }
        for (int i = 0; i < a.size(); i++) {
            a.get(i).merge(b.get(i));
        }
        return a;
    }

    /** Results from the merged tallies, in the plan's order. */
    public static List<EvaluationResult> results(List<EvaluationTally> tallies, double seconds) {
        List<EvaluationResult> out = new ArrayList<>();
        for (EvaluationTally t : tallies) {
            out.add(t.result(seconds));
        }
        return out;
    }
}
