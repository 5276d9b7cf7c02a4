package org.spikekd.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

class LanesTest {
    static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;

    @Test
    void expIsWithinAFewUlpOfMathExpOverTheFloatRange() {
        assumeTrue(VectorApi.AVAILABLE, "the Vector API module");
        float[] x = new float[FLOATS.length()];
        float[] y = new float[FLOATS.length()];
        double worstUlps = 0;
        float worstX = 0;
        for (float v = -87f; v < 87.9f; v += 0.0137f) {
            for (int i = 0; i < x.length; i++) {
                x[i] = v + i * 1e-3f;
            }
            Lanes.exp(FloatVector.fromArray(FLOATS, x, 0)).intoArray(y, 0);
            for (int i = 0; i < x.length; i++) {
                float expected = (float) Math.exp(x[i]);
                double ulps = Math.abs(y[i] - expected) / Math.ulp(expected);
                if (ulps > worstUlps) {
                    worstUlps = ulps;
                    worstX = x[i];
                }
            }
        }
        assertTrue(worstUlps <= 3, "worst error " + worstUlps + " ulp, at " + worstX);
    }

    @Test
    void expOfTheTailsIsZeroOrFiniteAndExact() {
        assumeTrue(VectorApi.AVAILABLE, "the Vector API module");
        float[] x = new float[FLOATS.length()];
        float[] y = new float[FLOATS.length()];
        java.util.Arrays.fill(x, -1000f);
        x[0] = 1000f;
        x[x.length - 1] = 0f;
        Lanes.exp(FloatVector.fromArray(FLOATS, x, 0)).intoArray(y, 0);
        assertEquals((float) Math.exp(88), y[0], Math.ulp((float) Math.exp(88)) * 3);
        assertEquals(0f, y[1]);
        assertEquals(1f, y[x.length - 1]);
    }

    @Test
    void lanesAreSummedInTheirOrder() {
        assumeTrue(VectorApi.AVAILABLE, "the Vector API module");
        VectorSpecies<Double> doubles = DoubleVector.SPECIES_PREFERRED;
        double[] lanes = new double[doubles.length()];
        double expected = 0;
        for (int i = 0; i < lanes.length; i++) {
            lanes[i] = i == 0 ? 1e16 : 1.0 + i * 0.1;
            expected += lanes[i];
        }
        assertEquals(expected, Lanes.sumInOrder(DoubleVector.fromArray(doubles, lanes, 0)));
    }
}
