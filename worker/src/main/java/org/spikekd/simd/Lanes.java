package org.spikekd.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.Vector;
import jdk.incubator.vector.VectorOperators;

/**
 * Vector operations whose results do not depend on whether the JIT has compiled the calling code.
 * The Vector API leaves the order of a floating-point {@code reduceLanes(ADD)} and the last bits of
 * {@code lanewise(EXP)} to the implementation: the interpreted fallback and the compiled intrinsic
 * (SVML) may give different sums and exponentials, so a JVM that has just started (an executor
 * that replaced a lost one, a resumed driver) would train differently from a warm one. Lane-wise
 * add, mul, fma, min, max, conversions and shifts are exact IEEE operations either way; these
 * methods are built from them alone.
 *
 * <p>Loaded only when {@link VectorApi#AVAILABLE}.
 */
public final class Lanes {
    private Lanes() {}

    /** The sum of the lanes in lane order, 0 first, in double (float lanes widened exactly). */
    public static double sumInOrder(Vector<?> v) {
        double sum = 0;
        for (double lane : v.toDoubleArray()) {
            sum += lane;
        }
        return sum;
    }

    private static final float LOG2E = 1.44269504088896341f;
    /** ln 2 in two parts, the first exact in few bits, so that k ln 2 is subtracted without rounding error. */
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5 x 2^23: adding it rounds a float below 2^22 in magnitude to the nearest integer. */
    private static final float ROUNDER = 12582912f;
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);

    /**
     * exp(x) in each lane, within a few ulp of Math.exp, by exact lane-wise operations only:
     * x = k ln 2 + r with |r| <= ln 2 / 2, exp(r) by its degree-7 Taylor polynomial (truncation error
     * below 1e-8 relative), times 2^k built in the exponent bits. Lanes below -87.3 give 0 (a float's
     * exp is at most a subnormal there); lanes above 88 give exp(88), 1.65e38 (no infinities).
     */
    public static FloatVector exp(FloatVector x) {
        FloatVector clamped = x.max(-87.3f).min(88f);
        FloatVector rounded = clamped.mul(LOG2E).add(ROUNDER); // ROUNDER + k, k an integer in [-126, 127]
        FloatVector k = rounded.sub(ROUNDER);
        FloatVector r = k.neg().fma(FloatVector.broadcast(x.species(), LN2_HI), clamped)
                .add(k.mul(-LN2_LO));
        FloatVector p = r.mul(1f / 5040).add(1f / 720);
        p = p.fma(r, FloatVector.broadcast(x.species(), 1f / 120));
        p = p.fma(r, FloatVector.broadcast(x.species(), 1f / 24));
        p = p.fma(r, FloatVector.broadcast(x.species(), 1f / 6));
        p = p.fma(r, FloatVector.broadcast(x.species(), 0.5f));
        p = p.fma(r, FloatVector.broadcast(x.species(), 1f));
        p = p.fma(r, FloatVector.broadcast(x.species(), 1f));
        // 2^k: k + 127 moved into the exponent field. k is read from the bits of ROUNDER + k (whose
        // last bit is worth 1), not by convert(F2I): the JIT compiles no intrinsic for that
        // conversion here, and its fallback boxes every vector (six times slower in the sigmoid kernel).
        IntVector exponent = rounded.reinterpretAsInts().sub(ROUNDER_BITS - 127).lanewise(VectorOperators.LSHL, 23);
        FloatVector scale = exponent.reinterpretAsFloats();
        FloatVector out = p.mul(scale);
        // below the clamp the true value is a tiny subnormal at most: call it 0, as a float sum would
        return out.blend(0f, x.compare(VectorOperators.LT, -87.3f));
    }
}
