package org.spikekd.neuron;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;

/**
 * Whether a network's spiking layers keep their membranes between inference passes (SpikingJelly's
 * stateful nodes and {@code functional.reset_net}). With the membranes kept, T steps can be run as
 * several passes of fewer steps over the same batch, reading the output after each: how accuracy
 * at every T from 1 to a few thousand is measured in one simulation.
 */
public final class MembraneState {
    private MembraneState() {}

    /** From now on each inference pass starts where the last one ended, until {@link #reset}. */
    public static void carryOver(ComputationGraph net, boolean carry) {
        for (GraphVertex v : net.getVertices()) {
            if (v.hasLayer() && v.getLayer() instanceof SpikingLayerImpl) {
                ((SpikingLayerImpl) v.getLayer()).carryMembrane(carry);
            }
        }
    }

    /** Every membrane back to rest: the next pass starts a new sequence (a new batch). */
    public static void reset(ComputationGraph net) {
        for (GraphVertex v : net.getVertices()) {
            if (v.hasLayer() && v.getLayer() instanceof SpikingLayerImpl) {
                ((SpikingLayerImpl) v.getLayer()).resetMembrane();
            }
        }
    }
}
