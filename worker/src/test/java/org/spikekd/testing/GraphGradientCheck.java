package org.spikekd.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;

/**
 * Checks a graph's parameter gradients against central differences of its training score.
 *
 * <p>Written here rather than using DL4J's GradientCheckUtil because that names flat parameter
 * indices in paramTable() order while a ComputationGraph lays its flat vector out in topological
 * order; with vertices added out of topological order (feature adapters, residual shortcuts) it
 * reports the wrong names and excludes the wrong parameters. This check perturbs each parameter
 * through the layer's own view and reads the gradient under the same name.
 */
public final class GraphGradientCheck {
    private GraphGradientCheck() {}

    /** One parameter element whose analytic and numeric gradients disagree. */
    public static final class Mismatch {
        public final String param;
        public final long index;
        public final double analytic;
        public final double numeric;

        Mismatch(String param, long index, double analytic, double numeric) {
            this.param = param;
            this.index = index;
            this.analytic = analytic;
            this.numeric = numeric;
        }

        @Override
        public String toString() {
            return param + "[" + index + "]: analytic " + analytic + ", numeric " + numeric;
        }
    }

    /**
     * @param maxPerParam how many elements of each parameter array to check (spread evenly)
     * @return the mismatches (empty if the gradients check out) and, in {@code checkedOut[0]}, how
     *     many elements were checked
     */
    public static List<Mismatch> check(ComputationGraph net, MultiDataSet data, double eps, double maxRelError,
                                       double minAbsError, int maxPerParam, long[] checkedOut) {
        long minibatch = data.getFeatures(0).size(0);
        net.setInputs(data.getFeatures());
        net.setLabels(data.getLabels());
        net.computeGradientAndScore();
        Map<String, INDArray> gradients = net.gradient().gradientForVariable();
        Map<String, INDArray> analytic = new java.util.LinkedHashMap<>();
        gradients.forEach((k, v) -> analytic.put(k, v.dup()));
        List<Mismatch> mismatches = new ArrayList<>();
        long checked = 0;
        for (Map.Entry<String, INDArray> e : net.paramTable().entrySet()) {
            String name = e.getKey();
            if (name.endsWith("_mean") || name.endsWith("_var") || name.endsWith("_log10stdev")) {
                continue; // batch norm's running statistics: updated from batches, not by gradient
            }
            INDArray param = e.getValue();
            INDArray grad = analytic.get(name);
            if (grad == null) {
                throw new AssertionError("no gradient for parameter " + name);
            }
            long n = param.length();
            long step = Math.max(1, n / maxPerParam);
            for (long i = 0; i < n; i += step) {
                // by multi-dimensional index: a parameter and its gradient may differ in ordering
                long[] at = org.nd4j.linalg.api.shape.Shape.ind2subC(param, i);
                double original = param.getDouble(at);
                param.putScalar(at, original + eps);
                double plus = net.score(data, true);
                param.putScalar(at, original - eps);
                double minus = net.score(data, true);
                param.putScalar(at, original);
                // the score is the minibatch mean, the gradients are of the minibatch sum (DL4J's
                // updater divides by the minibatch size)
                double numeric = (plus - minus) / (2 * eps) * minibatch;
                double a = grad.getDouble(at);
                double absError = Math.abs(a - numeric);
                double relError = absError / Math.max(1e-300, Math.abs(a) + Math.abs(numeric));
                if (relError > maxRelError && absError > minAbsError) {
                    mismatches.add(new Mismatch(name, i, a, numeric));
                }
                checked++;
            }
        }
        if (checkedOut != null) {
            checkedOut[0] = checked;
        }
        return mismatches;
    }
}
