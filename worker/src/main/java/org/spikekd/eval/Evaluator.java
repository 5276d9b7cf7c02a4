package org.spikekd.eval;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.spikekd.data.Augmentation;
import org.spikekd.data.LabeledImages;
import org.spikekd.data.Minibatches;
import org.spikekd.encoding.SpikeRandom;

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
        int k = data.classes().size();
        EvaluationTally tally = new EvaluationTally(data);
        Minibatches batches = new Minibatches(data, batchSize, null, Augmentation.NONE);
        while (batches.hasNext()) {
            Minibatches.Batch b = batches.next();
            INDArray logits = net.output(false, b.features)[0];
            if (logits.size(1) != k) {
                throw new IllegalArgumentException("the model predicts " + logits.size(1)
                        + " classes but the dataset has " + k);
            }
            INDArray predicted = logits.argMax(1);
            INDArray shifted = logits.subColumnVector(logits.max(true, 1));
            INDArray logSum = Transforms.log(Transforms.exp(shifted, true).sum(true, 1), false);
            INDArray logP = shifted.subiColumnVector(logSum);
            for (int i = 0; i < b.size(); i++) {
                int t = b.classIndices[i];
                tally.count(t, predicted.getInt(i), -logP.getDouble(i, t));
            }
        }
        tally.spikes(SpikeStatistics.meters(net));
        return tally;
    }
}
