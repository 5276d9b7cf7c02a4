package org.spikekd.batchnorm;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link BatchNormColumns} in SIMD through the JDK's Vector API: one vector spans neighbouring
 * channels, and the loop over rows is the inner one, so each vector of channels keeps its sums in
 * registers while it walks down the block. A float vector widens into two double vectors (its low
 * and high halves of channels) for the sums. Channels that fill no whole vector run as the plain
 * loops.
 */
final class VectorBatchNormColumns implements BatchNormColumns {
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    /** Doubles in a vector of the same width: each float vector widens into two of them. */
    private static final VectorSpecies<Double> DOUBLES = VectorSpecies.of(double.class, FLOATS.vectorShape());
    private static final int HALF = DOUBLES.length();

    @Override
    public void addMoments(float[] x, int rows, int channels, double[] sum, double[] sumSquares) {
        int bound = FLOATS.loopBound(channels);
        for (int c = 0; c < bound; c += FLOATS.length()) {
            DoubleVector sumLow = DoubleVector.zero(DOUBLES);
            DoubleVector sumHigh = DoubleVector.zero(DOUBLES);
            DoubleVector squaresLow = DoubleVector.zero(DOUBLES);
            DoubleVector squaresHigh = DoubleVector.zero(DOUBLES);
            for (int at = c, r = 0; r < rows; r++, at += channels) {
                FloatVector v = FloatVector.fromArray(FLOATS, x, at);
                DoubleVector low = (DoubleVector) v.convertShape(VectorOperators.F2D, DOUBLES, 0);
                DoubleVector high = (DoubleVector) v.convertShape(VectorOperators.F2D, DOUBLES, 1);
                sumLow = sumLow.add(low);
                sumHigh = sumHigh.add(high);
                squaresLow = low.fma(low, squaresLow);
                squaresHigh = high.fma(high, squaresHigh);
            }
            sumLow.add(DoubleVector.fromArray(DOUBLES, sum, c)).intoArray(sum, c);
            sumHigh.add(DoubleVector.fromArray(DOUBLES, sum, c + HALF)).intoArray(sum, c + HALF);
            squaresLow.add(DoubleVector.fromArray(DOUBLES, sumSquares, c)).intoArray(sumSquares, c);
            squaresHigh.add(DoubleVector.fromArray(DOUBLES, sumSquares, c + HALF)).intoArray(sumSquares, c + HALF);
        }
        ScalarBatchNormColumns.addMoments(x, rows, channels, bound, channels, sum, sumSquares);
    }

    @Override
    public void addGradientSums(float[] dy, float[] x, int rows, int channels, float[] center, double[] sumDy,
                                double[] sumDyCentered) {
        int bound = FLOATS.loopBound(channels);
        for (int c = 0; c < bound; c += FLOATS.length()) {
            FloatVector mean = FloatVector.fromArray(FLOATS, center, c);
            DoubleVector dyLow = DoubleVector.zero(DOUBLES);
            DoubleVector dyHigh = DoubleVector.zero(DOUBLES);
            DoubleVector productLow = DoubleVector.zero(DOUBLES);
            DoubleVector productHigh = DoubleVector.zero(DOUBLES);
            for (int at = c, r = 0; r < rows; r++, at += channels) {
                FloatVector d = FloatVector.fromArray(FLOATS, dy, at);
                // dy (x - center) in float, as the plain loop computes it, then widened for the sum
                FloatVector p = FloatVector.fromArray(FLOATS, x, at).sub(mean).mul(d);
                dyLow = dyLow.add((DoubleVector) d.convertShape(VectorOperators.F2D, DOUBLES, 0));
                dyHigh = dyHigh.add((DoubleVector) d.convertShape(VectorOperators.F2D, DOUBLES, 1));
                productLow = productLow.add((DoubleVector) p.convertShape(VectorOperators.F2D, DOUBLES, 0));
                productHigh = productHigh.add((DoubleVector) p.convertShape(VectorOperators.F2D, DOUBLES, 1));
            }
            dyLow.add(DoubleVector.fromArray(DOUBLES, sumDy, c)).intoArray(sumDy, c);
            dyHigh.add(DoubleVector.fromArray(DOUBLES, sumDy, c + HALF)).intoArray(sumDy, c + HALF);
            productLow.add(DoubleVector.fromArray(DOUBLES, sumDyCentered, c)).intoArray(sumDyCentered, c);
            productHigh.add(DoubleVector.fromArray(DOUBLES, sumDyCentered, c + HALF))
                    .intoArray(sumDyCentered, c + HALF);
        }
        ScalarBatchNormColumns.addGradientSums(dy, x, rows, channels, bound, channels, center, sumDy, sumDyCentered);
    }

    @Override
    public void writeInputGradient(float[] dy, float[] x, int rows, int channels, float[] a, float[] b,
                                   float[] center, float[] k, float[] dx) {
        int bound = FLOATS.loopBound(channels);
        for (int c = 0; c < bound; c += FLOATS.length()) {
            FloatVector va = FloatVector.fromArray(FLOATS, a, c);
            FloatVector vb = FloatVector.fromArray(FLOATS, b, c);
            FloatVector vCenter = FloatVector.fromArray(FLOATS, center, c);
            FloatVector vk = FloatVector.fromArray(FLOATS, k, c);
            for (int at = c, r = 0; r < rows; r++, at += channels) {
                FloatVector d = FloatVector.fromArray(FLOATS, dy, at);
                FloatVector centered = FloatVector.fromArray(FLOATS, x, at).sub(vCenter);
                d.mul(va).add(centered.mul(vb)).add(vk).intoArray(dx, at);
            }
        }
        ScalarBatchNormColumns.writeInputGradient(dy, x, rows, channels, bound, channels, a, b, center, k, dx);
    }
}
