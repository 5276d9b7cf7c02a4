package org.spikekd.surrogate;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
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

    /** The derivative as a vector loop; only when the Vector API is there (see {@link SurrogateKernel}). */
    @Override
    public SurrogateKernel kernel() {
        return new Kernel(alpha);
    }

    private static final class Kernel implements SurrogateKernel {
        private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
        private final float scale;
        private final float half;

        Kernel(double alpha) {
            this.scale = (float) (Math.PI / 2 * alpha);
            this.half = (float) (alpha / 2);
        }

        /** (alpha/2) / (1 + (pi/2 alpha x)^2). */
        @Override
        public void derivative(float[] x, float shift, float[] into, int n) {
            for (int i = 0; i < n; i += SPECIES.length()) {
                FloatVector z = FloatVector.fromArray(SPECIES, x, i).sub(shift).mul(scale);
                FloatVector.broadcast(SPECIES, half).div(z.mul(z).add(1f)).intoArray(into, i);
            }
        }
    }
}
