package org.spikekd.distill;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Response-based knowledge distillation (Hinton et al., 2015; Xu et al., CVPR 2023), per example:
 *
 * <pre>
 *   (1 - alpha) CE(softmax(z), y) + alpha tau^2 KL(softmax(t / tau) || softmax(z / tau))
 * </pre>
 *
 * where z are the student's logits (the network output, after its activation, which should be the
 * identity), t the teacher's logits and y the one-hot labels. The labels array carries both:
 * {@code [y | t]}, shape [N, 2K]. With alpha = 0 this is plain cross-entropy and the teacher half
 * is ignored, which is how teachers and directly trained students use it.
 *
 * <p>The tau^2 factor keeps the soft term's gradient, tau (softmax(z/tau) - softmax(t/tau)), on the
 * scale of the hard term's as tau changes.
 */
public class DistillationLoss implements ILossFunction {
    private double temperature = 4.0;
    private double alpha = 0.0;

    public DistillationLoss() {}

    public DistillationLoss(double temperature, double alpha) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("distill.temperature must be a finite number > 0, got " + temperature);
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("distill.alpha must be in [0, 1], got " + alpha);
        }
        this.temperature = temperature;
        this.alpha = alpha;
    }

    public double getTemperature() { return temperature; }

    public double getAlpha() { return alpha; }

    /** Builds the labels array from one-hot labels and teacher logits (null: zeros, for alpha = 0). */
    public static INDArray labels(INDArray oneHot, INDArray teacherLogits) {
        INDArray teacher = teacherLogits != null ? teacherLogits.castTo(oneHot.dataType())
                : oneHot.like();
        if (teacherLogits == null) {
            teacher.assign(0);
        } else if (!java.util.Arrays.equals(oneHot.shape(), teacherLogits.shape())) {
            throw new IllegalArgumentException("teacher logits of shape "
                    + java.util.Arrays.toString(teacherLogits.shape()) + " do not match labels of shape "
                    + java.util.Arrays.toString(oneHot.shape())
                    + ": the teacher was trained for another number of classes");
        }
        return org.nd4j.linalg.factory.Nd4j.hstack(oneHot, teacher);
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn,
                                      INDArray mask) {
        INDArray z = activationFn.getActivation(preOutput.dup(), true);
        int k = classes(labels, z);
        INDArray y = labels.get(all(), interval(0, k));
        INDArray logP = logSoftmax(z);
        INDArray perExample = y.mul(logP).sum(true, 1).negi().muli(1 - alpha);
        if (alpha > 0) {
            INDArray t = labels.get(all(), interval(k, 2 * k));
            INDArray logQ = logSoftmax(t.div(temperature));
            INDArray logPTau = logSoftmax(z.div(temperature));
            INDArray kl = Transforms.exp(logQ, true).muli(logQ.sub(logPTau)).sum(true, 1);
            perExample.addi(kl.muli(alpha * temperature * temperature));
        }
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
        INDArray z = activationFn.getActivation(preOutput.dup(), true);
        int k = classes(labels, z);
        INDArray y = labels.get(all(), interval(0, k));
        INDArray dz = Transforms.exp(logSoftmax(z), false).subi(y).muli(1 - alpha);
        if (alpha > 0) {
            INDArray t = labels.get(all(), interval(k, 2 * k));
            INDArray q = Transforms.exp(logSoftmax(t.div(temperature)), false);
            INDArray pTau = Transforms.exp(logSoftmax(z.div(temperature)), false);
            dz.addi(pTau.subi(q).muli(alpha * temperature));
        }
        if (mask != null) {
            dz.muliColumnVector(mask);
        }
        return activationFn.backprop(preOutput.dup(), dz).getFirst();
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput,
            IActivation activationFn, INDArray mask, boolean average) {
        return Pair.of(computeScore(labels, preOutput, activationFn, mask, average),
                computeGradient(labels, preOutput, activationFn, mask));
    }

    @Override
    public String name() {
        return "DistillationLoss(tau=" + temperature + ", alpha=" + alpha + ")";
    }

    @Override
    public String toString() {
        return name();
    }

    /** Row-wise log(softmax(x)), computed stably. */
    static INDArray logSoftmax(INDArray x) {
        INDArray shifted = x.subColumnVector(x.max(true, 1));
        INDArray logSum = Transforms.log(Transforms.exp(shifted, true).sum(true, 1), false);
        return shifted.subiColumnVector(logSum);
    }

    private static int classes(INDArray labels, INDArray output) {
        if (labels.size(1) != 2 * output.size(1) || labels.size(0) != output.size(0)) {
            throw new IllegalArgumentException("distillation labels must be [N, 2K] = [one-hot | teacher logits]"
                    + " for an output of shape " + java.util.Arrays.toString(output.shape())
                    + ", got " + java.util.Arrays.toString(labels.shape()));
        }
        return (int) output.size(1);
    }

    private static org.nd4j.linalg.indexing.INDArrayIndex all() {
        return org.nd4j.linalg.indexing.NDArrayIndex.all();
    }

    private static org.nd4j.linalg.indexing.INDArrayIndex interval(long from, long to) {
        return org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DistillationLoss && ((DistillationLoss) o).temperature == temperature
                && ((DistillationLoss) o).alpha == alpha;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(temperature, alpha);
    }
}
