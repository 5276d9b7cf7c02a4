package org.spikekd.encoding;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The uniform numbers Poisson coding compares intensities with: a Java generator per thread,
 * seeded by the trainer at the start of each pass, so that a pass's spikes are decided by (seed,
 * epoch, partition). Not ND4J's generator: in 1.0.0-M2 re-seeding it does not make its draws repeat.
 */
public final class SpikeRandom {
    private static final ThreadLocal<SplittableRandom> RANDOM = ThreadLocal.withInitial(SplittableRandom::new);

    private SpikeRandom() {}

    /** Seeds this thread's generator (the trainer, before a pass over a partition). */
    public static void seed(long seed) {
        RANDOM.set(new SplittableRandom(seed));
    }

    /** An array of the given shape drawn uniformly from [0, 1). */
    static INDArray uniform(DataType type, long[] shape) {
        SplittableRandom random = RANDOM.get();
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        double[] values = new double[Math.toIntExact(n)];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextDouble();
        }
        return Nd4j.createFromArray(values).castTo(type).reshape(shape);
    }
}
