package org.spikekd.neuron;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.spikekd.dl4j.NoParamLayerImpl;

/** Runs a {@link SpikingLayer}: the neurons over T steps forward, through time backward. */
public class SpikingLayerImpl extends NoParamLayerImpl<SpikingLayer> {
    private transient SpikingNeuron neuron;
    private transient SpikingNeuron.Trace trace;
    private long[] traceShape;
    private final FiringRateMeter firingRate = new FiringRateMeter();

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
        SpikingNeuron.Trace t = neuron().forward(current, layerConf().getTimeSteps());
        trace = training ? t : null;
        traceShape = current.shape();
        firingRate.record(t.spikes);
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
    public FiringRateMeter firingRate() {
        return firingRate;
    }

    @Override
    public void clear() {
        super.clear();
        trace = null;
    }
}
