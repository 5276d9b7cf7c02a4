package org.spikekd.model;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.spikekd.distill.DistillationLoss;

/**
 * A teacher network assembled from a model trained elsewhere (ONNX, Keras): the vertices its
 * reader adds, the weights they come with, and the ending every SpikeKD teacher has ("logits",
 * then a loss layer that passes them through), so that the result runs wherever a teacher SpikeKD
 * trained runs. Inference only.
 */
public final class ImportedTeacher {
    private final String source;
    private final GraphBuilder graph = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).graphBuilder();
    private final List<Object[]> weights = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    /** @param source the file, for messages */
    public ImportedTeacher(String source) {
        this.source = source;
        graph.addInputs(NetworkBuilder.INPUT);
        names.add(NetworkBuilder.INPUT);
    }

    public String layer(String name, Layer layer, String from) {
        claim(name);
        graph.addLayer(name, layer, from);
        return name;
    }

    public String vertex(String name, GraphVertex vertex, String... from) {
        claim(name);
        graph.addVertex(name, vertex, from);
        return name;
    }

    /** A weight of layer {@code name} ({@code key}: W, b, gamma, beta, mean, var), set once the network exists. */
    public void weight(String name, String key, INDArray value) {
        weights.add(new Object[] {name, key, value});
    }

    public boolean has(String name) {
        return names.contains(name);
    }

    /**
     * The network: {@code last} becomes "logits" (through an identity layer if it is named
     * otherwise), then the loss layer; the weights are set, checked for size.
     *
     * @param image the images the teacher takes, channels-first
     */
    public ComputationGraph build(String last, InputType image) {
        if (!last.equals(NetworkBuilder.LOGITS)) {
            layer(NetworkBuilder.LOGITS, new ActivationLayer.Builder().activation(Activation.IDENTITY).build(), last);
        }
        graph.addLayer(NetworkBuilder.OUTPUT, new LossLayer.Builder(new DistillationLoss(4.0, 0.0))
                .activation(Activation.IDENTITY).build(), NetworkBuilder.LOGITS);
        graph.setOutputs(NetworkBuilder.OUTPUT);
        graph.setInputTypes(image);
        ComputationGraph net = new ComputationGraph(graph.build());
        net.init();
        for (Object[] w : weights) {
            org.deeplearning4j.nn.api.Layer layer = net.getLayer((String) w[0]);
            INDArray value = (INDArray) w[2];
            INDArray target = layer.getParam((String) w[1]);
            if (target == null || target.length() != value.length()) {
                throw new IllegalArgumentException(source + ": layer " + w[0] + " has " + value.length() + " values for "
                        + w[1] + ", where its shape needs " + (target == null ? "none" : target.length()));
            }
            layer.setParam((String) w[1], value.reshape(target.shape()));
        }
        return net;
    }

    /**
     * The job's normalization of an imported teacher's images as a per-channel affine map {scale,
     * shift} (x scale + shift = (x - mean) / std); the identity without one.
     */
    public static double[][] standardization(double[][] normalization, long channels, String source) {
        double[] scale = new double[(int) channels];
        double[] shift = new double[(int) channels];
        java.util.Arrays.fill(scale, 1.0);
        if (normalization != null) {
            double[] mean = normalization[0];
            double[] std = normalization[1];
            if (mean.length != 1 && mean.length != channels) {
                throw new IllegalArgumentException(source + ": distill.teacher-normalization gives " + mean.length
                        + " means for a teacher of " + channels + " channels (give one, or one per channel)");
            }
            for (int c = 0; c < channels; c++) {
                double s = std[mean.length == 1 ? 0 : c];
                scale[c] = 1.0 / s;
                shift[c] = -mean[mean.length == 1 ? 0 : c] / s;
            }
        }
        return new double[][] {scale, shift};
    }

    /**
     * An input-normalization layer computing x scale + shift per channel (channels-first, the
     * images as SpikeKD hands them over), or nothing for the identity; returns the vertex to build on.
     */
    public String normalization(double[][] affine, String source) {
        double[] scale = affine[0];
        double[] shift = affine[1];
        double[] mean = new double[scale.length];
        double[] std = new double[scale.length];
        boolean identity = true;
        for (int c = 0; c < scale.length; c++) {
            if (!(scale[c] > 0)) {
                throw new IllegalArgumentException(source + ": the input's normalization scales channel " + c
                        + " by " + scale[c] + "; only positive scales are supported");
            }
            std[c] = 1.0 / scale[c];
            mean[c] = -shift[c] / scale[c];
            identity &= scale[c] == 1.0 && shift[c] == 0.0;
        }
        if (identity) {
            return NetworkBuilder.INPUT;
        }
        return layer("normalize", new InputNormalizationLayer(mean, std, "normalize"), NetworkBuilder.INPUT);
    }

    private void claim(String name) {
        if (!names.add(name)) {
            throw new IllegalArgumentException(source + ": two layers would be named " + name);
        }
    }
}
