package org.spikekd.nir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A NIR graph (Pedersen et al., Nature Communications 2024): named nodes and directed edges. Where
 * several edges enter a node, NIR sums what they carry; that is how a residual connection is
 * written. The graph is run once per time step; stateful nodes (neurons) keep their state between
 * steps.
 */
public final class NirGraph {
    private final Map<String, NirNode> nodes = new LinkedHashMap<>();
    private final List<String[]> edges = new ArrayList<>();
    private final Map<String, Object> metadata = new LinkedHashMap<>();

    /** Adds a node; names are unique. */
    public NirGraph node(String name, NirNode node) {
        if (name.contains("/") || name.isEmpty()) {
            throw new IllegalArgumentException("a NIR node name must be non-empty and without '/': '" + name + "'");
        }
        if (nodes.putIfAbsent(name, node) != null) {
            throw new IllegalArgumentException("NIR graph already has a node named " + name);
        }
        return this;
    }

    public NirGraph edge(String from, String to) {
        if (!nodes.containsKey(from) || !nodes.containsKey(to)) {
            throw new IllegalArgumentException("edge " + from + " -> " + to + " names a node the graph does not have");
        }
        edges.add(new String[] {from, to});
        return this;
    }

    public NirGraph metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    public NirGraph metadata(String key, long value) {
        metadata.put(key, value);
        return this;
    }

    public Map<String, NirNode> nodes() {
        return Collections.unmodifiableMap(nodes);
    }

    public List<String[]> edges() {
        return edges.stream().map(String[]::clone).toList();
    }

    public Map<String, Object> metadata() {
        return Collections.unmodifiableMap(metadata);
    }
}
