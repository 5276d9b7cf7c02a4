package org.spikekd.averaging;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Which of a network's parameters (in the order of {@code net.params()}) are running statistics
 * rather than trained weights: batch norm's global mean and variance (or log10 standard
 * deviation), which DL4J keeps among the parameters.
 */
public final class RunningStatistics {
    private RunningStatistics() {}

    /** True at every running statistic of {@code net}'s flattened parameters. */
    public static boolean[] mask(ComputationGraph net) {
        // mark the statistics' views into the flattened parameters, read the marks back, then put
        // the parameters back as they were
        INDArray flat = net.params();
        INDArray saved = flat.dup();
        try {
            flat.assign(0);
            for (Layer layer : net.getLayers()) {
                if (layer.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization) {
                    for (String key : new String[] {BatchNormalizationParamInitializer.GLOBAL_MEAN,
                            BatchNormalizationParamInitializer.GLOBAL_VAR, BatchNormalizationParamInitializer.GLOBAL_LOG_STD}) {
                        INDArray view = layer.paramTable().get(key);
                        if (view != null) {
                            view.assign(1);
                        }
                    }
                }
            }
            float[] marks = flat.toFloatVector();
            boolean[] mask = new boolean[marks.length];
            for (int i = 0; i < marks.length; i++) {
                mask[i] = marks[i] != 0;
            }
            return mask;
        } finally {
            flat.assign(saved);
        }
    }
}
