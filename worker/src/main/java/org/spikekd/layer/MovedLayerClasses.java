package org.spikekd.layer;

import java.util.Map;

/**
 * The layer classes that saved models name under an earlier package. DL4J writes each layer's class
 * name into a model's configuration JSON and reads it back by name, so a model saved before a
 * class moved names a class that no longer exists; {@link #upgrade} renames them before DL4J reads
 * the JSON. A class that moves adds its old name here (and saved-model fixtures beside the old
 * ones: driver's compat.SavedModelsTest).
 */
public final class MovedLayerClasses {
    private MovedLayerClasses() {}

    /** Old class name to new; the dl4j package split into layer and batchnorm on 2026-12-05. */
    private static final Map<String, String> MOVED = Map.of(
            "org.spikekd.dl4j.BatchNorm", BatchNorm.class.getName(),
            "org.spikekd.dl4j.ChannelsLastLayer", ChannelsLastLayer.class.getName(),
            "org.spikekd.dl4j.Convolution", Convolution.class.getName(),
            "org.spikekd.dl4j.FullyConnected", FullyConnected.class.getName(),
            "org.spikekd.dl4j.Relu", Relu.class.getName());

    /** A model's configuration JSON with every moved class named as it is now. */
    public static String upgrade(String configurationJson) {
        String json = configurationJson;
        for (Map.Entry<String, String> moved : MOVED.entrySet()) {
            // quoted, so that a name is replaced whole, never as the prefix of a longer one
            json = json.replace('"' + moved.getKey() + '"', '"' + moved.getValue() + '"');
        }
        return json;
    }
}
