package org.spikekd.surrogate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.simd.VectorApi;

/**
 * Each surrogate's derivative against central differences of its primitive, and its vector kernel
 * against its ND4J derivative.
 */
class SurrogateGradientCheckTest {

    static java.util.stream.Stream<Object[]> surrogates() {
        return Surrogates.NAMES.stream().flatMap(name -> java.util.stream.Stream.of(0.5, 2.0, 4.0, 10.0)
                .map(alpha -> new Object[] {name, alpha}));
    }

    @ParameterizedTest(name = "{0} alpha={1}")
    @MethodSource("surrogates")
    void derivativeMatchesFiniteDifferencesOfPrimitive(String name, double alpha) {
        SurrogateFunction f = Surrogates.byName(name, alpha);
        // a grid over [-3, 3] that avoids the triangle's kinks at +-1/alpha and the origin
        INDArray x = Nd4j.linspace(DataType.DOUBLE, -3.0, 6.0 / 400, 401).addi(0.0012345);
        double h = 1e-6;
        INDArray numeric = f.primitive(x.add(h)).subi(f.primitive(x.sub(h))).divi(2 * h);
        INDArray analytic = f.derivative(x);
        int checked = 0;
        for (long i = 0; i < x.length(); i++) {
            double xi = x.getDouble(i);
            if (name.equals("triangle") && Math.abs(Math.abs(xi) - 1 / alpha) < 10 * h) {
                continue;
            }
            assertEquals(numeric.getDouble(i), analytic.getDouble(i), 1e-6 * Math.max(1, Math.abs(numeric.getDouble(i))),
                    name + " derivative at x=" + xi);
            checked++;
        }
        assertTrue(checked > 390);
        // the derivative peaks at the threshold
        assertTrue(f.derivative(Nd4j.scalar(0.0)).getDouble(0) >= f.derivative(Nd4j.scalar(0.5)).getDouble(0));
    }

    @ParameterizedTest(name = "{0} alpha={1}")
    @MethodSource("surrogates")
    void theVectorKernelComputesTheDerivative(String name, double alpha) {
        assumeTrue(VectorApi.AVAILABLE, "the Vector API module is not in this JVM");
        SurrogateFunction f = Surrogates.byName(name, alpha);
        int n = 4 * FloatVector.SPECIES_PREFERRED.length();
        float shift = 0.6f;
        float[] h = new float[n];
        for (int i = 0; i < n; i++) {
            h[i] = shift + (i - n / 2f) * 6f / n; // h - shift spans [-3, 3)
        }
        float[] kernel = new float[n];
        f.kernel().derivative(h, shift, kernel, n);
        INDArray x = Nd4j.createFromArray(h).castTo(DataType.DOUBLE).subi(shift);
        INDArray nd4j = f.derivative(x);
        for (int i = 0; i < n; i++) {
            assertEquals(nd4j.getDouble(i), kernel[i], 1e-5 * Math.max(1, Math.abs(nd4j.getDouble(i))),
                    name + " kernel at x=" + x.getDouble(i));
        }
    }

    @Test
    void rejectsUnknownNamesAndBadWidths() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Surrogates.byName("erf", 1));
        assertTrue(e.getMessage().contains("sigmoid"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Surrogates.byName("sigmoid", 0));
        assertThrows(IllegalArgumentException.class, () -> Surrogates.byName("arctan", Double.NaN));
    }
}
