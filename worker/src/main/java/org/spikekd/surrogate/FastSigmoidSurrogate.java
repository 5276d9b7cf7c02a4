package org.spikekd.surrogate;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * SuperSpike's fast sigmoid (Zenke and Ganguli, 2018; snnTorch's {@code fast_sigmoid}): derivative
 * 1 / (1 + alpha |x|)^2, the derivative of x / (1 + alpha |x|). Cheap (no exponential) with heavy
 * tails, so it passes gradient far from threshold. snnTorch's default slope is 25.
 */
public final class FastSigmoidSurrogate implements SurrogateFunction {
    private final double alpha;

    public FastSigmoidSurrogate(double alpha) {
        this.alpha = Surrogates.checkAlpha(alpha);
    }

    @Override public double alpha() { return alpha; }

    @Override public String name() { return "fast-sigmoid"; }

    @Override
    public INDArray primitive(INDArray x) {
        INDArray denominator = Transforms.abs(x, true).muli(alpha).addi(1.0);
        return x.div(denominator);
    }

    @Override
    public INDArray derivative(INDArray x) {
        INDArray d = Transforms.abs(x, true).muli(alpha).addi(1.0);
        return d.muli(d).rdivi(1.0);
    }
}
