package org.spikekd.distill;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * Feature-based distillation (Xu et al., CVPR 2023): the L2 distance between the student's adapted
 * firing-rate map and the teacher's feature map at one stage, per example
 * {@code beta * mean((a - f)^2)} over the map's C*H*W elements. The output it is applied to is the
 * student's firing-rate map passed through a learned 1x1-convolution adapter (flattened); the
 * labels are the teacher's features, flattened the same way.
 */
public class FeatureDistillationLoss implements ILossFunction {
    private double beta = 1.0;

    public FeatureDistillationLoss() {}

    public FeatureDistillationLoss(double beta) {
        if (!(beta >= 0) || Double.isInfinite(beta)) {
            throw new IllegalArgumentException("distill.feature.beta must be a finite number >= 0, got " + beta);
        }
        this.beta = beta;
    }

    public double getBeta() { return beta; }

    private INDArray difference(INDArray labels, INDArray preOutput, IActivation activationFn) {
        INDArray a = activationFn.getActivation(preOutput.dup(), true);
        if (!java.util.Arrays.equals(a.shape(), labels.shape())) {
            throw new IllegalArgumentException("student feature map (adapted) of shape "
                    + java.util.Arrays.toString(a.shape()) + " does not match the teacher's "
                    + java.util.Arrays.toString(labels.shape())
                    + ": choose distill.feature.stages whose maps have the same height and width");
        }
        return a.subi(labels);
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn,
                                      INDArray mask) {
        INDArray d = difference(labels, preOutput, activationFn);
        INDArray perExample = d.muli(d).sum(true, 1).muli(beta / preOutput.size(1));
        if (mask != null) {
            perExample.muliColumnVector(mask);
        }
        return perExample;
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn,
                               INDArray mask, boolean average) {
        double sum = computeScoreArray(labels, preOutput, activationFn, mask).sumNumber().doubleValue();
        return average ? sum / preOutput.size(0) : sum;
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn,
                                    INDArray mask) {
        INDArray grad = difference(labels, preOutput, activationFn).muli(2 * beta / preOutput.size(1));
        if (mask != null) {
            grad.muliColumnVector(mask);
        }
        return activationFn.backprop(preOutput.dup(), grad).getFirst();
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput,
            IActivation activationFn, INDArray mask, boolean average) {
        return Pair.of(computeScore(labels, preOutput, activationFn, mask, average),
                computeGradient(labels, preOutput, activationFn, mask));
    }

    @Override
    public String name() {
        return "FeatureDistillationLoss(beta=" + beta + ")";
    }

    @Override
    public String toString() {
        return name();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FeatureDistillationLoss && ((FeatureDistillationLoss) o).beta == beta;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(beta);
    }
}
