package org.spikekd.surrogate;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** arctan(pi/2 alpha x)/pi + 1/2; derivative (alpha/2) / (1 + (pi/2 alpha x)^2) (SpikingJelly's ATan). */
public final class ArctanSurrogate implements SurrogateFunction {
    private final double alpha;

    public ArctanSurrogate(double alpha) {
        this.alpha = Surrogates.checkAlpha(alpha);
    }

    @Override public double alpha() { return alpha; }

    @Override public String name() { return "arctan"; }

    @Override
    public INDArray primitive(INDArray x) {
        return Transforms.atan(x.mul(Math.PI / 2 * alpha), false).divi(Math.PI).addi(0.5);
    }

    @Override
    public INDArray derivative(INDArray x) {
        INDArray z = x.mul(Math.PI / 2 * alpha);
        return z.muli(z).addi(1.0).rdivi(alpha / 2);
    }
}
