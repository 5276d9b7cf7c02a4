package org.spikekd.neuron;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.spikekd.simd.Lanes;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.spikekd.cpu.ThreadBudget;
import org.spikekd.surrogate.SurrogateKernel;

/**
 * A spiking neuron's forward and backward time loops, each as one pass over memory.
 *
 * <p>Done as ND4J operations, every step of the loop (charge, fire, reset; and backward the
 * surrogate, the reset's two paths, the decay) reads and writes the layer's whole [N, ...] slice
 * again: some 35 passes over T*M floats per training step, plus libnd4j's scalar exponential for the
 * sigmoid surrogate. Here each block of {@value #BLOCK} neurons is carried through all T steps
 * while its membrane (forward) or dL/dv (backward) stays in the cache. Forward reads I and writes
 * the spikes; it does not store the membrane h: the backward pass runs the block's forward steps
 * again from I (the same arithmetic, so the same h, bit for bit; cheaper than writing h out and
 * reading it back, since the loops are bound by memory traffic), then reads dL/ds and writes dL/dI.
 * The arithmetic is SIMD through the JDK's Vector API (the exponential included); blocks are
 * spread over the common fork-join pool.
 *
 * <p>The arithmetic is {@link SpikingNeuron}'s, operation for operation and in the same order, so
 * both paths agree to float rounding; {@code FusedNeuronLoopTest} holds them to it for every
 * neuron, reset and surrogate. Blocks are processed whole, padding included (the scratch arrays are
 * whole vectors long), and only the valid part is copied back.
 */
final class FusedNeuronLoopKernel {
    private FusedNeuronLoopKernel() {}

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /** Neurons per block: the scratch arrays (2T + 4 of 8 KB) stay in L1/L2. A multiple of any vector length. */
    static final int BLOCK = 2048;

    /** One neuron model's charge, fire and reset, in float. */
    private static final class Dynamics {
        final float decay;
        final float gain;
        final float drive;
        final float threshold;
        final float rest;
        final boolean hard;

        Dynamics(SpikingNeuron neuron) {
            decay = (float) neuron.decay();
            gain = (float) neuron.gain();
            drive = (float) neuron.drive();
            threshold = (float) neuron.vThreshold();
            rest = (float) neuron.vReset();
            hard = neuron.reset() == SpikingNeuron.Reset.HARD;
        }

        /** The membrane before the first step: {@code start}'s block, or the resting potential. */
        void begin(Buffer start, int from, int length, float[] membrane) {
            if (start != null) {
                start.get(from, membrane, length);
            } else {
                Arrays.fill(membrane, 0, length, rest);
            }
        }

        /**
         * One time step over {@code n} neurons: h = decay v + gain I + drive into {@code charged}
         * (if not null), the spikes h >= v_threshold into {@code spikes} (if not null), and the
         * membrane after the reset back into {@code membrane}.
         */
        void step(float[] current, float[] membrane, float[] charged, float[] spikes, int n) {
            // branch-free: a vector chosen by an if/else is no longer optimized away (see below);
            // multiplying by 1, adding 0 and keeping 0 times h change no finite value
            float keep = hard ? 0f : 1f;
            float resetShift = hard ? rest : -threshold;
            for (int i = 0; i < n; i += SPECIES.length()) {
                FloatVector v = FloatVector.fromArray(SPECIES, membrane, i);
                FloatVector input = FloatVector.fromArray(SPECIES, current, i);
                // charge: decay v + gain I + drive (the ND4J path: decay v + I when gain is 1)
                FloatVector h = v.mul(decay).add(input.mul(gain)).add(drive);
                VectorMask<Float> fired = h.compare(VectorOperators.GE, threshold);
                if (charged != null) {
                    h.intoArray(charged, i);
                }
                if (spikes != null) {
                    FloatVector.zero(SPECIES).blend(1f, fired).intoArray(spikes, i);
                }
                // reset where fired: to v_reset (hard), or h - v_threshold (soft)
                h.blend(h.mul(keep).add(resetShift), fired).intoArray(membrane, i);
            }
        }

        /** The membrane after a step's reset, from its charged membrane {@code charged} and spikes {@code spikes}. */
        void reset(float[] charged, float[] spikes, float[] membrane, int n) {
            float keep = hard ? 0f : 1f;
            float resetShift = hard ? rest : -threshold;
            for (int i = 0; i < n; i += SPECIES.length()) {
                FloatVector h = FloatVector.fromArray(SPECIES, charged, i);
                VectorMask<Float> fired = FloatVector.fromArray(SPECIES, spikes, i).compare(VectorOperators.NE, 0f);
                h.blend(h.mul(keep).add(resetShift), fired).intoArray(membrane, i);
            }
        }
    }

    /** @return the number of spikes (counted here, where they are made, rather than summed again) */
    static long forward(SpikingNeuron neuron, INDArray current, INDArray initial, INDArray spikes,
                        INDArray membrane) {
        int steps = (int) current.size(0);
        int perStep = (int) current.size(1);
        Dynamics dynamics = new Dynamics(neuron);
        Buffer in = new Buffer(current);
        Buffer start = initial == null ? null : new Buffer(initial);
        Buffer s = new Buffer(spikes);
        Buffer v = new Buffer(membrane);
        LongAdder fired = new LongAdder();
        forEachBlock(perStep, 3, (from, length, scratch) -> {
            int n = padded(length);
            float[] mem = scratch[0];
            float[] x = scratch[1];
            float[] ss = scratch[2];
            dynamics.begin(start, from, length, mem);
            for (int t = 0; t < steps; t++) {
                int at = t * perStep + from;
                in.get(at, x, length);
                dynamics.step(x, mem, null, ss, n);
                s.put(at, ss, length);
                fired.add(count(ss, length));
            }
            v.put(from, mem, length);
        });
        return fired.sum();
    }

    /** The spikes (ones) among the first {@code length} entries of {@code spikes}. */
    private static long count(float[] spikes, int length) {
        FloatVector sum = FloatVector.zero(SPECIES);
        int bound = SPECIES.loopBound(length);
        int i = 0;
        for (; i < bound; i += SPECIES.length()) {
            sum = sum.add(FloatVector.fromArray(SPECIES, spikes, i));
        }
        // exact: a lane adds at most BLOCK / lanes ones, far below float's 2^24
        long ones = (long) sum.reduceLanes(VectorOperators.ADD);
        for (; i < length; i++) {
            ones += (long) spikes[i];
        }
        return ones;
    }

    /** @return dL/dk of the neuron's learned leak, 0 for a neuron without one */
    static double backward(SpikingNeuron neuron, INDArray spikeGradient, INDArray current, INDArray initial,
                           INDArray currentGradient) {
        int steps = (int) spikeGradient.size(0);
        int perStep = (int) spikeGradient.size(1);
        Dynamics dynamics = new Dynamics(neuron);
        BackwardStep backward = new BackwardStep(dynamics, !neuron.detachReset(), neuron.surrogate().kernel());
        SpikingNeuron.LeakDerivatives leak = neuron.leakDerivatives();
        LeakGradient leakGradient = leak == null ? null : new LeakGradient(leak);
        // one sum per block, added in block order at the end: the same total whatever thread ran which block
        double[] leakSums = new double[(perStep + BLOCK - 1) / BLOCK];
        Buffer in = new Buffer(current);
        Buffer start = initial == null ? null : new Buffer(initial);
        Buffer gs = new Buffer(spikeGradient);
        Buffer gi = new Buffer(currentGradient);
        int leakArrays = leak == null ? 0 : 3;
        forEachBlock(perStep, 2 * steps + 4 + leakArrays, (from, length, scratch) -> {
            int n = padded(length);
            float[] gradV = scratch[0]; // dL/dv[t] from step t+1; first the membrane of the replayed forward
            float[] g = scratch[1];
            float[] x = scratch[2];
            float[] slopes = scratch[3];
            float[] dh = leak == null ? null : scratch[2 * steps + 4]; // dL/dh[t]
            float[] before = leak == null ? null : scratch[2 * steps + 5]; // v[t-1]
            float[] initialMembrane = leak == null ? null : scratch[2 * steps + 6];
            // the forward steps again: h[t] and s[t] for the block, into scratch[4 + 2t] and [5 + 2t]
            dynamics.begin(start, from, length, gradV);
            if (leak != null) {
                System.arraycopy(gradV, 0, initialMembrane, 0, n);
            }
            for (int t = 0; t < steps; t++) {
                in.get(t * perStep + from, x, length);
                dynamics.step(x, gradV, scratch[4 + 2 * t], scratch[5 + 2 * t], n);
            }
            double leakSum = 0.0;
            for (int t = steps - 1; t >= 0; t--) {
                int at = t * perStep + from;
                gs.get(at, g, length);
                backward.run(scratch[4 + 2 * t], scratch[5 + 2 * t], g, gradV, slopes, t == steps - 1, dh, n);
                gi.put(at, g, length);
                if (leak != null) {
                    if (t > 0) {
                        dynamics.reset(scratch[2 + 2 * t], scratch[3 + 2 * t], before, n);
                    }
                    in.get(at, x, length);
                    leakSum += leakGradient.sum(dh, t > 0 ? before : initialMembrane, x, length);
                }
            }
            leakSums[from / BLOCK] = leakSum;
        });
        double total = 0.0;
        for (double blockSum : leakSums) {
            total += blockSum;
        }
        return total;
    }

    /** dL/dk of a learned leak over a block: sum of dL/dh[t] (d decay/dk v[t-1] + d gain/dk I[t] + d drive/dk). */
    private static final class LeakGradient {
        private final float dDecay;
        private final float dGain;
        private final float dDrive;

        LeakGradient(SpikingNeuron.LeakDerivatives leak) {
            this.dDecay = (float) leak.decay();
            this.dGain = (float) leak.gain();
            this.dDrive = (float) leak.drive();
        }

        double sum(float[] dh, float[] before, float[] current, int length) {
            FloatVector sum = FloatVector.zero(SPECIES);
            int bound = SPECIES.loopBound(length);
            int i = 0;
            for (; i < bound; i += SPECIES.length()) {
                FloatVector dhdk = FloatVector.fromArray(SPECIES, before, i).mul(dDecay)
                        .add(FloatVector.fromArray(SPECIES, current, i).mul(dGain)).add(dDrive);
                sum = sum.add(FloatVector.fromArray(SPECIES, dh, i).mul(dhdk));
            }
            double total = Lanes.sumInOrder(sum); // not reduceLanes: its order may change once compiled
            for (; i < length; i++) {
                total += dh[i] * (before[i] * dDecay + current[i] * dGain + dDrive);
            }
            return total;
        }
    }

    /*
     * The loops are small, one job each, and free of if/else between vectors, because the Vector
     * API is only fast where the JIT turns every vector into registers: a method too large to
     * inline all its vector operations, or a vector chosen by a branch, makes the JIT keep heap
     * copies of vectors instead (measured: gigabytes of garbage per second, a young collection
     * every training step, and loops several times slower).
     */

    /** One step of backpropagation through time, over a block. */
    private static final class BackwardStep {
        private final float decay;
        private final float gain;
        private final float threshold;
        private final float rest;
        private final boolean hard;
        private final boolean throughSpike;
        private final SurrogateKernel slope;

        BackwardStep(Dynamics dynamics, boolean throughSpike, SurrogateKernel slope) {
            this.decay = dynamics.decay;
            this.gain = dynamics.gain;
            this.threshold = dynamics.threshold;
            this.rest = dynamics.rest;
            this.hard = dynamics.hard;
            this.throughSpike = throughSpike;
            this.slope = slope;
        }

        /**
         * @param h the membrane before firing at this step
         * @param s the spikes of this step
         * @param g dL/ds[t] in, dL/dI[t] out
         * @param gradV dL/dv[t] from step t+1 in (unless {@code last}), dL/dv[t-1] out
         * @param dh dL/dh[t] out, or null: not needed (a neuron without a learned leak)
         */
        void run(float[] h, float[] s, float[] g, float[] gradV, float[] slopes, boolean last, float[] dh, int n) {
            slope.derivative(h, threshold, slopes, n);
            if (last) {
                firstStep(g, gradV, slopes, dh, n);
            } else if (hard) {
                hardReset(h, s, g, gradV, slopes, dh, n);
            } else {
                softReset(g, gradV, slopes, dh, n);
            }
        }

        /** The last step: nothing flows back from a later one. */
        private void firstStep(float[] g, float[] gradV, float[] slopes, float[] dh, int n) {
            for (int i = 0; i < n; i += SPECIES.length()) {
                FloatVector d = FloatVector.fromArray(SPECIES, g, i).mul(FloatVector.fromArray(SPECIES, slopes, i));
                if (dh != null) {
                    d.intoArray(dh, i);
                }
                // dL/dv[t-1] = decay dL/dh[t]; dL/dI[t] = gain dL/dh[t]
                d.mul(decay).intoArray(gradV, i);
                d.mul(gain).intoArray(g, i);
            }
        }

        private void hardReset(float[] h, float[] s, float[] g, float[] gradV, float[] slopes, float[] dh, int n) {
            float spikePath = throughSpike ? 1f : 0f;
            for (int i = 0; i < n; i += SPECIES.length()) {
                FloatVector hv = FloatVector.fromArray(SPECIES, h, i);
                FloatVector gv = FloatVector.fromArray(SPECIES, gradV, i);
                FloatVector d = FloatVector.fromArray(SPECIES, g, i);
                // through the spike in the reset, unless detached: dv/ds = v_reset - h
                d = gv.mul(rest * spikePath).add(d.sub(hv.mul(gv).mul(spikePath)));
                d = d.mul(FloatVector.fromArray(SPECIES, slopes, i));
                // directly through the reset: dv/dh = 1 - s
                d = d.add(gv).sub(FloatVector.fromArray(SPECIES, s, i).mul(gv));
                if (dh != null) {
                    d.intoArray(dh, i);
                }
                // dL/dv[t-1] = decay dL/dh[t]; dL/dI[t] = gain dL/dh[t]
                d.mul(decay).intoArray(gradV, i);
                d.mul(gain).intoArray(g, i);
            }
        }

        private void softReset(float[] g, float[] gradV, float[] slopes, float[] dh, int n) {
            float spikePath = throughSpike ? threshold : 0f;
            for (int i = 0; i < n; i += SPECIES.length()) {
                FloatVector gv = FloatVector.fromArray(SPECIES, gradV, i);
                FloatVector d = FloatVector.fromArray(SPECIES, g, i);
                // through the spike in the reset, unless detached: dv/ds = -v_threshold
                d = d.sub(gv.mul(spikePath));
                // directly through the reset: dv/dh = 1
                d = d.mul(FloatVector.fromArray(SPECIES, slopes, i)).add(gv);
                if (dh != null) {
                    d.intoArray(dh, i);
                }
                // dL/dv[t-1] = decay dL/dh[t]; dL/dI[t] = gain dL/dh[t]
                d.mul(decay).intoArray(gradV, i);
                d.mul(gain).intoArray(g, i);
            }
        }
    }

    /** Block-wise absolute bulk access to an array's float buffer. */
    private static final class Buffer {
        private final FloatBuffer data;
        private final int offset;

        Buffer(INDArray array) {
            this.data = array.data().asNioFloat();
            this.offset = (int) array.offset();
        }

        void get(int index, float[] into, int length) {
            data.get(offset + index, into, 0, length);
        }

        void put(int index, float[] from, int length) {
            data.put(offset + index, from, 0, length);
        }
    }

    private interface BlockTask {
        /** @param scratch arrays of {@link #BLOCK} floats, the calling thread's own */
        void run(int from, int length, float[][] scratch);
    }

    /**
     * Runs {@code task} on every block of {@link #BLOCK} neurons, in a few chunks of consecutive
     * blocks over the fork-join pool; each chunk allocates its {@code arrays} scratch arrays once.
     */
    private static void forEachBlock(int perStep, int arrays, BlockTask task) {
        int blocks = (perStep + BLOCK - 1) / BLOCK;
        int chunks = Math.min(blocks, 4 * ThreadBudget.threads());
        ThreadBudget.forEach(chunks, c -> {
            float[][] scratch = new float[arrays][BLOCK];
            for (int b = c * blocks / chunks; b < (c + 1) * blocks / chunks; b++) {
                int from = b * BLOCK;
                task.run(from, Math.min(BLOCK, perStep - from), scratch);
            }
        });
    }

    private static int padded(int length) {
        return SPECIES.loopBound(length + SPECIES.length() - 1);
    }
}
