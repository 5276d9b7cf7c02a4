package org.spikekd.model;

import java.util.Map;
import java.util.TreeMap;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Tests' view of one backward pass: every parameter's gradient by name, copied out of DL4J's views. */
public final class GraphGradients {
    private GraphGradients() {}

    public static Map<String, INDArray> of(ComputationGraph net, INDArray x, INDArray labels) {
        net.setInputs(x);
        net.setLabels(labels);
        net.computeGradientAndScore();
        Map<String, INDArray> g = new TreeMap<>();
        net.gradient().gradientForVariable().forEach((k, v) -> g.put(k, v.dup()));
        return g;
    }
}
