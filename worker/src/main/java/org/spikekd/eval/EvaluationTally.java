package org.spikekd.eval;

import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.spikekd.data.LabeledImages;
import org.spikekd.neuron.FiringRateMeter;

/**
 * The counts behind an {@link EvaluationResult}: examples, correct predictions, summed loss, the
 * confusion matrix, and spikes and neuron-steps per spiking layer. Tallies of disjoint parts of a
 * dataset add up to the tally of the whole, so evaluation can be split across executors and the
 * parts merged in any order.
 */
public final class EvaluationTally implements Serializable {
    private static final long serialVersionUID = 1L;

    private String[] classes;
    /** Channels, height and width of the images evaluated. */
    private int[] imageShape;
    private long examples;
    private long correct;
    private double lossSum;
    private int[][] confusion;
    private String[] layers = new String[0];
    private double[] spikes = new double[0];
    private long[] neuronSteps = new long[0];

    public EvaluationTally() {
    }

    EvaluationTally(LabeledImages data) {
        this.classes = data.classes().toArray(new String[0]);
        this.imageShape = new int[] {data.channels(), data.height(), data.width()};
        this.confusion = new int[classes.length][classes.length];
    }

    void count(int trueClass, int predicted, double loss) {
        confusion[trueClass][predicted]++;
        if (trueClass == predicted) {
            correct++;
        }
        lossSum += loss;
        examples++;
    }

    /** Adds what the meters counted (the same layers every time). */
    void spikes(Map<String, FiringRateMeter> meters) {
        if (layers.length == 0) {
            layers = meters.keySet().toArray(new String[0]);
            spikes = new double[layers.length];
            neuronSteps = new long[layers.length];
        }
        int i = 0;
        for (FiringRateMeter m : meters.values()) {
            spikes[i] += m.spikes();
            neuronSteps[i] += m.neuronSteps();
            i++;
        }
    }

    /** Adds another tally (of other examples, by the same model) into this one. */
    public EvaluationTally merge(EvaluationTally other) {
        if (other.classes == null) {
            return this;
        }
        if (classes == null) {
            classes = other.classes.clone();
            imageShape = other.imageShape.clone();
            confusion = new int[classes.length][classes.length];
            layers = other.layers.clone();
            spikes = new double[layers.length];
            neuronSteps = new long[layers.length];
        }
        if (!Arrays.equals(classes, other.classes) || !Arrays.equals(imageShape, other.imageShape)
                || !Arrays.equals(layers, other.layers)) {
            throw new IllegalArgumentException("cannot merge tallies of different models or datasets");
        }
        examples += other.examples;
        correct += other.correct;
        lossSum += other.lossSum;
        for (int i = 0; i < confusion.length; i++) {
            for (int j = 0; j < confusion.length; j++) {
                confusion[i][j] += other.confusion[i][j];
            }
        }
        for (int i = 0; i < layers.length; i++) {
            spikes[i] += other.spikes[i];
            neuronSteps[i] += other.neuronSteps[i];
        }
        return this;
    }

    int classCount() {
        return classes.length;
    }

    public long examples() {
        return examples;
    }

    public EvaluationResult result(double seconds) {
        if (examples == 0) {
            throw new IllegalStateException("nothing was evaluated");
        }
        Map<String, Double> rates = new LinkedHashMap<>();
        for (int i = 0; i < layers.length; i++) {
            rates.put(layers[i], neuronSteps[i] == 0 ? Double.NaN : spikes[i] / neuronSteps[i]);
        }
        return new EvaluationResult((int) examples, correct / (double) examples, lossSum / examples, confusion,
                List.of(classes), rates, InputType.convolutional(imageShape[1], imageShape[2], imageShape[0]), seconds);
    }
}
