package org.spikekd.neuron;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.simd.RowMajor;
import org.spikekd.surrogate.SurrogateFunction;

/**
 * A population of spiking neurons run over T time steps, with backpropagation through time.
 *
 * <p>Each step is three verbs (after SpikingJelly's {@code BaseNode}):
 * <ol>
 *   <li><b>charge</b>: integrate the input current into the membrane,
 *       {@code h[t] = decay * v[t-1] + gain * I[t] + drive}; neuron models differ only here;
 *   <li><b>fire</b>: {@code s[t] = step(h[t] - v_threshold)}, with the surrogate's derivative
 *       standing in for the step's backward;
 *   <li><b>reset</b>: hard, {@code v[t] = h[t] (1 - s[t]) + v_reset s[t]}, or soft (by
 *       subtraction), {@code v[t] = h[t] - v_threshold s[t]}. With {@code detachReset} the spike in
 *       the reset is treated as a constant in the backward pass.
 * </ol>
 *
 * <p>Input and output are time-folded: {@code [T*N, ...]}, time-major (all N examples of step 0,
 * then step 1, ...), so that the stateless layers around a neuron run once over all steps. The
 * membrane starts at {@code v_reset} (0 for a soft reset) for every sequence.
 */
public abstract class SpikingNeuron {

    /** How the membrane is reset after a spike. */
    public enum Reset { HARD, SOFT }

    private final double vThreshold;
    private final double vReset;
    private final Reset reset;
    private final boolean detachReset;
    private final SurrogateFunction surrogate;
    private final boolean smoothForward;

    /**
     * @param smoothForward fire with the surrogate's smooth primitive instead of the step. Only for
     *     gradient checks: it makes the forward pass differentiable, so finite differences can check
     *     the backward pass (which is the same code in both modes).
     */
    protected SpikingNeuron(double vThreshold, Reset reset, double vReset, boolean detachReset,
                            SurrogateFunction surrogate, boolean smoothForward) {
        if (!Double.isFinite(vThreshold) || !Double.isFinite(vReset)) {
            throw new IllegalArgumentException("v_threshold and v_reset must be finite numbers");
        }
        this.vThreshold = vThreshold;
        this.reset = reset;
        this.vReset = reset == Reset.HARD ? vReset : 0.0;
        this.detachReset = detachReset;
        this.surrogate = surrogate;
        this.smoothForward = smoothForward;
    }

    /** d h[t] / d v[t-1]: how much of the membrane survives one step. */
    protected abstract double decay();

    /** d h[t] / d I[t]. */
    protected abstract double gain();

    /** The constant term of the charge (the leak towards v_reset). */
    protected abstract double drive();

    /**
     * For a neuron with a learned leak k (the parametric LIF): d decay/dk, d gain/dk and
     * d drive/dk, so that dL/dk = sum over steps and neurons of dL/dh[t] (d decay/dk v[t-1] +
     * d gain/dk I[t] + d drive/dk); null for a neuron without one.
     */
    protected LeakDerivatives leakDerivatives() {
        return null;
    }

    /** How the charge's three coefficients move with a learned leak k. */
    public record LeakDerivatives(double decay, double gain, double drive) {}

    /** The gradients of a backward pass: dL/dI for every step, and dL/dk of a learned leak (0 without one). */
    public record Gradients(INDArray current, double leak) {}

    /** What the backward pass needs of a forward pass: the membrane before firing, or how to recompute it. */
    public static final class Trace {
        /**
         * h[t], the charged membrane before firing, [T, M]; null after a {@link FusedNeuronLoop}
         * forward pass, whose backward pass recomputes h from {@link #current} instead of reading it.
         */
        public final INDArray charged;
        /** s[t], the spikes, [T, M]. */
        public final INDArray spikes;
        /** How many of {@link #spikes} are 1, when the forward pass counted them; -1 otherwise. */
        public final long spikeCount;
        /** v[T-1], the membrane after the last step's reset, [1, M]: where a next run would start. */
        public final INDArray membrane;
        /** I[t], the input currents, [T, M] (a view of the layer's input). */
        final INDArray current;
        /** The membrane the run started from, [1, M] (a copy), or null: at rest. */
        final INDArray start;

        Trace(INDArray charged, INDArray spikes, long spikeCount, INDArray membrane, INDArray current,
              INDArray start) {
            this.charged = charged;
            this.spikes = spikes;
            this.spikeCount = spikeCount;
            this.membrane = membrane;
            this.current = current;
            this.start = start;
        }
    }

    /**
     * Runs the neurons over all steps.
     *
     * @param current input currents, time-folded [T*N, ...], any shape whose first dimension
     *     divides by T
     * @return the trace; {@code trace.spikes} reshaped to the input's shape is the layer's output
     */
    public Trace forward(INDArray current, int timeSteps) {
        return forward(current, timeSteps, null);
    }

    /**
     * Runs the neurons over all steps, starting from the membrane {@code initial} (a previous
     * trace's {@code membrane}, [1, M]) instead of the resting potential: a long simulation in
     * pieces gives the same spikes as in one go.
     */
    public Trace forward(INDArray current, int timeSteps, INDArray initial) {
        return forward(current, timeSteps, initial, true);
    }

    /** @param fusedIfAvailable whether {@link FusedNeuronLoop} may run this (tests compare both ways) */
    Trace forward(INDArray current, int timeSteps, INDArray initial, boolean fusedIfAvailable) {
        INDArray in = asSteps(current, timeSteps);
        long perStep = in.size(1);
        INDArray spikes = Nd4j.createUninitialized(in.dataType(), timeSteps, perStep);
        if (initial != null && initial.length() != perStep) {
            throw new IllegalArgumentException("a membrane of " + initial.length() + " neurons cannot start a run of "
                    + perStep + " neurons per step");
        }
        // a copy: callers may overwrite their membrane with this run's (SpikingLayerImpl does)
        INDArray start = initial == null ? null : initial.reshape(1, perStep).dup('c');
        // after the first reset the membrane lives in one buffer of its own (never the caller's array)
        INDArray membrane = Nd4j.createUninitialized(in.dataType(), 1, perStep);
        if (fusedIfAvailable && FusedNeuronLoop.applies(this, smoothForward, in, start, spikes, membrane)) {
            long fired = FusedNeuronLoopKernel.forward(this, in, start, spikes, membrane);
            return new Trace(null, spikes, fired, membrane, in, start);
        }
        INDArray charged = Nd4j.createUninitialized(in.dataType(), timeSteps, perStep);
        INDArray v = start != null ? start : Nd4j.valueArrayOf(new long[] {1, perStep}, vReset, in.dataType());
        for (int t = 0; t < timeSteps; t++) {
            INDArray h = charged.getRow(t, true);
            charge(v, in.getRow(t, true), h);
            INDArray s = spikes.getRow(t, true);
            fire(h, s);
            resetAfter(h, s, membrane);
            v = membrane;
        }
        return new Trace(charged, spikes, -1, v, in, start);
    }

    /*
     * The loops below are written for memory traffic: a student's step spends a quarter of its time
     * here, on arrays of millions of neurons, so every operation is one pass that writes into an
     * array it owns (ND4J's fused axpy, z = a x + y; the step op; products into scratch buffers)
     * rather than a chain of temporaries.
     */

    /**
     * Backpropagation through time.
     *
     * @param spikeGradient dL/ds for every step, same shape as the forward input
     * @return dL/dI for every step, shaped as {@code spikeGradient}
     */
    public INDArray backward(INDArray spikeGradient, Trace trace, int timeSteps) {
        return backward(spikeGradient, trace, timeSteps, true).current();
    }

    /** Backpropagation through time, with the gradient of a learned leak ({@link #leakDerivatives}). */
    public Gradients gradients(INDArray spikeGradient, Trace trace, int timeSteps) {
        return backward(spikeGradient, trace, timeSteps, true);
    }

    /** @param fusedIfAvailable whether {@link FusedNeuronLoop} may run this (tests compare both ways) */
    Gradients backward(INDArray spikeGradient, Trace trace, int timeSteps, boolean fusedIfAvailable) {
        INDArray gradS = asSteps(spikeGradient, timeSteps);
        INDArray gradI = Nd4j.createUninitialized(gradS.dataType(), gradS.shape());
        LeakDerivatives leak = leakDerivatives();
        if (fusedIfAvailable
                && FusedNeuronLoop.applies(this, smoothForward, gradS, trace.current, trace.start, gradI)) {
            double leakGradient = FusedNeuronLoopKernel.backward(this, gradS, trace.current, trace.start, gradI);
            return new Gradients(gradI.reshape(spikeGradient.shape()), leakGradient);
        }
        if (trace.charged == null) { // a fused forward pass; the ND4J operations need h
            trace = forward(trace.current, timeSteps, trace.start, false);
        }
        double leakGradient = 0.0;
        INDArray gradV = null; // dL/dv[t] flowing back from step t+1
        INDArray scratch = null;
        for (int t = timeSteps - 1; t >= 0; t--) {
            INDArray h = trace.charged.getRow(t, true);
            INDArray s = trace.spikes.getRow(t, true);
            INDArray g = gradI.getRow(t, true); // dL/ds[t], then dL/dh[t], then dL/dI[t]
            INDArray fromOutput = gradS.getRow(t, true); // the first operation on g reads it: no copy
            INDArray surrogateSlope = surrogate.derivative(h.sub(vThreshold));
            if (gradV != null && !detachReset) {
                // through the spike in the reset: dv/ds = v_reset - h (hard) or -v_threshold (soft)
                if (reset == Reset.HARD) {
                    Nd4j.exec(new Axpy(h.mul(gradV, scratch), fromOutput, g, -1.0));
                    if (vReset != 0.0) {
                        Nd4j.exec(new Axpy(gradV, g, g, vReset));
                    }
                } else {
                    Nd4j.exec(new Axpy(gradV, fromOutput, g, -vThreshold));
                }
                g.muli(surrogateSlope);
            } else {
                fromOutput.mul(surrogateSlope, g);
            }
            if (gradV != null) {
                // directly through the reset: dv/dh = 1 - s (hard) or 1 (soft)
                g.addi(gradV);
                if (reset == Reset.HARD) {
                    g.subi(s.mul(gradV, scratch));
                }
            } else {
                gradV = Nd4j.createUninitialized(g.dataType(), g.shape());
                scratch = Nd4j.createUninitialized(g.dataType(), g.shape());
            }
            if (leak != null) { // g is dL/dh[t] here
                INDArray before = membraneBefore(trace, t);
                INDArray dh = before.mul(leak.decay()).addi(trace.current.getRow(t, true).mul(leak.gain()))
                        .addi(leak.drive());
                leakGradient += g.mul(dh).sumNumber().doubleValue();
            }
            g.mul(decay(), gradV); // for step t-1; the old gradV is no longer needed
            if (gain() != 1.0) {
                g.muli(gain());
            }
        }
        return new Gradients(gradI.reshape(spikeGradient.shape()), leakGradient);
    }

    /** v[t-1], the membrane step t charged from: the run's start, or step t-1's membrane after its reset. */
    private INDArray membraneBefore(Trace trace, int t) {
        if (t == 0) {
            return trace.start != null ? trace.start
                    : Nd4j.valueArrayOf(new long[] {1, trace.spikes.size(1)}, vReset, trace.spikes.dataType());
        }
        INDArray v = Nd4j.createUninitialized(trace.spikes.dataType(), 1, trace.spikes.size(1));
        resetAfter(trace.charged.getRow(t - 1, true), trace.spikes.getRow(t - 1, true), v);
        return v;
    }

    /** h = gain I + decay v + drive, written into {@code into}. */
    private void charge(INDArray v, INDArray current, INDArray into) {
        if (gain() == 1.0) {
            Nd4j.exec(new Axpy(v, current, into, decay()));
        } else {
            current.mul(gain(), into);
            Nd4j.exec(new Axpy(v, into, into, decay()));
        }
        if (drive() != 0.0) {
            into.addi(drive());
        }
    }

    private void fire(INDArray charged, INDArray into) {
        if (smoothForward) {
            into.assign(surrogate.primitive(charged.sub(vThreshold)));
        } else if (charged.dataType() == DataType.FLOAT || charged.dataType() == DataType.DOUBLE) {
            // ND4J's step op is x > cutoff; below the threshold by one ulp of the data type, that is x >= v_threshold
            double cutoff = charged.dataType() == DataType.FLOAT
                    ? Math.nextDown((float) vThreshold) : Math.nextDown(vThreshold);
            Nd4j.exec(new Step(charged, into, cutoff));
        } else {
            into.assign(charged.gte(vThreshold).castTo(charged.dataType()));
        }
    }

    /** v = h (1 - s) + v_reset s (hard) or h - v_threshold s (soft), written into {@code into}. */
    private void resetAfter(INDArray charged, INDArray spikes, INDArray into) {
        if (reset == Reset.SOFT) {
            Nd4j.exec(new Axpy(spikes, charged, into, -vThreshold));
            return;
        }
        spikes.rsub(1.0, into).muli(charged);
        if (vReset != 0.0) {
            Nd4j.exec(new Axpy(spikes, into, into, vReset));
        }
    }

    private static INDArray asSteps(INDArray folded, int timeSteps) {
        if (timeSteps < 1 || folded.size(0) % timeSteps != 0) {
            throw new IllegalArgumentException("time-folded input of shape "
                    + java.util.Arrays.toString(folded.shape()) + " does not divide into "
                    + timeSteps + " time steps");
        }
        INDArray c = RowMajor.of(folded);
        return c.reshape('c', timeSteps, c.length() / timeSteps);
    }

    public double vThreshold() { return vThreshold; }

    /** The potential a hard reset sets; 0 under a soft reset. */
    public double vReset() { return vReset; }

    public Reset reset() { return reset; }

    /** Whether the backward pass treats the spike in the reset as a constant. */
    public boolean detachReset() { return detachReset; }

    public SurrogateFunction surrogate() { return surrogate; }
}
