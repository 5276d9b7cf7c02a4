package org.spikekd.eval;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.spikekd.neuron.FiringRateMeter;
import org.spikekd.neuron.SpikeSource;

/** The firing-rate meters of a network's spiking layers (and Poisson encoder), by vertex name. */
public final class SpikeStatistics {
    private SpikeStatistics() {}

    public static Map<String, FiringRateMeter> meters(ComputationGraph net) {
        Map<String, FiringRateMeter> meters = new LinkedHashMap<>();
        for (int i : net.topologicalSortOrder()) {
            var vertex = net.getVertices()[i];
            if (!vertex.hasLayer()) {
                continue;
            }
            Layer layer = vertex.getLayer();
            if (layer instanceof SpikeSource spiking) {
                meters.put(vertex.getVertexName(), spiking.firingRate());
            }
        }
        return meters;
    }

    public static void reset(ComputationGraph net) {
        meters(net).values().forEach(FiringRateMeter::reset);
    }

    /** Mean firing rate of each spiking layer since the last reset. */
    public static Map<String, Double> rates(ComputationGraph net) {
        Map<String, Double> rates = new LinkedHashMap<>();
        meters(net).forEach((name, meter) -> rates.put(name, meter.rate()));
        return rates;
    }
}
