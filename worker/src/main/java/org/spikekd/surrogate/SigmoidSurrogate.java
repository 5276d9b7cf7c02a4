package org.spikekd.surrogate;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.spikekd.simd.Lanes;

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

        /** alpha sg (1 - sg), sg = 1 / (1 + exp(-alpha x)). */
        @Override
        public void derivative(float[] x, float shift, float[] into, int n) {
            for (int i = 0; i < n; i += SPECIES.length()) {
                FloatVector z = FloatVector.fromArray(SPECIES, x, i).sub(shift);
                // Lanes.exp, not lanewise(EXP), whose last bits depend on whether this is compiled yet
                FloatVector sg = FloatVector.broadcast(SPECIES, 1f)
                        .div(Lanes.exp(z.mul(alpha).neg()).add(1f));
                sg.mul(sg.neg().add(1f)).mul(alpha).intoArray(into, i);
            }
        }
    }
}
