package org.spikekd.model;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.spikekd.layer.ChannelsLastLayer;

/** Finding the layer configurations in a DL4J graph, whose vertices may or may not hold a layer. */
public final class GraphLayers {
    private GraphLayers() {}

    /** The layer configuration a vertex holds, or null for a vertex without one (input, sum, scale). */
    public static Layer layerOf(GraphVertex vertex) {
        return vertex instanceof LayerVertex ? ((LayerVertex) vertex).getLayerConf().getLayer() : null;
    }

    /** The names of the vertices whose layer matches {@code kind}, input to output. */
    public static List<String> inOrder(ComputationGraph net, Predicate<Layer> kind) {
        List<String> out = new ArrayList<>();
        for (int i : net.topologicalSortOrder()) {
            String name = net.getVertices()[i].getVertexName();
            Layer layer = layerOf(net.getConfiguration().getVertices().get(name));
            if (layer != null && kind.test(layer)) {
                out.add(name);
            }
        }
        return out;
    }

    /**
     * Whether {@code net} computes on channels-last images: it turns its input channels-last
     * ({@link ChannelsLastLayer}), as networks built since that layer existed do.
     */
    public static boolean channelsLast(ComputationGraph net) {
        return !inOrder(net, layer -> layer instanceof ChannelsLastLayer).isEmpty();
    }
}
