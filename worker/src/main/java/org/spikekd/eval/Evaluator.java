package org.spikekd.eval;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.spikekd.data.Augmentation;
import org.spikekd.data.LabeledImages;
import org.spikekd.data.Minibatches;
import org.spikekd.encoding.SpikeRandom;
import org.spikekd.model.TimeSteps;
import org.spikekd.neuron.FiringRateMeter;
import org.spikekd.neuron.MembraneState;

/**
 * Runs a model over a dataset in inference mode: accuracy, cross-entropy, confusion matrix and,
 * for a spiking network, the firing rate of every spiking layer.
 */
public final class Evaluator {
    private Evaluator() {}

    public static EvaluationResult evaluate(ComputationGraph net, LabeledImages data, int batchSize) {
        long start = System.nanoTime();
        EvaluationTally tally = tally(net, data, batchSize);
        return tally.result((System.nanoTime() - start) / 1e9);
    }

    /** The counts of evaluating {@code net} on {@code data}, to merge with other parts' counts. */
    public static EvaluationTally tally(ComputationGraph net, LabeledImages data, int batchSize) {
        SpikeStatistics.reset(net);
        SpikeRandom.seed(0); // a Poisson-coded student sees the same spikes at every evaluation
        EvaluationTally tally = new EvaluationTally(data);
        Minibatches batches = new Minibatches(data, batchSize, null, Augmentation.NONE);
        while (batches.hasNext()) {
            Minibatches.Batch b = batches.next();
            count(tally, net.output(false, b.features)[0], b.classIndices);
        }
        tally.spikes(SpikeStatistics.meters(net));
        return tally;
    }

    /**
     * The counts of evaluating the spiking network {@code net} at each number of time steps in
     * {@code steps} (ascending), in one simulation of the largest: the network runs in pieces of
     * the steps' greatest common divisor with its membranes carried from piece to piece, and the
     * output averaged over the first t steps is read at each t. Running t steps this way gives what
     * running the network with T = t gives (up to float rounding), whatever T it was trained at.
     */
    public static List<EvaluationTally> tallyAtTimeSteps(ComputationGraph net, LabeledImages data, int batchSize,
                                                         int[] steps) {
        checkSteps(steps);
        int piece = 0;
        for (int t : steps) {
            piece = gcd(piece, t);
        }
        ComputationGraph stepper = TimeSteps.retimed(net, piece);
        MembraneState.carryOver(stepper, true);
        SpikeRandom.seed(0);
        List<EvaluationTally> tallies = new ArrayList<>();
        for (int ignored : steps) {
            tallies.add(new EvaluationTally(data));
        }
        Minibatches batches = new Minibatches(data, batchSize, null, Augmentation.NONE);
        while (batches.hasNext()) {
            Minibatches.Batch b = batches.next();
            MembraneState.reset(stepper);
            SpikeStatistics.reset(stepper);
            INDArray summed = null; // output summed over the steps run so far
            int run = 0;
            int next = 0;
            while (next < steps.length) {
                INDArray mean = stepper.output(false, b.features)[0];
                summed = summed == null ? mean.mul(piece) : summed.addi(mean.muli(piece));
                run += piece;
                if (run == steps[next]) {
                    count(tallies.get(next), summed.div(run), b.classIndices);
                    // the meters count from this batch's first step: the rate over its first t steps
                    tallies.get(next).spikes(SpikeStatistics.meters(stepper));
                    next++;
                }
            }
        }
        return tallies;
    }

    private static void checkSteps(int[] steps) {
        if (steps.length == 0) {
            throw new IllegalArgumentException("no time steps to evaluate at");
        }
        for (int i = 0; i < steps.length; i++) {
            if (steps[i] < 1 || (i > 0 && steps[i] <= steps[i - 1])) {
                throw new IllegalArgumentException("time steps must be ascending numbers >= 1, got "
                        + java.util.Arrays.toString(steps));
            }
        }
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /** Adds a batch's predictions and cross-entropy to the tally. */
    private static void count(EvaluationTally tally, INDArray logits, int[] classIndices) {
        int k = tally.classCount();
        if (logits.size(1) != k) {
            throw new IllegalArgumentException("the model predicts " + logits.size(1)
                    + " classes but the dataset has " + k);
        }
        INDArray predicted = logits.argMax(1);
        INDArray shifted = logits.subColumnVector(logits.max(true, 1));
        INDArray logSum = Transforms.log(Transforms.exp(shifted, true).sum(true, 1), false);
        INDArray logP = shifted.subiColumnVector(logSum);
        for (int i = 0; i < classIndices.length; i++) {
            int t = classIndices[i];
            tally.count(t, predicted.getInt(i), -logP.getDouble(i, t));
        }
    }
}
