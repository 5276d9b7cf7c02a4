package org.spikekd.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.spikekd.neuron.SpikingLayer;
import org.spikekd.timefold.TimeStepped;

/**
 * The number of time steps a spiking network runs. T is a setting of the encoder, the neurons and
 * the time averages, not of any parameter, so a trained student can run at any T.
 */
public final class TimeSteps {
    private TimeSteps() {}

    /** The T a spiking network runs; 0 for an ANN. */
    public static int of(ComputationGraphConfiguration conf) {
        for (GraphVertex v : conf.getVertices().values()) {
            Layer l = GraphLayers.layerOf(v);
            if (l instanceof SpikingLayer) {
                return ((SpikingLayer) l).getTimeSteps();
            }
        }
        return 0;
    }

    public static int of(ComputationGraph net) {
        return of(net.getConfiguration());
    }

    /** A copy of the spiking network {@code net} that runs {@code timeSteps} steps, with its parameters. */
    public static ComputationGraph retimed(ComputationGraph net, int timeSteps) {
        if (timeSteps < 1) {
            throw new IllegalArgumentException("time steps must be >= 1, got " + timeSteps);
        }
        if (of(net) == 0) {
            throw new IllegalArgumentException("not a spiking network (an ANN has no time steps)");
        }
        ComputationGraphConfiguration conf = net.getConfiguration().clone();
        for (GraphVertex v : conf.getVertices().values()) {
            Layer l = GraphLayers.layerOf(v);
            if (l instanceof TimeStepped stepped) {
                stepped.retime(timeSteps);
            }
        }
        ComputationGraph copy = new ComputationGraph(conf);
        copy.init(net.params().dup(), false);
        return copy;
    }
}
