package org.spikekd.averaging;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.spikekd.train.ModelState;

/**
 * The driver's step after an averaging round, as in local SGD with a slow outer optimizer
 * (SlowMo, Wang et al., ICLR 2020; DiLoCo, Douillard et al., 2023). The round starts from
 * {@code previous} and its tasks' example-weighted mean is {@code mean}; instead of adopting the mean,
 * the driver treats {@code delta = mean - previous} as the negative of a gradient and takes a step
 * of Nesterov momentum on it:
 *
 * <pre>
 *   v     = momentum * v + delta
 *   next  = previous + learningRate * (delta + momentum * v)
 * </pre>
 *
 * <p>With learning rate 1 and momentum 0 this is plain averaging, and it returns the mean itself
 * (bit for bit, not {@code previous + (mean - previous)} rounded). A learning rate above 1
 * extrapolates along the averaged direction: k copies that each took 1/k of one JVM's steps moved
 * about 1/k as far, and their mean keeps the direction they agree on while their noise cancels.
 * Measured on SpikeKD's student, averaged once per epoch, no extrapolation beat plain averaging
 * (docs/distributed-training.md), so the job's default is {@link Kind#NONE}.
 *
 * <p>The first {@code warmupRounds} rounds adopt the mean: the first round starts from random
 * weights, and its change is the large, curved first stretch of training, which an extrapolation
 * overshoots (measured: outer learning rate 2 from the first round took a 2-partition student to
 * 29% after its first epoch, against 81% plain). The velocity starts at the first step after them.
 *
 * <p>Only trained parameters take the step. Batch norm's running mean and variance, the optimizer's
 * own state (Adam's moments) and the iteration count are taken from the mean as they are: they are
 * statistics of the round, not directions to extrapolate (a variance stepped past its mean can go
 * negative, and Adam's second moment the same). The velocity {@code v} is this optimizer's state:
 * with the count of rounds it goes into the run's checkpoint ({@link #state()}) so that a resumed run
 * takes the same steps.
 */
public final class OuterOptimizer {
    /** Which outer step. */
    public enum Kind {
        /** Adopt the mean: plain parameter averaging. */
        NONE,
        /** Nesterov momentum on the averaged change, with an outer learning rate. */
        NESTEROV
    }

    private static final int STATE_FORMAT = 2;

    private final Kind kind;
    private final double learningRate;
    private final double momentum;
    private final int warmupRounds;
    private int rounds;
    private float[] velocity;

    public OuterOptimizer(Kind kind, double learningRate, double momentum) {
        this(kind, learningRate, momentum, 0);
    }

    public OuterOptimizer(Kind kind, double learningRate, double momentum, int warmupRounds) {
        this.kind = kind;
        this.learningRate = learningRate;
        this.momentum = momentum;
        this.warmupRounds = warmupRounds;
    }

    /** True if a step returns the mean as it is. */
    public boolean isPlainAveraging() {
        return kind == Kind.NONE || (learningRate == 1.0 && momentum == 0.0);
    }

    public Kind kind() {
        return kind;
    }

    public double learningRate() {
        return learningRate;
    }

    public double momentum() {
        return momentum;
    }

    /**
     * The state the next round starts from.
     *
     * @param statistics true at the parameters that are running statistics (batch norm's mean and
     *     variance), which are taken from {@code mean} unchanged
     */
    public ModelState step(ModelState previous, ModelState mean, boolean[] statistics) {
        if (isPlainAveraging()) {
            return mean;
        }
        if (++rounds <= warmupRounds) {
            return mean;
        }
        float[] p = previous.parameters;
        float[] m = mean.parameters;
        if (p.length != m.length || statistics.length != p.length) {
            throw new IllegalArgumentException("outer step over states of different networks: " + p.length + ", "
                    + m.length + " and " + statistics.length + " parameters");
        }
        if (velocity == null) {
            velocity = new float[p.length];
        } else if (velocity.length != p.length) {
            throw new IllegalStateException("the outer optimizer's state has " + velocity.length
                    + " values, the network " + p.length + " parameters");
        }
        float[] next = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            if (statistics[i]) {
                next[i] = m[i];
                continue;
            }
            double delta = (double) m[i] - p[i];
            double v = momentum * velocity[i] + delta;
            velocity[i] = (float) v;
            next[i] = (float) (p[i] + learningRate * (delta + momentum * v));
        }
        return new ModelState(next, mean.updaterState, mean.iterationCount);
    }

    /** The rounds so far and the velocity, for a checkpoint; null under plain averaging, which keeps none. */
    public byte[] state() {
        if (isPlainAveraging()) {
            return null;
        }
        int length = velocity == null ? 0 : velocity.length;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(12 + 4 * length);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(STATE_FORMAT);
            out.writeInt(rounds);
            out.writeInt(velocity == null ? -1 : length);
            for (int i = 0; i < length; i++) {
                out.writeFloat(velocity[i]);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e); // a byte array does not fail
        }
        return bytes.toByteArray();
    }

    /** Restores what {@link #state()} returned. */
    public void restore(byte[] state) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(state))) {
            int format = in.readInt();
            if (format != STATE_FORMAT) {
                throw new IOException("outer optimizer state of format " + format + ", this SpikeKD reads "
                        + STATE_FORMAT);
            }
            int savedRounds = in.readInt();
            int length = in.readInt();
            float[] v = length < 0 ? null : new float[length];
            for (int i = 0; i < length; i++) {
                v[i] = in.readFloat();
            }
            rounds = savedRounds;
            velocity = v;
        }
    }

    @Override
    public String toString() {
        return isPlainAveraging() ? "plain averaging"
                : String.format("outer Nesterov step (learning rate %s, momentum %s, from round %d)", learningRate,
                        momentum, warmupRounds + 1);
    }
}
