package org.spikekd.batchnorm;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.spikekd.simd.Lanes;

/**
 * {@link BatchNormRows} in SIMD through the JDK's Vector API. The sums widen each float vector into
 * two double vectors and accumulate those (what the plain loops do one element at a time), whose
 * lanes are then added in lane order (Lanes.sumInOrder: reduceLanes's order may change once the JIT
 * compiles it); the remainder of a row that fills no whole vector runs as the plain loops.
 */
final class VectorBatchNormRows implements BatchNormRows {
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    /** Doubles in a vector of the same width: each float vector widens into two of them. */
    private static final VectorSpecies<Double> DOUBLES = VectorSpecies.of(double.class, FLOATS.vectorShape());

    @Override
    public void addMoments(float[] x, int length, double[] sums) {
        DoubleVector sum = DoubleVector.zero(DOUBLES);
        DoubleVector sumSquares = DoubleVector.zero(DOUBLES);
        int bound = FLOATS.loopBound(length);
        for (int j = 0; j < bound; j += FLOATS.length()) {
            FloatVector v = FloatVector.fromArray(FLOATS, x, j);
            DoubleVector low = (DoubleVector) v.convertShape(VectorOperators.F2D, DOUBLES, 0);
            DoubleVector high = (DoubleVector) v.convertShape(VectorOperators.F2D, DOUBLES, 1);
            sum = sum.add(low).add(high);
            sumSquares = low.fma(low, sumSquares).add(high.mul(high));
        }
        sums[0] += Lanes.sumInOrder(sum);
        sums[1] += Lanes.sumInOrder(sumSquares);
        ScalarBatchNormRows.addMoments(x, bound, length, sums);
    }

    @Override
    public void addGradientSums(float[] dy, float[] x, int length, float center, double[] sums) {
        DoubleVector sumDy = DoubleVector.zero(DOUBLES);
        DoubleVector sumDyCentered = DoubleVector.zero(DOUBLES);
        int bound = FLOATS.loopBound(length);
        for (int j = 0; j < bound; j += FLOATS.length()) {
            FloatVector d = FloatVector.fromArray(FLOATS, dy, j);
            // dy (x - center) in float, as the plain loop computes it, then widened for the sum
            FloatVector p = FloatVector.fromArray(FLOATS, x, j).sub(center).mul(d);
            sumDy = sumDy.add((DoubleVector) d.convertShape(VectorOperators.F2D, DOUBLES, 0))
                    .add((DoubleVector) d.convertShape(VectorOperators.F2D, DOUBLES, 1));
            sumDyCentered = sumDyCentered.add((DoubleVector) p.convertShape(VectorOperators.F2D, DOUBLES, 0))
                    .add((DoubleVector) p.convertShape(VectorOperators.F2D, DOUBLES, 1));
        }
        sums[0] += Lanes.sumInOrder(sumDy);
        sums[1] += Lanes.sumInOrder(sumDyCentered);
        ScalarBatchNormRows.addGradientSums(dy, x, bound, length, center, sums);
    }

    @Override
    public void writeInputGradient(float[] dy, float[] x, int length, float a, float b, float center, float k,
                                   float[] dx) {
        int bound = FLOATS.loopBound(length);
        for (int j = 0; j < bound; j += FLOATS.length()) {
            FloatVector d = FloatVector.fromArray(FLOATS, dy, j);
            FloatVector centered = FloatVector.fromArray(FLOATS, x, j).sub(center);
            d.mul(a).add(centered.mul(b)).add(k).intoArray(dx, j);
        }
        ScalarBatchNormRows.writeInputGradient(dy, x, bound, length, a, b, center, k, dx);
    }
}
