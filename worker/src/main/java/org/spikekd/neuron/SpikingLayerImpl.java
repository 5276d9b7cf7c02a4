package org.spikekd.neuron;

import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.spikekd.layer.NoParamLayerImpl;

/**
 * Runs a {@link SpikingLayer}: the neurons over T steps forward, through time backward. A PLIF
 * layer also holds its parameter w (a view of the network's flat parameters, as DL4J's layers
 * hold theirs) and writes dL/dw into its view of the network's gradient.
 */
public class SpikingLayerImpl extends NoParamLayerImpl<SpikingLayer> implements SpikeSource {
    private transient SpikingNeuron neuron;
    /** A PLIF layer's parameter w, [1, 1], and its gradient; null for the other neurons. */
    private INDArray leakParameter;
    private INDArray leakGradient;
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
        if (leakParameter != null) {
            // the parameter changes with every update, so the neuron is made from its current value
            neuron = layerConf().createNeuron(leakParameter.getDouble(0));
        } else if (neuron == null) {
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
        // the neuron of the forward pass: the parameter may not change in between, but do not rely on it
        SpikingNeuron ran = neuron;
        SpikingNeuron.Gradients grads = ran.gradients(spikeGradient, trace, layerConf().getTimeSteps());
        if (leakGradient != null) {
            leakGradient.assign(grads.leak() * ((ParametricLifNeuron) ran).leakSlope()); // dL/dw = dL/dk dk/dw
        }
        trace = null;
        return grads.current().reshape(traceShape);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        Pair<Gradient, INDArray> result = super.backpropGradient(epsilon, workspaceMgr);
        if (leakGradient != null) {
            result.getFirst().gradientForVariable().put(LeakParameter.KEY, leakGradient);
        }
        return result;
    }

    /* A PLIF layer's parameter, as DL4J's layers with parameters keep theirs. */

    @Override
    public long numParams() {
        return layerConf() != null && layerConf().isParametric() ? 1 : 0;
    }

    @Override
    public INDArray params() {
        return leakParameter;
    }

    @Override
    public void setParamsViewArray(INDArray params) {
        if (params != null && params.length() > 0) {
            leakParameter = params.reshape(1, 1);
        }
    }

    @Override
    public void setBackpropGradientsViewArray(INDArray gradients) {
        if (gradients != null && gradients.length() > 0) {
            leakGradient = gradients.reshape(1, 1);
        }
    }

    @Override
    public INDArray getGradientsViewArray() {
        return leakGradient;
    }

    @Override
    public void setParamTable(Map<String, INDArray> table) {
        if (!table.isEmpty()) {
            leakParameter = table.get(LeakParameter.KEY);
        }
    }

    @Override
    public Map<String, INDArray> paramTable() {
        return leakParameter == null ? Map.of() : Map.of(LeakParameter.KEY, leakParameter);
    }

    @Override
    public Map<String, INDArray> paramTable(boolean backpropParamsOnly) {
        return paramTable();
    }

    @Override
    public INDArray getParam(String param) {
        return paramTable().get(param);
    }

    @Override
    public void setParam(String key, INDArray value) {
        if (leakParameter == null || !key.equals(LeakParameter.KEY)) {
            throw new IllegalArgumentException("spiking layer " + layerId() + " has no parameter " + key);
        }
        leakParameter.assign(value.reshape(1, 1));
    }

    @Override
    public void setParams(INDArray params) {
        if (leakParameter != null) {
            leakParameter.assign(params.reshape(1, 1));
        }
    }

    /** The time constant this layer runs with: a PLIF layer's learned one, otherwise its setting (IF: infinite). */
    public double timeConstant() {
        SpikingNeuron n = neuron();
        if (n instanceof ParametricLifNeuron plif) {
            return plif.tau();
        }
        return n instanceof LifNeuron lif ? lif.tau() : Double.POSITIVE_INFINITY;
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
