package org.spikekd.convert;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.spikekd.data.Augmentation;
import org.spikekd.data.LabeledImages;
import org.spikekd.data.Minibatches;
import org.spikekd.model.GraphLayers;

/**
 * The p-th percentile of each ReLU's positive activations over calibration images: the "robust"
 * maximum activation of Rueckauer et al. (2017), which sets how much ANN activation one spike per
 * step stands for. A maximum would let a few outliers slow every neuron of the layer down; the
 * 99.9th percentile clips them instead.
 */
final class ActivationPercentiles {
    /** Values kept per layer; a uniform sample of this size pins the 99.9th percentile well. */
    private static final int SAMPLE = 2_000_000;

    private ActivationPercentiles() {}

    /** The names of the network's ReLU activation vertices, in graph order. */
    static List<String> reluVertices(ComputationGraph ann) {
        return GraphLayers.inOrder(ann, l -> l instanceof ActivationLayer);
    }

    /** @param percentile in (0, 100], as {@link AnnToSnnConverter#percentile} checked */
    static Map<String, Double> of(ComputationGraph ann, LabeledImages images, double percentile, int batchSize) {
        List<String> relus = reluVertices(ann);
        int batches = (images.size() + batchSize - 1) / batchSize;
        Map<String, float[]> samples = new LinkedHashMap<>();
        Map<String, Integer> filled = new LinkedHashMap<>();
        for (String r : relus) {
            samples.put(r, new float[SAMPLE]);
            filled.put(r, 0);
        }
        Random random = new Random(0);
        Minibatches mb = new Minibatches(images, batchSize, null, Augmentation.NONE);
        while (mb.hasNext()) {
            Map<String, INDArray> acts = ann.feedForward(mb.next().features, false);
            for (String r : relus) {
                float[] values = acts.get(r).dup().data().asFloat();
                float[] into = samples.get(r);
                int n = filled.get(r);
                int quota = Math.min(values.length, SAMPLE / batches);
                for (int k = 0; k < quota && n < SAMPLE; k++) {
                    float v = quota == values.length ? values[k] : values[random.nextInt(values.length)];
                    if (v > 0) {
                        into[n++] = v;
                    }
                }
                filled.put(r, n);
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (String r : relus) {
            int n = filled.get(r);
            if (n == 0) {
                throw new IllegalStateException("ReLU " + r + " was never active on the calibration images; "
                        + "use more calibration examples");
            }
            float[] v = Arrays.copyOf(samples.get(r), n);
            Arrays.sort(v);
            int index = (int) Math.min(n - 1, Math.max(0, Math.ceil(percentile / 100.0 * n) - 1));
            out.put(r, (double) v[index]);
        }
        return out;
    }
}
