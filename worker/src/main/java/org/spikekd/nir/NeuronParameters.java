package org.spikekd.nir;

import org.spikekd.neuron.SpikingLayer;

/**
 * SpikeKD's discrete-time neurons as NIR's continuous-time LIF and IF, the way snnTorch's and
 * SpikingJelly's exporters map theirs: one time step is dt = 1.
 *
 * <p>NIR's LIF is {@code tau dv/dt = (v_leak - v) + r I}; one Euler step of length 1 gives
 * {@code v + (v_leak - v) / tau + r I / tau}. SpikeKD's LIF charges {@code h = v + (v_reset - v) /
 * tau + I / tau} with input decay ({@code decay-input = true}) and {@code h = v + (v_reset - v) /
 * tau + I} without, so: NIR tau = tau, v_leak = v_reset, r = 1 with input decay and r = tau
 * without. A PLIF layer exports as a LIF with the time constant it learned, 1/sigmoid(w). NIR's IF is {@code dv/dt = r I}: r = 1. Thresholds and reset potentials carry over.
 *
 * <p>NIR resets to v_reset. A soft reset (reset by subtraction, {@code v = h - v_threshold}: the
 * converted SNNs' neurons) has no NIR field; such a node carries metadata {@code reset =
 * "subtract"} (and v_reset = v_leak = 0), which a reader must honour to run the network as trained:
 * one that ignores it resets to 0 instead. The exporter says so when it writes one.
 */
final class NeuronParameters {
    private NeuronParameters() {}

    /** @param tau the time constant the layer runs with: its setting, or a PLIF layer's learned one */
    static NirNode node(SpikingLayer neuron, long[] shape, double tau) {
        boolean soft = neuron.getReset().equals("soft");
        double vReset = soft ? 0.0 : neuron.getVReset();
        NirNode node;
        switch (neuron.getNeuron()) {
            case "lif":
            case "plif": { // a PLIF layer is a LIF with its learned tau
                node = new NirNode("LIF").field("tau", NirNode.Tensor.filled(tau, shape))
                        .field("r", NirNode.Tensor.filled(neuron.isDecayInput() ? 1.0 : tau, shape))
                        .field("v_leak", NirNode.Tensor.filled(vReset, shape));
                break;
            }
            case "if":
                node = new NirNode("IF").field("r", NirNode.Tensor.filled(1.0, shape));
                break;
            default:
                throw NirExport.refused(neuron.getLayerName(), "a '" + neuron.getNeuron() + "' neuron, which has no NIR form");
        }
        node.field("v_threshold", NirNode.Tensor.filled(neuron.getVThreshold(), shape))
                .field("v_reset", NirNode.Tensor.filled(vReset, shape));
        if (soft) {
            node.metadata("reset", "subtract");
        }
        return node;
    }
}
