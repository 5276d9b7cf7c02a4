package org.spikekd.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;

/** What evaluating a model on a dataset found. */
public final class EvaluationResult {
    public final int examples;
    public final double accuracy;
    /** Mean cross-entropy of the model's logits against the labels. */
    public final double loss;
    /** confusion[true][predicted]. */
    public final int[][] confusion;
    public final List<String> classes;
    /** Mean spikes per neuron per step, by spiking layer (empty for an ANN). */
    public final Map<String, Double> firingRates;
    /** The shape of the images evaluated (what the energy estimate needs). */
    public final InputType input;
    public final double seconds;

    public EvaluationResult(int examples, double accuracy, double loss, int[][] confusion, List<String> classes,
                            Map<String, Double> firingRates, InputType input, double seconds) {
        this.examples = examples;
        this.accuracy = accuracy;
        this.loss = loss;
        this.confusion = confusion;
        this.classes = classes;
        this.firingRates = firingRates;
        this.input = input;
        this.seconds = seconds;
    }

    /** Mean firing rate over all spiking layers (each layer weighted equally); NaN for an ANN. */
    public double meanFiringRate() {
        return firingRates.values().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("examples", examples);
        m.put("accuracy", accuracy);
        m.put("loss", loss);
        m.put("firing_rates", firingRates);
        m.put("classes", classes);
        m.put("confusion_matrix", confusion);
        m.put("seconds", seconds);
        return m;
    }
}
