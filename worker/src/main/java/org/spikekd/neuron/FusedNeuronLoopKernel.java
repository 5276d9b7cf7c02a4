package org.spikekd.neuron;

import java.nio.FloatBuffer;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.spikekd.surrogate.ArctanSurrogate;
import org.spikekd.surrogate.FastSigmoidSurrogate;
import org.spikekd.surrogate.SigmoidSurrogate;
import org.spikekd.surrogate.SurrogateFunction;

/**
 * A spiking neuron's forward and backward time loops, each as one pass over memory.
 *
 * <p>Done as ND4J operations, every step of the loop (charge, fire, reset; and backward the
 * surrogate, the reset's two paths, the decay) reads and writes the layer's whole [N, ...] slice
 * again: some 35 passes over T*M floats per training step, plus libnd4j's scalar exponential for the
 * sigmoid surrogate. Here each block of {@value #BLOCK} neurons is carried through all T steps
 * while its membrane (forward) or dL/dv (backward) stays in the L1 cache: forward reads I and writes
 * h and s, backward reads dL/ds and h and writes dL/dI. The arithmetic is SIMD through the JDK's
 * Vector API (the exponential included), blocks are spread over the common fork-join pool.
 *
 * <p>The arithmetic is {@link SpikingNeuron}'s, operation for operation and in the same order, so
 * both paths agree to float rounding; {@code FusedNeuronLoopTest} holds them to it for every
 * neuron, reset and surrogate. Blocks are processed whole, padding included (the scratch arrays are
 * whole vectors long), and only the valid part is copied back.
 */
final class FusedNeuronLoopKernel {
    private FusedNeuronLoopKernel() {}

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /** Neurons per block: 4 scratch arrays of 8 KB stay in L1/L2 through the T steps. A multiple of any vector length. */
    static final int BLOCK = 2048;

    static void forward(SpikingNeuron neuron, INDArray current, INDArray initial,
                        INDArray charged, INDArray spikes, INDArray membrane) {
        int steps = (int) current.size(0);
        int perStep = (int) current.size(1);
        float decay = (float) neuron.decay();
        float gain = (float) neuron.gain();
        float drive = (float) neuron.drive();
        float threshold = (float) neuron.vThreshold();
        float rest = (float) neuron.vReset();
        boolean hard = neuron.reset() == SpikingNeuron.Reset.HARD;
        Buffer in = new Buffer(current);
        Buffer start = initial == null ? null : new Buffer(initial);
        Buffer h = new Buffer(charged);
        Buffer s = new Buffer(spikes);
        Buffer v = new Buffer(membrane);
        forEachBlock(perStep, (from, length, scratch) -> {
            int n = padded(length);
            float[] mem = scratch[0];
            float[] x = scratch[1];
            float[] hs = scratch[2];
            float[] ss = scratch[3];
            if (start != null) {
                start.get(from, x, length);
                System.arraycopy(x, 0, mem, 0, length);
            } else {
                java.util.Arrays.fill(mem, 0, n, rest);
            }
            for (int t = 0; t < steps; t++) {
                int at = t * perStep + from;
                in.get(at, x, length);
                for (int i = 0; i < n; i += SPECIES.length()) {
                    FloatVector vPrev = FloatVector.fromArray(SPECIES, mem, i);
                    FloatVector input = FloatVector.fromArray(SPECIES, x, i);
                    // charge: decay v + I, or decay v + gain I (gain applied first, as the ND4J path)
                    FloatVector hv = gain == 1f ? vPrev.mul(decay).add(input)
                            : vPrev.mul(decay).add(input.mul(gain));
                    if (drive != 0f) {
                        hv = hv.add(drive);
                    }
                    // fire: h >= v_threshold
                    VectorMask<Float> fired = hv.compare(VectorOperators.GE, threshold);
                    FloatVector sv = FloatVector.zero(SPECIES).blend(1f, fired);
                    // reset: to v_reset, or by subtracting v_threshold
                    FloatVector vNext = hard ? hv.blend(rest, fired) : hv.lanewise(VectorOperators.SUB, threshold, fired);
                    hv.intoArray(hs, i);
                    sv.intoArray(ss, i);
                    vNext.intoArray(mem, i);
                }
                h.put(at, hs, length);
                s.put(at, ss, length);
            }
            v.put(from, mem, length);
        });
    }

    /**
     * The spikes are not read: they are {@code h >= v_threshold} of the stored {@code h}, exactly as
     * the forward pass fired (one array fewer to stream through memory).
     */
    static void backward(SpikingNeuron neuron, INDArray spikeGradient, INDArray charged,
                         INDArray currentGradient) {
        int steps = (int) spikeGradient.size(0);
        int perStep = (int) spikeGradient.size(1);
        float decay = (float) neuron.decay();
        float gain = (float) neuron.gain();
        float threshold = (float) neuron.vThreshold();
        float rest = (float) neuron.vReset();
        boolean hard = neuron.reset() == SpikingNeuron.Reset.HARD;
        boolean throughSpike = !neuron.detachReset();
        Slope slope = Slope.of(neuron.surrogate());
        Buffer gs = new Buffer(spikeGradient);
        Buffer h = new Buffer(charged);
        Buffer gi = new Buffer(currentGradient);
        forEachBlock(perStep, (from, length, scratch) -> {
            int n = padded(length);
            float[] gradV = scratch[0]; // dL/dv[t] from step t+1
            float[] gsArr = scratch[1];
            float[] hArr = scratch[2];
            for (int t = steps - 1; t >= 0; t--) {
                int at = t * perStep + from;
                boolean last = t == steps - 1;
                gs.get(at, gsArr, length);
                h.get(at, hArr, length);
                for (int i = 0; i < n; i += SPECIES.length()) {
                    FloatVector hv = FloatVector.fromArray(SPECIES, hArr, i);
                    FloatVector fromOutput = FloatVector.fromArray(SPECIES, gsArr, i);
                    FloatVector sg = slope.at(hv.sub(threshold));
                    FloatVector g;
                    if (last) {
                        g = fromOutput.mul(sg);
                    } else {
                        FloatVector gv = FloatVector.fromArray(SPECIES, gradV, i);
                        if (throughSpike) {
                            // through the spike in the reset: dv/ds = v_reset - h (hard) or -v_threshold (soft)
                            if (hard) {
                                g = fromOutput.sub(hv.mul(gv));
                                if (rest != 0f) {
                                    g = gv.mul(rest).add(g);
                                }
                            } else {
                                g = fromOutput.sub(gv.mul(threshold));
                            }
                            g = g.mul(sg);
                        } else {
                            g = fromOutput.mul(sg);
                        }
                        // directly through the reset: dv/dh = 1 - s (hard) or 1 (soft)
                        g = g.add(gv);
                        if (hard) {
                            FloatVector sv = FloatVector.zero(SPECIES).blend(1f, hv.compare(VectorOperators.GE, threshold));
                            g = g.sub(sv.mul(gv));
                        }
                    }
                    g.mul(decay).intoArray(gradV, i);
                    if (gain != 1f) {
                        g = g.mul(gain);
                    }
                    g.intoArray(gsArr, i); // dL/dI[t], written back over dL/ds[t]'s scratch
                }
                gi.put(at, gsArr, length);
            }
        });
    }

    /** The surrogate's derivative, as vector arithmetic; the formulas of the surrogate classes. */
    private interface Slope {
        FloatVector at(FloatVector x);

        static Slope of(SurrogateFunction surrogate) {
            float alpha = (float) surrogate.alpha();
            if (surrogate instanceof SigmoidSurrogate) {
                // alpha sg (1 - sg), sg = 1 / (1 + exp(-alpha x))
                return x -> {
                    FloatVector sg = FloatVector.broadcast(SPECIES, 1f)
                            .div(x.mul(alpha).neg().lanewise(VectorOperators.EXP).add(1f));
                    return sg.mul(sg.neg().add(1f)).mul(alpha);
                };
            }
            if (surrogate instanceof ArctanSurrogate) {
                // (alpha/2) / (1 + (pi/2 alpha x)^2)
                float scale = (float) (Math.PI / 2 * surrogate.alpha());
                float half = (float) (surrogate.alpha() / 2);
                return x -> {
                    FloatVector z = x.mul(scale);
                    return FloatVector.broadcast(SPECIES, half).div(z.mul(z).add(1f));
                };
            }
            if (surrogate instanceof FastSigmoidSurrogate) {
                // 1 / (1 + alpha |x|)^2
                return x -> {
                    FloatVector d = x.abs().mul(alpha).add(1f);
                    return FloatVector.broadcast(SPECIES, 1f).div(d.mul(d));
                };
            }
            // triangle: alpha max(0, 1 - alpha |x|)
            return x -> x.abs().mul(alpha).neg().add(1f).max(0f).mul(alpha);
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
        /** @param scratch four arrays of {@link #BLOCK} floats, the calling thread's own */
        void run(int from, int length, float[][] scratch);
    }

    /**
     * Runs {@code task} on every block of {@link #BLOCK} neurons, in a few chunks of consecutive
     * blocks over the fork-join pool; each chunk allocates its scratch arrays once.
     */
    private static void forEachBlock(int perStep, BlockTask task) {
        int blocks = (perStep + BLOCK - 1) / BLOCK;
        int chunks = Math.min(blocks, 4 * (ForkJoinPool.getCommonPoolParallelism() + 1));
        IntStream.range(0, chunks).parallel().forEach(c -> {
            float[][] scratch = new float[4][BLOCK];
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
