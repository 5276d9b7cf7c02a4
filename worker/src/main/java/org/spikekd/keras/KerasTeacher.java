package org.spikekd.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Node;
import java.io.IOException;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.layer.BatchNorm;
import org.spikekd.layer.ChannelsLastLayer;
import org.spikekd.layer.Convolution;
import org.spikekd.layer.FullyConnected;
import org.spikekd.layer.Relu;
import org.spikekd.model.ImportedTeacher;
import org.spikekd.model.NetworkBuilder;

/**
 * A Keras CNN teacher, from the HDF5 file Keras 2's {@code model.save("teacher.h5")} writes, as a
 * SpikeKD teacher (read with jHDF, no native HDF5 library). Sequential models of these layers:
 * {@code InputLayer}, {@code Rescaling} first (the input normalization), {@code Conv2D} (one
 * group; its activation linear or relu), {@code BatchNormalization} (moving statistics),
 * {@code Activation}/{@code ReLU} (relu, linear; softmax as the last layer: the logits are taken
 * before it), {@code AveragePooling2D}, {@code MaxPooling2D}, {@code GlobalAveragePooling2D},
 * {@code Flatten}, {@code Dense}, {@code Dropout}.
 *
 * <p>Keras computes channels-last, and so does the teacher after turning SpikeKD's channels-first
 * images around ({@link ChannelsLastLayer}); its Flatten then orders (h, w, c) as Keras's does, and
 * "same" padding is DL4J's Same mode, Keras's rule. Layers named in {@code stageLayers} become
 * "stage1", "stage2", ...: the feature maps of feature distillation.
 */
public final class KerasTeacher {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String source;
    private final HdfFile file;
    private final List<String> stageLayers;
    private final ImportedTeacher teacher;
    private final double[][] normalization;
    private String last = NetworkBuilder.INPUT;
    private boolean channelsLast;
    /** The normalization not yet a layer: the job's, then the model's Rescaling ({scale, shift} per channel). */
    private double[][] pendingAffine;

    private KerasTeacher(String source, HdfFile file, List<String> stageLayers, double[][] normalization) {
        this.source = source;
        this.file = file;
        this.stageLayers = List.copyOf(stageLayers);
        this.teacher = new ImportedTeacher(source);
        this.normalization = normalization;
    }

    /**
     * The teacher a Keras HDF5 file describes.
     *
     * @param stageLayers the names of the Keras layers whose outputs are the stage 1, 2, ... feature maps
     * @param normalization {mean, std} per channel (or one for all) applied to the [0, 1] images before
     *     the model, or null: none
     * @throws IllegalArgumentException naming {@code source} and the layer it cannot read
     */
    public static ComputationGraph read(byte[] h5, String source, List<String> stageLayers,
                                        double[][] normalization) {
        try (HdfFile file = open(h5, source)) {
            KerasTeacher k = new KerasTeacher(source, file, stageLayers, normalization);
            return k.build(k.layers());
        }
    }

    /** The [C, H, W] of the images the model takes (its InputLayer's channels-last shape, turned around). */
    public static long[] imageShape(byte[] h5, String source) {
        try (HdfFile file = open(h5, source)) {
            KerasTeacher k = new KerasTeacher(source, file, List.of(), null);
            return k.image(k.layers());
        }
    }

    private static HdfFile open(byte[] h5, String source) {
        try {
            return HdfFile.fromBytes(h5);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(source + " is not an HDF5 file: " + e.getMessage(), e);
        }
    }

    private List<JsonNode> layers() {
        Attribute config = file.getAttribute("model_config");
        if (config == null) {
            throw new IllegalArgumentException(source + " has no model_config: not a Keras model saved with "
                    + "model.save (a weights-only file has no architecture)");
        }
        JsonNode model;
        try {
            model = JSON.readTree(String.valueOf(config.getData()));
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": model_config is not JSON: " + e.getMessage(), e);
        }
        String kind = model.path("class_name").asText();
        if (!kind.equals("Sequential")) {
            throw new IllegalArgumentException(source + " is a Keras " + kind + " model; Sequential models are read");
        }
        List<JsonNode> layers = new ArrayList<>();
        model.path("config").path("layers").forEach(layers::add);
        return layers;
    }

    private long[] image(List<JsonNode> layers) {
        JsonNode shape = layers.isEmpty() ? null : layers.get(0).path("config").path("batch_input_shape");
        if (shape == null || !layers.get(0).path("class_name").asText().equals("InputLayer") || shape.size() != 4) {
            throw new IllegalArgumentException(source + ": the model must start with an InputLayer of images "
                    + "[None, H, W, C]");
        }
        return new long[] {shape.get(3).asLong(), shape.get(1).asLong(), shape.get(2).asLong()};
    }

    private ComputationGraph build(List<JsonNode> layers) {
        long[] chw = image(layers);
        pendingAffine = ImportedTeacher.standardization(normalization, chw[0], source);
        for (int i = 1; i < layers.size(); i++) {
            visit(layers.get(i), i == layers.size() - 1);
        }
        for (int k = 0; k < stageLayers.size(); k++) {
            if (!teacher.has("stage" + (k + 1))) {
                throw new IllegalArgumentException(source + ": distill.feature.teacher-outputs names '"
                        + stageLayers.get(k) + "', which is not a Conv2D, BatchNormalization, activation or pooling "
                        + "layer of the model");
            }
        }
        return teacher.build(last, InputType.convolutional(chw[1], chw[2], chw[0]));
    }

    private void visit(JsonNode layer, boolean lastLayer) {
        String kind = layer.path("class_name").asText();
        JsonNode c = layer.path("config");
        String name = c.path("name").asText();
        switch (kind) {
            case "Rescaling" -> rescaling(name, c);
            case "Conv2D" -> conv(name, c);
            case "BatchNormalization" -> batchNorm(name, c);
            case "Activation" -> activation(name, c.path("activation").asText(), lastLayer);
            case "ReLU" -> activation(name, "relu", lastLayer);
            case "AveragePooling2D", "MaxPooling2D" -> pool(name, c, kind.startsWith("Max"));
            case "GlobalAveragePooling2D" -> add(name, new GlobalPoolingLayer.Builder(PoolingType.AVG).build());
            case "Flatten", "Dropout" -> { } // DL4J flattens channels-last maps in Keras's (h, w, c) order
            case "Dense" -> dense(name, c, lastLayer);
            default -> throw unsupported(name, kind, "a layer SpikeKD does not map (supported: Rescaling, Conv2D, "
                    + "BatchNormalization, Activation, ReLU, AveragePooling2D, MaxPooling2D, GlobalAveragePooling2D, "
                    + "Flatten, Dense, Dropout)");
        }
    }

    /** A Rescaling (x scale + offset) before any other layer: part of the input's normalization. */
    private void rescaling(String name, JsonNode c) {
        if (pendingAffine == null) {
            throw unsupported(name, "Rescaling", "a Rescaling after other layers (only first, as the input's normalization)");
        }
        double scale = c.path("scale").asDouble(1.0);
        double offset = c.path("offset").asDouble(0.0);
        for (int ch = 0; ch < pendingAffine[0].length; ch++) {
            pendingAffine[0][ch] *= scale;
            pendingAffine[1][ch] = pendingAffine[1][ch] * scale + offset;
        }
    }

    /**
     * Before the first layer: the input's normalization, then (Keras's layers compute
     * channels-last) the images turned around.
     */
    private String imagesChannelsLast() {
        if (!channelsLast) {
            last = teacher.normalization(pendingAffine, source);
            pendingAffine = null;
            last = teacher.layer("channels-last", new ChannelsLastLayer("channels-last"), last);
            channelsLast = true;
        }
        return last;
    }

    private void conv(String name, JsonNode c) {
        checkChannelsLast(name, "Conv2D", c);
        if (c.path("groups").asInt(1) != 1) {
            throw unsupported(name, "Conv2D", "a grouped convolution");
        }
        INDArray kernel = weight(name, "kernel"); // [kH, kW, in, out]
        INDArray w = kernel.permute(3, 2, 0, 1).dup('c'); // DL4J: [out, in, kH, kW]
        boolean bias = c.path("use_bias").asBoolean(true);
        int[] stride = pair(c.path("strides"), 1);
        int[] dilation = pair(c.path("dilation_rate"), 1);
        String layer = add(name, Convolution.of(new ConvolutionLayer.Builder((int) kernel.size(0), (int) kernel.size(1))
                .stride(stride[0], stride[1]).dilation(dilation[0], dilation[1]).nOut(w.size(0)).hasBias(bias)
                .activation(Activation.IDENTITY).convolutionMode(mode(name, "Conv2D", c))), !isLinear(c));
        teacher.weight(layer, "W", w);
        if (bias) {
            teacher.weight(layer, "b", weight(name, "bias"));
        }
        fusedActivation(name, "Conv2D", c);
    }

    private void batchNorm(String name, JsonNode c) {
        JsonNode axis = c.path("axis");
        int a = axis.isArray() ? (axis.size() == 1 ? axis.get(0).asInt() : 0) : axis.asInt(-1);
        if (a != 3 && a != -1) {
            throw unsupported(name, "BatchNormalization", "a batch norm over axis " + axis + " (only the channels, -1 or 3)");
        }
        String layer = add(name, BatchNorm.of(new BatchNormalization.Builder().eps(c.path("epsilon").asDouble(1e-3))
                .useLogStd(false)));
        INDArray mean = weight(name, "moving_mean");
        teacher.weight(layer, "gamma", c.path("scale").asBoolean(true) ? weight(name, "gamma") : Nd4j.onesLike(mean));
        teacher.weight(layer, "beta", c.path("center").asBoolean(true) ? weight(name, "beta") : Nd4j.zerosLike(mean));
        teacher.weight(layer, "mean", mean);
        teacher.weight(layer, "var", weight(name, "moving_variance"));
    }

    private void activation(String name, String function, boolean lastLayer) {
        switch (function) {
            case "relu" -> add(name, new Relu());
            case "linear" -> { }
            case "softmax" -> {
                if (!lastLayer) {
                    throw unsupported(name, "Activation", "a softmax before the last layer");
                }
                // the teacher's logits are what the softmax takes
            }
            default -> throw unsupported(name, "Activation", "the activation " + function + " (relu, linear, or a "
                    + "final softmax)");
        }
    }

    private void pool(String name, JsonNode c, boolean max) {
        checkChannelsLast(name, max ? "MaxPooling2D" : "AveragePooling2D", c);
        int[] size = pair(c.path("pool_size"), 2);
        int[] stride = c.path("strides").isNull() || c.path("strides").isMissingNode() ? size : pair(c.path("strides"), 1);
        SubsamplingLayer.Builder b = new SubsamplingLayer.Builder(max ? PoolingType.MAX : PoolingType.AVG)
                .kernelSize(size[0], size[1]).stride(stride[0], stride[1])
                .convolutionMode(mode(name, max ? "MaxPooling2D" : "AveragePooling2D", c));
        if (!max) {
            b.avgPoolIncludePadInDivisor(false); // Keras averages over the pixels inside the image
        }
        add(name, b.build());
    }

    private void dense(String name, JsonNode c, boolean lastLayer) {
        INDArray kernel = weight(name, "kernel"); // [in, out], as DL4J's W
        boolean bias = c.path("use_bias").asBoolean(true);
        String layer = add(name, FullyConnected.of(new DenseLayer.Builder().nOut(kernel.size(1)).hasBias(bias)
                .activation(Activation.IDENTITY)), !isLinear(c));
        teacher.weight(layer, "W", kernel);
        if (bias) {
            teacher.weight(layer, "b", weight(name, "bias"));
        }
        String function = c.path("activation").asText("linear");
        if (function.equals("softmax") && lastLayer) {
            return; // logits before the softmax
        }
        fusedActivation(name, "Dense", c);
    }

    /** A Conv2D's or Dense's own activation, as a layer after it (which then carries the Keras layer's name). */
    private void fusedActivation(String name, String kind, JsonNode c) {
        String function = c.path("activation").asText("linear");
        switch (function) {
            case "linear" -> { }
            case "relu" -> last = teacher.layer(vertexName(name), new Relu(), last);
            default -> throw unsupported(name, kind, "the activation " + function + " (linear or relu)");
        }
    }

    private static boolean isLinear(JsonNode c) {
        String f = c.path("activation").asText("linear");
        return f.equals("linear") || f.equals("softmax");
    }

    /** Adds a layer after the last one; it takes the Keras layer's name, or "stageK", unless an activation follows. */
    private String add(String name, org.deeplearning4j.nn.conf.layers.Layer layer) {
        return add(name, layer, false);
    }

    private String add(String name, org.deeplearning4j.nn.conf.layers.Layer layer, boolean activationFollows) {
        String from = imagesChannelsLast();
        String vertex = activationFollows ? name + ":linear" : vertexName(name);
        last = teacher.layer(vertex, layer, from);
        return vertex;
    }

    private String vertexName(String kerasName) {
        int stage = stageLayers.indexOf(kerasName);
        return stage >= 0 ? "stage" + (stage + 1) : kerasName.startsWith("stage") || kerasName.equals(NetworkBuilder.LOGITS)
                || kerasName.equals(NetworkBuilder.OUTPUT) ? "keras:" + kerasName : kerasName;
    }

    private ConvolutionMode mode(String name, String kind, JsonNode c) {
        String padding = c.path("padding").asText("valid");
        return switch (padding) {
            case "same" -> ConvolutionMode.Same;
            case "valid" -> ConvolutionMode.Truncate;
            default -> throw unsupported(name, kind, "padding '" + padding + "' (same or valid)");
        };
    }

    private void checkChannelsLast(String name, String kind, JsonNode c) {
        String format = c.path("data_format").asText("channels_last");
        if (!format.equals("channels_last")) {
            throw unsupported(name, kind, "data_format " + format + " (only channels_last, Keras's default)");
        }
    }

    private static int[] pair(JsonNode n, int otherwise) {
        if (n.isArray() && n.size() == 2) {
            return new int[] {n.get(0).asInt(), n.get(1).asInt()};
        }
        int v = n.isNumber() ? n.asInt() : otherwise;
        return new int[] {v, v};
    }

    /** A layer's weight "model_weights/<layer>/<layer>/<weight>:0" as an array of its shape. */
    private INDArray weight(String layer, String weight) {
        String path = "model_weights/" + layer + "/" + layer + "/" + weight + ":0";
        Node node;
        try {
            node = file.getByPath(path);
        } catch (RuntimeException e) {
            node = null;
        }
        if (!(node instanceof Dataset data)) {
            throw new IllegalArgumentException(source + ": layer '" + layer + "' has no weight " + path);
        }
        int[] dims = data.getDimensions();
        float[] values = new float[java.util.Arrays.stream(dims).reduce(1, (a, b) -> a * b)];
        flatten(data.getData(), values, 0);
        long[] shape = java.util.Arrays.stream(dims).asLongStream().toArray();
        return Nd4j.create(values, shape, DataType.FLOAT);
    }

    /** A nested Java array (jHDF's form of an n-dimensional dataset) into {@code into}, row-major. */
    private int flatten(Object data, float[] into, int at) {
        if (data instanceof float[] row) {
            System.arraycopy(row, 0, into, at, row.length);
            return at + row.length;
        }
        if (data instanceof double[] row) {
            for (double v : row) {
                into[at++] = (float) v;
            }
            return at;
        }
        if (data != null && data.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(data); i++) {
                at = flatten(Array.get(data, i), into, at);
            }
            return at;
        }
        throw new IllegalArgumentException(source + ": a weight of type " + (data == null ? "none" : data.getClass())
                + " (float32 or float64 expected)");
    }

    private IllegalArgumentException unsupported(String layer, String kind, String what) {
        return new IllegalArgumentException(source + ": layer '" + layer + "' (" + kind + ") is " + what);
    }
}
