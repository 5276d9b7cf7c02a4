package org.spikekd.surrogate;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
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

    /** The derivative as a vector loop; only when the Vector API is there (see {@link SurrogateKernel}). */
    @Override
    public SurrogateKernel kernel() {
        return new Kernel(alpha);
    }

    private static final class Kernel implements SurrogateKernel {
        private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
        private final float alpha;

        Kernel(double alpha) {
            this.alpha = (float) alpha;
        }

        /** 1 / (1 + alpha |x|)^2. */
        @Override
        public void derivative(float[] x, float shift, float[] into, int n) {
            for (int i = 0; i < n; i += SPECIES.length()) {
                FloatVector d = FloatVector.fromArray(SPECIES, x, i).sub(shift).abs().mul(alpha).add(1f);
                FloatVector.broadcast(SPECIES, 1f).div(d.mul(d)).intoArray(into, i);
            }
        }
    }
}
