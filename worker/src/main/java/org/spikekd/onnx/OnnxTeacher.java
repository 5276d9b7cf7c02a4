package org.spikekd.onnx;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import onnx.Onnx;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.spikekd.layer.BatchNorm;
import org.spikekd.layer.Convolution;
import org.spikekd.layer.FullyConnected;
import org.spikekd.layer.Relu;
import org.spikekd.model.ImportedTeacher;
import org.spikekd.model.NetworkBuilder;

/**
 * A CNN teacher trained elsewhere (PyTorch's {@code torch.onnx.export}, or any ONNX exporter) as
 * a SpikeKD teacher: a DL4J graph of SpikeKD's own layers, for inference only, that runs on the
 * executors like a teacher SpikeKD trained. ONNX is read with the protobuf classes ND4J ships
 * ({@code onnx.Onnx}); its operators are mapped one to one:
 *
 * <ul>
 *   <li>{@code Sub}, {@code Div}, {@code Mul}, {@code Add} of constants applied to the image (a
 *       model that normalizes its own input, as the PyTorch reference does): one
 *       {@link InputNormalizationLayer};
 *   <li>{@code Conv} (one group, symmetric padding): a convolution; {@code BatchNormalization}: a
 *       batch norm on its running statistics; {@code Relu}; {@code AveragePool}, {@code MaxPool}
 *       (floor mode), {@code GlobalAveragePool}; {@code Gemm} (a linear layer); {@code Add} of two
 *       activations: a residual sum;
 *   <li>{@code Flatten} (axis 1), {@code Identity}, {@code Dropout} and an all-zero constant
 *       {@code Pad}: nothing (DL4J flattens channels-first maps in ONNX's order).
 * </ul>
 *
 * <p>The ONNX graph's one output becomes the teacher's "logits"; the tensors named in
 * {@code stageTensors} become "stage1", "stage2", ..., the feature maps feature distillation
 * matches. The graph computes channels-first, as ONNX does. Any other operator, or an attribute
 * outside the above, fails with a message naming the file, the node and what would fix it.
 */
public final class OnnxTeacher {
    private static final java.util.Set<String> RESERVED = java.util.Set.of(NetworkBuilder.INPUT, NetworkBuilder.OUTPUT, "normalize");

    private final String source;
    private final Onnx.GraphProto graph;
    private final List<String> stageTensors;
    private final ImportedTeacher builder;
    /** ONNX tensor -> the DL4J vertex computing it. */
    private final Map<String, String> vertexOf = new HashMap<>();
    /** Initializers and Constant outputs, by tensor name. */
    private final Map<String, Onnx.TensorProto> constants = new HashMap<>();
    /** Tensors that are a per-channel affine function of the image, not yet a layer: {scale, shift}. */
    private final Map<String, double[][]> affineOfImage = new HashMap<>();
    private long channels;
    private boolean normalized;

    /** The job's normalization before the model, {mean, std}, or null. */
    private final double[][] normalization;

    private OnnxTeacher(String source, Onnx.GraphProto graph, List<String> stageTensors, double[][] normalization) {
        this.source = source;
        this.graph = graph;
        this.stageTensors = List.copyOf(stageTensors);
        this.normalization = normalization;
        this.builder = new ImportedTeacher(source);
    }

    /**
     * The teacher an ONNX model describes.
     *
     * @param source the file's name, for messages
     * @param stageTensors ONNX tensor names whose values are the teacher's stage 1, 2, ... feature maps
     * @param normalization {mean, std} per channel (or one for all) applied to the [0, 1] images before
     *     the model, or null: none
     * @throws IllegalArgumentException naming {@code source} and the node it cannot read
     */
    public static ComputationGraph read(byte[] model, String source, List<String> stageTensors,
                                        double[][] normalization) {
        Onnx.ModelProto proto;
        try {
            proto = Onnx.ModelProto.parseFrom(model);
        } catch (org.nd4j.shade.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(source + " is not an ONNX model: " + e.getMessage(), e);
        }
        if (!proto.hasGraph() || proto.getGraph().getNodeCount() == 0) {
            throw new IllegalArgumentException(source + " is not an ONNX model (no graph in it)");
        }
        return new OnnxTeacher(source, proto.getGraph(), stageTensors, normalization).build();
    }

    /** The [C, H, W] of the images an ONNX model takes, as its input declares it (batch dimension first). */
    public static long[] imageShape(byte[] model, String source) {
        try {
            return new OnnxTeacher(source, Onnx.ModelProto.parseFrom(model).getGraph(), List.of(), null).image();
        } catch (org.nd4j.shade.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(source + " is not an ONNX model: " + e.getMessage(), e);
        }
    }

    private ComputationGraph build() {
        graph.getInitializerList().forEach(t -> constants.put(t.getName(), t));
        long[] chw = image();
        channels = chw[0];
        String imageTensor = imageInput().getName();
        affineOfImage.put(imageTensor, ImportedTeacher.standardization(normalization, channels, source));
        if (graph.getOutputCount() != 1) {
            throw new IllegalArgumentException(source + " has " + graph.getOutputCount()
                    + " outputs; a teacher's one output is its logits (export the model with one output)");
        }
        for (Onnx.NodeProto node : graph.getNodeList()) {
            visit(node);
        }
        String last = vertex(graph.getOutput(0).getName(), "the graph output");
        for (int k = 0; k < stageTensors.size(); k++) {
            if (!builder.has("stage" + (k + 1))) {
                throw new IllegalArgumentException(source + ": distill.feature.teacher-outputs names '"
                        + stageTensors.get(k) + "', which no Conv, Relu, pooling or Add node of the model outputs");
            }
        }
        return builder.build(last, InputType.convolutional(chw[1], chw[2], chw[0]));
    }

    private Onnx.ValueInfoProto imageInput() {
        List<Onnx.ValueInfoProto> inputs = graph.getInputList().stream()
                .filter(i -> !constants.containsKey(i.getName()) && graph.getInitializerList().stream()
                        .noneMatch(t -> t.getName().equals(i.getName()))).toList();
        if (inputs.size() != 1) {
            throw new IllegalArgumentException(source + " has " + inputs.size() + " inputs; a teacher takes one, "
                    + "the images [N, C, H, W]");
        }
        return inputs.get(0);
    }

    private long[] image() {
        Onnx.ValueInfoProto input = imageInput();
        var dims = input.getType().getTensorType().getShape().getDimList();
        if (dims.size() != 4 || dims.subList(1, 4).stream().anyMatch(d -> d.getDimValue() < 1)) {
            throw new IllegalArgumentException(source + ": input '" + input.getName() + "' must be images "
                    + "[N, C, H, W] with fixed C, H, W (export with dynamic_axes on the batch only), got "
                    + dims.stream().map(d -> d.getDimValue() > 0 ? String.valueOf(d.getDimValue()) : d.getDimParam())
                    .toList());
        }
        return new long[] {dims.get(1).getDimValue(), dims.get(2).getDimValue(), dims.get(3).getDimValue()};
    }

    private void visit(Onnx.NodeProto node) {
        String op = node.getOpType();
        String out = node.getOutputCount() > 0 ? node.getOutput(0) : "";
        switch (op) {
            case "Constant" -> constants.put(out, OnnxTensors.attribute(node, "value").getT());
            case "Sub", "Add", "Mul", "Div" -> {
                if (op.equals("Add") && !isConstant(node.getInput(0)) && !isConstant(node.getInput(1))
                        && !affineOfImage.containsKey(node.getInput(0)) && !affineOfImage.containsKey(node.getInput(1))) {
                    addLayerless(node, new ElementWiseVertex(ElementWiseVertex.Op.Add));
                } else {
                    affine(node);
                }
            }
            case "Conv" -> conv(node);
            case "BatchNormalization" -> batchNorm(node);
            case "Relu" -> addLayer(node, new Relu());
            case "AveragePool", "MaxPool" -> pool(node);
            case "GlobalAveragePool" -> addLayer(node, new GlobalPoolingLayer.Builder(PoolingType.AVG).build());
            case "Gemm" -> gemm(node);
            case "Flatten" -> {
                if (OnnxTensors.integer(node, "axis", 1) != 1) {
                    throw unsupported(node, "Flatten with axis " + OnnxTensors.integer(node, "axis", 1) + " (only 1)");
                }
                alias(node);
            }
            case "Identity", "Dropout" -> alias(node);
            case "Pad" -> pad(node);
            default -> throw unsupported(node, "the operator " + op + " (supported: Conv, BatchNormalization, Relu, "
                    + "AveragePool, MaxPool, GlobalAveragePool, Gemm, Add, Flatten, Identity, Dropout, zero Pad, and "
                    + "Sub/Div/Mul/Add of constants on the input)");
        }
    }

    private void conv(Onnx.NodeProto node) {
        INDArray w = weight(node, 1);
        if (OnnxTensors.integer(node, "group", 1) != 1) {
            throw unsupported(node, "a grouped convolution (group " + OnnxTensors.integer(node, "group", 1) + ")");
        }
        checkNoAutoPad(node);
        long[] k = OnnxTensors.integers(node, "kernel_shape", new long[] {w.size(2), w.size(3)});
        long[] s = OnnxTensors.integers(node, "strides", new long[] {1, 1});
        long[] d = OnnxTensors.integers(node, "dilations", new long[] {1, 1});
        long[] p = symmetricPads(node);
        boolean bias = node.getInputCount() > 2 && !node.getInput(2).isEmpty();
        String name = addLayer(node, Convolution.of(new ConvolutionLayer.Builder((int) k[0], (int) k[1])
                .stride((int) s[0], (int) s[1]).padding((int) p[0], (int) p[1]).dilation((int) d[0], (int) d[1])
                .nOut(w.size(0)).hasBias(bias).activation(Activation.IDENTITY).convolutionMode(ConvolutionMode.Truncate)));
        builder.weight(name, "W", w);
        if (bias) {
            builder.weight(name, "b", weight(node, 2));
        }
    }

    private void batchNorm(Onnx.NodeProto node) {
        double eps = OnnxTensors.real(node, "epsilon", 1e-5f);
        String name = addLayer(node, BatchNorm.of(new BatchNormalization.Builder().eps(eps).useLogStd(false)));
        String[] keys = {"gamma", "beta", "mean", "var"};
        for (int i = 0; i < keys.length; i++) {
            builder.weight(name, keys[i], weight(node, 1 + i));
        }
    }

    private void pool(Onnx.NodeProto node) {
        boolean max = node.getOpType().equals("MaxPool");
        checkNoAutoPad(node);
        if (OnnxTensors.integer(node, "ceil_mode", 0) != 0) {
            throw unsupported(node, "ceil_mode 1 (export the pooling with ceil_mode=False)");
        }
        long[] k = OnnxTensors.integers(node, "kernel_shape", null);
        long[] s = OnnxTensors.integers(node, "strides", new long[] {1, 1});
        long[] p = symmetricPads(node);
        SubsamplingLayer.Builder b = new SubsamplingLayer.Builder(max ? PoolingType.MAX : PoolingType.AVG)
                .kernelSize((int) k[0], (int) k[1]).stride((int) s[0], (int) s[1]).padding((int) p[0], (int) p[1])
                .convolutionMode(ConvolutionMode.Truncate);
        if (!max) {
            b.avgPoolIncludePadInDivisor(OnnxTensors.integer(node, "count_include_pad", 0) != 0);
        }
        addLayer(node, b.build());
    }

    /** ONNX Gemm: alpha A B' + beta C; a linear layer when alpha = beta = 1 and A is not transposed. */
    private void gemm(Onnx.NodeProto node) {
        if (OnnxTensors.real(node, "alpha", 1f) != 1f || OnnxTensors.real(node, "beta", 1f) != 1f
                || OnnxTensors.integer(node, "transA", 0) != 0) {
            throw unsupported(node, "a Gemm other than x W' + b (alpha 1, beta 1, transA 0)");
        }
        INDArray b = weight(node, 1);
        // DL4J's dense layer computes x W + b with W [in, out]; PyTorch's Linear exports B = W' [out, in], transB 1
        INDArray w = OnnxTensors.integer(node, "transB", 0) != 0 ? b.transpose().dup('c') : b;
        boolean bias = node.getInputCount() > 2 && !node.getInput(2).isEmpty();
        String name = addLayer(node, FullyConnected.of(new DenseLayer.Builder().nOut(w.size(1)).hasBias(bias)
                .activation(Activation.IDENTITY)));
        builder.weight(name, "W", w);
        if (bias) {
            builder.weight(name, "b", weight(node, 2));
        }
    }

    private void pad(Onnx.NodeProto node) {
        String mode = OnnxTensors.text(node, "mode", "constant");
        long[] pads = node.getInputCount() > 1 ? OnnxTensors.longs(constant(node, 1), "pads of " + node.getName())
                : OnnxTensors.integers(node, "pads", new long[0]);
        boolean zero = java.util.Arrays.stream(pads).allMatch(p -> p == 0);
        if (!zero || !mode.equals("constant")) {
            throw unsupported(node, "a Pad that pads (" + java.util.Arrays.toString(pads) + ", " + mode
                    + "); give the padding to the convolution or pooling instead");
        }
        alias(node);
    }

    /** Sub, Add, Mul or Div of a constant: while on the image, folded into the input normalization. */
    private void affine(Onnx.NodeProto node) {
        String a = node.getInput(0);
        String b = node.getInput(1);
        String op = node.getOpType();
        if (!affineOfImage.containsKey(a) || !isConstant(b)) {
            throw unsupported(node, op + " other than of a constant on the input image (the input's normalization) "
                    + "or, for Add, of two activations");
        }
        double[][] f = affineOfImage.get(a);
        double[] c = perChannel(node, constant(node, 1));
        double[] scale = f[0].clone();
        double[] shift = f[1].clone();
        for (int i = 0; i < channels; i++) {
            switch (op) {
                case "Sub" -> shift[i] -= c[i];
                case "Add" -> shift[i] += c[i];
                case "Mul" -> { scale[i] *= c[i]; shift[i] *= c[i]; }
                default -> { scale[i] /= c[i]; shift[i] /= c[i]; }
            }
        }
        affineOfImage.put(node.getOutput(0), new double[][] {scale, shift});
    }

    /** A constant that is one value, or one per channel ([C], [C, 1, 1] or [1, C, 1, 1]). */
    private double[] perChannel(Onnx.NodeProto node, Onnx.TensorProto t) {
        INDArray v = OnnxTensors.floats(t, "constant " + node.getInput(1));
        if (v.length() != 1 && v.length() != channels) {
            throw unsupported(node, "a constant of shape " + java.util.Arrays.toString(v.shape())
                    + " on the image (one value, or one per channel)");
        }
        double[] c = new double[(int) channels];
        for (int i = 0; i < channels; i++) {
            c[i] = v.getDouble(v.length() == 1 ? 0 : i);
        }
        return c;
    }

    /** The vertex computing {@code tensor}, turning a pending normalization of the image into a layer. */
    private String vertex(String tensor, String usedBy) {
        String v = vertexOf.get(tensor);
        if (v != null) {
            return v;
        }
        double[][] f = affineOfImage.get(tensor);
        if (f == null) {
            throw new IllegalArgumentException(source + ": " + usedBy + " reads '" + tensor
                    + "', which no supported node computes");
        }
        if (normalized) {
            throw new IllegalArgumentException(source + ": the image is normalized in two different ways ("
                    + usedBy + ")");
        }
        normalized = true;
        String name = builder.normalization(f, source);
        vertexOf.put(tensor, name);
        return name;
    }

    private String addLayer(Onnx.NodeProto node, org.deeplearning4j.nn.conf.layers.Layer layer) {
        String from = vertex(node.getInput(0), node.getOpType() + " node '" + node.getName() + "'");
        String name = builder.layer(name(node), layer, from);
        vertexOf.put(node.getOutput(0), name);
        return name;
    }

    private void addLayerless(Onnx.NodeProto node, org.deeplearning4j.nn.conf.graph.GraphVertex vertex) {
        String what = node.getOpType() + " node '" + node.getName() + "'";
        String[] from = node.getInputList().stream().map(i -> vertex(i, what)).toArray(String[]::new);
        vertexOf.put(node.getOutput(0), builder.vertex(name(node), vertex, from));
    }

    /** A node whose output is its input (Flatten on [N, C, H, W] included: DL4J flattens in the same order). */
    private void alias(Onnx.NodeProto node) {
        String in = node.getInput(0);
        if (affineOfImage.containsKey(in) && !vertexOf.containsKey(in)) {
            affineOfImage.put(node.getOutput(0), affineOfImage.get(in));
        } else {
            vertexOf.put(node.getOutput(0), vertex(in, node.getOpType() + " node '" + node.getName() + "'"));
        }
    }

    /** The DL4J name of a node's output: "logits", "stageK", or the ONNX tensor's name. */
    private String name(Onnx.NodeProto node) {
        String tensor = node.getOutput(0);
        String name = tensor.equals(graph.getOutput(0).getName()) ? NetworkBuilder.LOGITS
                : stageTensors.contains(tensor) ? "stage" + (stageTensors.indexOf(tensor) + 1)
                : RESERVED.contains(tensor) || tensor.startsWith("stage") || tensor.equals(NetworkBuilder.LOGITS)
                        ? "onnx:" + tensor : tensor;
        return name;
    }

    private boolean isConstant(String tensor) {
        return constants.containsKey(tensor);
    }

    private Onnx.TensorProto constant(Onnx.NodeProto node, int input) {
        Onnx.TensorProto t = constants.get(node.getInput(input));
        if (t == null) {
            throw unsupported(node, "input " + input + " ('" + node.getInput(input) + "') computed at run time; "
                    + "it must be a constant (export with do_constant_folding=True)");
        }
        return t;
    }

    private INDArray weight(Onnx.NodeProto node, int input) {
        return OnnxTensors.floats(constant(node, input), node.getOpType() + " '" + node.getName() + "' input " + input);
    }

    private long[] symmetricPads(Onnx.NodeProto node) {
        long[] pads = OnnxTensors.integers(node, "pads", new long[] {0, 0, 0, 0});
        if (pads.length != 4 || pads[0] != pads[2] || pads[1] != pads[3]) {
            throw unsupported(node, "padding " + java.util.Arrays.toString(pads) + " (only the same before and after)");
        }
        return new long[] {pads[0], pads[1]};
    }

    private void checkNoAutoPad(Onnx.NodeProto node) {
        String autoPad = OnnxTensors.text(node, "auto_pad", "NOTSET");
        if (!autoPad.equals("NOTSET")) {
            throw unsupported(node, "auto_pad " + autoPad + " (export with explicit pads)");
        }
    }

    private IllegalArgumentException unsupported(Onnx.NodeProto node, String what) {
        return new IllegalArgumentException(source + ": node '" + node.getName() + "' (" + node.getOpType()
                + ") is " + what);
    }
}
