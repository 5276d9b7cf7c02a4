package org.spikekd.surrogate;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Triangle (piecewise linear) surrogate (Esser et al., 2016; Bellec et al., 2018): derivative
 * alpha * max(0, 1 - alpha |x|), which integrates to one over its support |x| < 1/alpha. Its
 * primitive is the piecewise quadratic that rises from 0 to 1 over that support.
 */
public final class TriangleSurrogate implements SurrogateFunction {
    private final double alpha;

    public TriangleSurrogate(double alpha) {
        this.alpha = Surrogates.checkAlpha(alpha);
    }

    @Override public double alpha() { return alpha; }

    @Override public String name() { return "triangle"; }

    @Override
    public INDArray primitive(INDArray x) {
        // 0.5 + sign(x) * (1 - (1 - alpha|x|)^2) / 2 inside the support, 0 or 1 outside
        INDArray within = Transforms.abs(x, true).muli(alpha);
        Transforms.min(within, 1.0, false);
        INDArray rise = within.rsub(1.0);
        rise.muli(rise).rsubi(1.0).muli(0.5);
        return Transforms.sign(x, true).muli(rise).addi(0.5);
    }

    @Override
    public INDArray derivative(INDArray x) {
        INDArray d = Transforms.abs(x, true).muli(alpha).rsubi(1.0);
        return Transforms.max(d, 0.0, false).muli(alpha);
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

        /** alpha max(0, 1 - alpha |x|). */
        @Override
        public void derivative(float[] x, float shift, float[] into, int n) {
            for (int i = 0; i < n; i += SPECIES.length()) {
                FloatVector.fromArray(SPECIES, x, i).sub(shift).abs().mul(alpha).neg().add(1f).max(0f).mul(alpha)
                        .intoArray(into, i);
            }
        }
    }
}
