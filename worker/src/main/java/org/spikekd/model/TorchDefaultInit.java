package org.spikekd.model;

import java.util.SplittableRandom;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * PyTorch's default initialization of convolution and linear weights (Kaiming-uniform with
 * a = sqrt(5)): U(-1/sqrt(fan_in), 1/sqrt(fan_in)). Used so that SpikeKD's networks start where the
 * PyTorch reference's do: for a spiking network the initial scale decides how many neurons fire.
 *
 * <p>The numbers come from a Java generator seeded by {@link #seeded}, not from ND4J's native one:
 * with ND4J 1.0.0-M2 on CPU, {@code Nd4j.getRandom().setSeed(s)} does not make the next draws
 * repeat (the same seed gave different weights on every call), so a network's seed would not
 * decide its initialization.
 */
public class TorchDefaultInit implements IWeightInit {
    private static final ThreadLocal<SplittableRandom> SEEDED = new ThreadLocal<>();

    /** Runs {@code init} (a network's {@code init()}) with weights drawn from {@code seed}. */
    public static void seeded(long seed, Runnable init) {
        SEEDED.set(new SplittableRandom(seed));
        try {
            init.run();
        } finally {
            SEEDED.remove();
        }
    }

    @Override
    public INDArray init(double fanIn, double fanOut, long[] shape, char order, INDArray paramView) {
        double bound = 1.0 / Math.sqrt(fanIn);
        SplittableRandom random = SEEDED.get() != null ? SEEDED.get() : new SplittableRandom();
        double[] values = new double[(int) paramView.length()];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextDouble(-bound, bound);
        }
        paramView.assign(Nd4j.createFromArray(values).castTo(paramView.dataType()).reshape(paramView.shape()));
        return paramView.reshape(order, shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TorchDefaultInit;
    }

    @Override
    public int hashCode() {
        return TorchDefaultInit.class.hashCode();
    }
}
