package org.spikekd.surrogate;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** sigmoid(alpha x); derivative alpha sg (1 - sg). SpikingJelly's and the reference's default. */
public final class SigmoidSurrogate implements SurrogateFunction {
    private final double alpha;

    public SigmoidSurrogate(double alpha) {
        this.alpha = Surrogates.checkAlpha(alpha);
    }

    @Override public double alpha() { return alpha; }

    @Override public String name() { return "sigmoid"; }

    @Override
    public INDArray primitive(INDArray x) {
        return Transforms.sigmoid(x.mul(alpha), false);
    }

    @Override
    public INDArray derivative(INDArray x) {
        // alpha * sg (1 - sg) with sg = sigmoid(alpha x): ND4J's sigmoid derivative in one pass
        return Transforms.sigmoidDerivative(x.mul(alpha), false).muli(alpha);
    }
}
