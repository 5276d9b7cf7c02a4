package org.spikekd.neuron;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.spikekd.layer.NoParamLayerImpl;

/** Runs a {@link SpikingLayer}: the neurons over T steps forward, through time backward. */
public class SpikingLayerImpl extends NoParamLayerImpl<SpikingLayer> implements SpikeSource {
    private transient SpikingNeuron neuron;
    private transient SpikingNeuron.Trace trace;
    private long[] traceShape;
    private final FiringRateMeter firingRate = new FiringRateMeter();
    /** Whether inference passes continue from the membrane the last one left (see MembraneState). */
    private boolean carryMembrane;
    /** The membrane the last pass left, outside any workspace; reused pass after pass. */
    private transient INDArray membrane;
    /** Whether {@link #membrane} holds a state to continue from (false: start at rest). */
    private boolean membraneCarried;

    public SpikingLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private SpikingNeuron neuron() {
        if (neuron == null) {
            neuron = layerConf().createNeuron();
        }
        return neuron;
    }

    @Override
    protected INDArray forward(INDArray current, boolean training) {
        int steps = layerConf().getTimeSteps();
        boolean carry = carryMembrane && !training;
        INDArray start = carry && membraneCarried ? membrane : null;
        if (start != null && start.length() * steps != current.length()) {
            throw new IllegalStateException("spiking layer " + layerId() + " carries the membrane of another "
                    + "batch; reset it (MembraneState.reset) before a new batch");
        }
        SpikingNeuron.Trace t = neuron().forward(current, steps, start);
        if (carry) {
            // kept outside the workspace, which the next pass resets; one buffer reused, since a
            // fresh off-heap copy per pass would pile up until the garbage collector ran
            if (membrane == null || membrane.length() != t.membrane.length()) {
                membrane = t.membrane.detach();
            } else {
                membrane.assign(t.membrane);
            }
            membraneCarried = true;
        }
        trace = training ? t : null;
        traceShape = current.shape();
        if (t.spikeCount >= 0) {
            firingRate.record(t.spikeCount, t.spikes.length());
        } else {
            firingRate.record(t.spikes); // a sum over the spikes (ND4J's neuron loop does not count them)
        }
        return t.spikes.reshape(current.shape());
    }

    @Override
    protected INDArray backward(INDArray spikeGradient) {
        if (trace == null) {
            throw new IllegalStateException("backward pass of spiking layer " + layerId()
                    + " without a training forward pass");
        }
        INDArray grad = neuron().backward(spikeGradient, trace, layerConf().getTimeSteps());
        trace = null;
        return grad.reshape(traceShape);
    }

    /** Spikes per neuron per time step since the meter was last reset. */
    @Override
    public FiringRateMeter firingRate() {
        return firingRate;
    }

    /** Let inference passes continue from the membrane the previous one left, or not. */
    void carryMembrane(boolean carry) {
        this.carryMembrane = carry;
        this.membrane = null;
        this.membraneCarried = false;
    }

    /** Back to the resting potential before the next pass. */
    void resetMembrane() {
        membraneCarried = false;
    }

    @Override
    public void clear() {
        super.clear();
        trace = null;
    }
}
