package org.spikekd.eval;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.spikekd.encoding.DirectEncodingLayer;
import org.spikekd.encoding.PoissonEncodingLayer;
import org.spikekd.model.GraphLayers;
import org.spikekd.model.InputNormalizationLayer;
import org.spikekd.model.NetworkBuilder;
import org.spikekd.model.TimeSteps;
import org.spikekd.neuron.SpikingLayer;

/**
 * Operations and energy per inference of one image, in the 45 nm CMOS convention of the SNN
 * literature (Horowitz, 2014): 4.6 pJ per multiply-accumulate (MAC), 0.9 pJ per accumulate (AC).
 *
 * <p>For each convolution and dense layer on the path to the output, FLOPs are its MACs for one
 * input. An ANN spends those as MACs. In an SNN a layer whose input is spikes spends synaptic
 * operations, {@code SOPs = T x (firing rate of its input) x FLOPs}, as ACs. The input's rate is
 * that of the nearest spiking layer upstream (pooling keeps the mean rate). A layer whose input is
 * analog (the first layer under direct encoding) spends its FLOPs as MACs, counted once because
 * its input is the same at every step (the usual convention, e.g. Spikformer's).
 */
public final class EnergyEstimate {
    public static final double PJ_PER_MAC = 4.6;
    public static final double PJ_PER_AC = 0.9;

    public final double macs;
    public final double synapticOps;
    public final double flops;
    public final Map<String, Map<String, Double>> perLayer;

    private EnergyEstimate(double macs, double synapticOps, double flops, Map<String, Map<String, Double>> perLayer) {
        this.macs = macs;
        this.synapticOps = synapticOps;
        this.flops = flops;
        this.perLayer = perLayer;
    }

    /** Energy per image in microjoules. */
    public double microjoules() {
        return (macs * PJ_PER_MAC + synapticOps * PJ_PER_AC) * 1e-6;
    }

    /**
     * @param firingRates measured rates by spiking-layer name (from {@link Evaluator}); empty for an ANN
     */
    public static EnergyEstimate of(ComputationGraph net, InputType input, Map<String, Double> firingRates) {
        return of(net, input, firingRates, TimeSteps.of(net));
    }

    /** The estimate for a spiking network run for {@code timeSteps} steps (whatever its own T). */
    public static EnergyEstimate of(ComputationGraph net, InputType input, Map<String, Double> firingRates,
                                    int timeSteps) {
        ComputationGraphConfiguration conf = net.getConfiguration();
        Map<String, InputType> types = conf.getLayerActivationTypes(input);
        Map<String, List<String>> inputs = conf.getVertexInputs();
        Set<String> onPath = ancestors(NetworkBuilder.OUTPUT, inputs);
        double macs = 0;
        double sops = 0;
        double totalFlops = 0;
        Map<String, Map<String, Double>> perLayer = new LinkedHashMap<>();
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            String name = e.getKey();
            Layer layer = GraphLayers.layerOf(e.getValue());
            if (!onPath.contains(name) || !(layer instanceof ConvolutionLayer || layer instanceof DenseLayer)) {
                continue;
            }
            String from = inputs.get(name).get(0);
            double flops = flops(layer, types.get(from), types.get(name));
            totalFlops += flops;
            Double rate = timeSteps == 0 ? null : upstreamRate(from, conf, inputs, firingRates);
            Map<String, Double> row = new LinkedHashMap<>();
            row.put("flops", flops);
            if (rate == null) {
                macs += flops;
                row.put("macs", flops);
            } else {
                double layerSops = timeSteps * rate * flops;
                sops += layerSops;
                row.put("input_rate", rate);
                row.put("sops", layerSops);
            }
            perLayer.put(name, row);
        }
        return new EnergyEstimate(macs, sops, totalFlops, perLayer);
    }

    private static double flops(Layer layer, InputType in, InputType out) {
        if (layer instanceof ConvolutionLayer) {
            ConvolutionLayer c = (ConvolutionLayer) layer;
            InputType.InputTypeConvolutional o = (InputType.InputTypeConvolutional) out;
            long kernel = (long) c.getKernelSize()[0] * c.getKernelSize()[1];
            return (double) o.getHeight() * o.getWidth() * o.getChannels() * c.getNIn() * kernel;
        }
        DenseLayer d = (DenseLayer) layer;
        return (double) d.getNIn() * d.getNOut();
    }

    /** The firing rate feeding {@code vertex}, or null if that input is analog. */
    private static Double upstreamRate(String vertex, ComputationGraphConfiguration conf,
                                       Map<String, List<String>> inputs, Map<String, Double> rates) {
        String current = vertex;
        while (true) {
            Layer layer = GraphLayers.layerOf(conf.getVertices().get(current));
            if (layer instanceof SpikingLayer || layer instanceof PoissonEncodingLayer) {
                Double r = rates.get(current);
                if (r == null || r.isNaN()) {
                    throw new IllegalStateException("no firing rate measured for spiking layer " + current);
                }
                return r;
            }
            List<String> in = inputs.get(current);
            boolean analog = layer instanceof DirectEncodingLayer || layer instanceof InputNormalizationLayer
                    || layer instanceof ConvolutionLayer || layer instanceof DenseLayer
                    || in == null || in.size() != 1;
            if (analog) {
                return null;
            }
            current = in.get(0); // pooling, flattening: the rate passes through
        }
    }

    private static Set<String> ancestors(String vertex, Map<String, List<String>> inputs) {
        Set<String> seen = new HashSet<>();
        ArrayDeque<String> todo = new ArrayDeque<>(List.of(vertex));
        while (!todo.isEmpty()) {
            String v = todo.pop();
            if (seen.add(v) && inputs.get(v) != null) {
                todo.addAll(inputs.get(v));
            }
        }
        return seen;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("flops", flops);
        m.put("macs", macs);
        m.put("synaptic_ops", synapticOps);
        m.put("energy_uj", microjoules());
        m.put("pj_per_mac", PJ_PER_MAC);
        m.put("pj_per_ac", PJ_PER_AC);
        m.put("per_layer", perLayer);
        return m;
    }
}
