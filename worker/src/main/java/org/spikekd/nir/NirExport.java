package org.spikekd.nir;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.convert.BatchNormFolding;
import org.spikekd.encoding.DirectEncodingLayer;
import org.spikekd.encoding.PoissonEncodingLayer;
import org.spikekd.layer.ChannelsLastLayer;
import org.spikekd.layer.Relu;
import org.spikekd.model.GraphLayers;
import org.spikekd.model.InputNormalizationLayer;
import org.spikekd.model.NetworkBuilder;
import org.spikekd.model.TimeSteps;
import org.spikekd.neuron.SpikingLayer;
import org.spikekd.neuron.SpikingLayerImpl;
import org.spikekd.timefold.TimeAverageLayer;

/**
 * A trained spiking network as a NIR graph, for neuromorphic hardware and the simulators that read
 * NIR (Lava, SpiNNaker2, Speck, Xylo, BrainScaleS-2; snnTorch, Norse, SpikingJelly).
 *
 * <p>What each part of a SpikeKD network becomes:
 * <ul>
 *   <li>the input normalization: a depthwise 1x1 {@code Conv2d}, weight 1/std, bias -mean/std;
 *   <li>convolution followed by batch norm: one {@code Conv2d}, the batch norm (inference mode)
 *       folded into its weights and a bias; dense layers: {@code Affine}, preceded by a
 *       {@code Flatten} where images become vectors;
 *   <li>spiking neurons: {@code LIF} (PLIF: with its learned tau) or {@code IF} (see {@link NeuronParameters} for the mapping of
 *       the discrete-time neuron to NIR's continuous-time one);
 *   <li>average pooling, global average pooling: {@code AvgPool2d} (and {@code Flatten});
 *   <li>a residual sum: two edges into the node after it (NIR sums a node's inputs);
 *   <li>the conversion's rescaling ({@code ScaleVertex}): {@code Scale};
 *   <li>the classifier's currents: {@code Output}, once per step; the class scores are their mean
 *       over the steps (graph metadata {@code readout}), as SpikeKD computes them.
 * </ul>
 * The encoder is not part of the graph: under direct encoding every step's input is the image;
 * under Poisson encoding the input is the spike trains (graph metadata {@code input}).
 *
 * <p>NIR is channels-first ([C, H, W]) and batchless; SpikeKD computes channels-last, so the
 * first dense layer after a convolution has its weights' columns reordered from (h, w, c) to
 * (c, h, w). A convolution whose "same" padding is one larger after than before (DL4J, like
 * TensorFlow, puts the odd pixel at the end; NIR pads both sides alike) is written with a kernel one
 * larger, its first row or column zero, and the larger padding on both sides: the same sums.
 *
 * <p>Refused, by the name of the vertex: max pooling (NIR pools by sum or average), ReLU (an ANN
 * teacher is not a spiking network; convert it first), batch norm not after a convolution or dense
 * layer, and any vertex kind not listed above.
 */
public final class NirExport {
    private final ComputationGraph net;
    private final ComputationGraphConfiguration conf;
    private final Map<String, InputType> types;
    private final InputType inputType;
    private final NirGraph graph = new NirGraph();
    /** Vertex of the folded DL4J graph -> the NIR nodes whose sum is its value. */
    private final Map<String, List<String>> carriedBy = new HashMap<>();

    private NirExport(ComputationGraph folded, InputType inputType) {
        this.net = folded;
        this.conf = folded.getConfiguration();
        this.inputType = inputType;
        this.types = conf.getLayerActivationTypes(inputType);
    }

    /**
     * The NIR graph of {@code snn}, from its input to its classifier (feature-distillation heads
     * are left out).
     *
     * @param input the images the network takes, channels-first (as when it was built)
     * @throws IllegalArgumentException naming the first vertex that has no NIR form
     */
    public static NirGraph of(ComputationGraph snn, InputType input) {
        int timeSteps = TimeSteps.of(snn);
        if (timeSteps == 0) {
            throw new IllegalArgumentException("not a spiking network: NIR export takes a student or a converted SNN; "
                    + "an ANN teacher is converted first (spikekd convert)");
        }
        NirExport export = new NirExport(BatchNormFolding.forInference(snn, input), input);
        export.walk();
        export.graph.metadata("source", "SpikeKD")
                .metadata("time_steps", timeSteps)
                .metadata("readout", "class scores = mean over the time steps of 'output'")
                .metadata("threshold", "a neuron fires when v >= v_threshold")
                .metadata("input", GraphLayers.inOrder(snn, l -> l instanceof PoissonEncodingLayer).isEmpty()
                        ? "the normalized-by-the-graph image in [0, 1], the same at every step (direct encoding)"
                        : "Poisson spike trains of the image's [0, 1] intensities, one draw per step");
        return export.graph;
    }

    private void walk() {
        Set<String> needed = ancestors(NetworkBuilder.OUTPUT);
        for (int index : net.topologicalSortOrder()) {
            String v = net.getVertices()[index].getVertexName();
            if (!needed.contains(v)) {
                continue;
            }
            if (conf.getNetworkInputs().contains(v)) {
                graph.node(v, new NirNode("Input").field("shape", shape(inputType)));
                carriedBy.put(v, List.of(v));
                continue;
            }
            visit(v, conf.getVertices().get(v));
        }
    }

    private void visit(String v, GraphVertex vertex) {
        List<String> in = conf.getVertexInputs().get(v);
        List<String> sources = new ArrayList<>();
        in.forEach(i -> sources.addAll(carriedBy.get(i)));
        Layer layer = GraphLayers.layerOf(vertex);
        InputType before = types.get(in.get(0));
        if (vertex instanceof ElementWiseVertex sum) {
            if (sum.getOp() != ElementWiseVertex.Op.Add) {
                throw refused(v, "an element-wise " + sum.getOp() + " (NIR sums a node's inputs; only Add has a form)");
            }
            carriedBy.put(v, sources); // the next node gets an edge from each
        } else if (vertex instanceof ScaleVertex scale) {
            add(v, new NirNode("Scale").field("scale", NirNode.Tensor.filled(scale.getScaleFactor(), shape(before))),
                    sources);
        } else if (layer instanceof ChannelsLastLayer || layer instanceof DirectEncodingLayer
                || layer instanceof PoissonEncodingLayer || layer instanceof TimeAverageLayer) {
            carriedBy.put(v, sources); // layout, encoding and readout live outside the NIR graph
        } else if (layer instanceof InputNormalizationLayer norm) {
            add(v, normalization(norm, before), sources);
        } else if (layer instanceof ConvolutionLayer c) {
            linearWithoutActivation(v, c);
            add(v, Conv2dNode.of(c, net.getLayer(v), before), sources);
        } else if (layer instanceof DenseLayer d) {
            linearWithoutActivation(v, d);
            List<String> from = sources;
            if (before instanceof InputType.InputTypeConvolutional) {
                from = List.of(flatten(v + ".flatten", before, sources));
            }
            add(v, affine(net.getLayer(v), before), from);
        } else if (layer instanceof SpikingLayer neuron) {
            double tau = ((SpikingLayerImpl) net.getLayer(v)).timeConstant();
            add(v, NeuronParameters.node(neuron, shape(before), tau), sources);
        } else if (layer instanceof SubsamplingLayer pool) {
            add(v, avgPool(v, pool, before), sources);
        } else if (layer instanceof GlobalPoolingLayer pool) {
            if (pool.getPoolingType() != PoolingType.AVG) {
                throw refused(v, pool.getPoolingType() + " global pooling (NIR pools by sum or average)");
            }
            long[] chw = shape(before);
            long[] window = {chw[1], chw[2]};
            add(v, new NirNode("AvgPool2d").field("kernel_size", window).field("stride", window)
                    .field("padding", new long[] {0, 0}), sources);
            carriedBy.put(v, List.of(flatten(v + ".flatten", InputType.convolutional(1, 1, chw[0]), List.of(v))));
        } else if (layer instanceof LossLayer && v.equals(NetworkBuilder.OUTPUT)) {
            add(v, new NirNode("Output").field("shape", shape(before)), sources);
        } else if (layer instanceof Relu) {
            throw refused(v, "a ReLU: this is an ANN, not a spiking network; convert it first (spikekd convert)");
        } else if (layer instanceof BatchNormalization) {
            throw refused(v, "a batch norm that does not follow a convolution or dense layer, so it cannot be folded");
        } else {
            throw refused(v, "a " + (layer != null ? layer.getClass().getSimpleName() : vertex.getClass().getSimpleName())
                    + ", which has no NIR form here");
        }
    }

    private void add(String name, NirNode node, List<String> from) {
        graph.node(name, node);
        from.forEach(f -> graph.edge(f, name));
        carriedBy.put(name, List.of(name));
    }

    private String flatten(String name, InputType image, List<String> from) {
        graph.node(name, new NirNode("Flatten").field("start_dim", 0).field("end_dim", -1)
                .field("input_type", shape(image)));
        from.forEach(f -> graph.edge(f, name));
        return name;
    }

    private static NirNode normalization(InputNormalizationLayer norm, InputType image) {
        double[] mean = norm.getMean();
        double[] std = norm.getStd();
        long[] chw = shape(image);
        int channels = (int) chw[0];
        float[] w = new float[channels];
        float[] b = new float[channels];
        for (int c = 0; c < channels; c++) {
            // one value for all channels broadcasts, as the layer does
            double m = mean[mean.length == 1 ? 0 : c];
            double s = std[std.length == 1 ? 0 : c];
            w[c] = (float) (1.0 / s);
            b[c] = (float) (-m / s);
        }
        return new NirNode("Conv2d").field("input_shape", new long[] {chw[1], chw[2]})
                .field("weight", new NirNode.Tensor(w, channels, 1, 1, 1))
                .field("stride", new long[] {1, 1}).field("padding", new long[] {0, 0})
                .field("dilation", new long[] {1, 1}).field("groups", channels)
                .field("bias", new NirNode.Tensor(b, channels));
    }

    /** NIR's Affine computes W x + b, W [out, in]; DL4J's W is [in, out], with in in the input's flattening order. */
    private static NirNode affine(org.deeplearning4j.nn.api.Layer dense, InputType before) {
        INDArray w = dense.getParam("W").castTo(DataType.FLOAT);
        long outs = w.size(1);
        INDArray weight;
        if (before instanceof InputType.InputTypeConvolutional image && image.getFormat() == CNN2DFormat.NHWC) {
            // rows in (h, w, c) order; NIR flattens [C, H, W] in (c, h, w) order
            weight = w.reshape('c', image.getHeight(), image.getWidth(), image.getChannels(), outs)
                    .permute(3, 2, 0, 1).dup('c').reshape('c', outs, w.size(0));
        } else {
            weight = w.transpose().dup('c');
        }
        return new NirNode("Affine").field("weight", tensor(weight)).field("bias", bias(dense, outs));
    }

    private static NirNode avgPool(String v, SubsamplingLayer pool, InputType before) {
        if (pool.getPoolingType() != PoolingType.AVG) {
            throw refused(v, pool.getPoolingType() + " pooling (NIR pools by sum or average; train with average pooling)");
        }
        long[] chw = shape(before);
        int[] k = pool.getKernelSize();
        int[] s = pool.getStride();
        long[] padding = new long[2];
        for (int axis = 0; axis < 2; axis++) {
            long[] pads = Conv2dNode.padding(pool.getConvolutionMode(), chw[1 + axis], k[axis], s[axis], 1,
                    pool.getPadding()[axis]);
            if (pads[0] != 0 || pads[1] != 0) {
                // whether padding counts in the average differs between libraries: not exported rather than guessed
                throw refused(v, "average pooling over a " + chw[1] + "x" + chw[2] + " map that needs padding");
            }
        }
        return new NirNode("AvgPool2d").field("kernel_size", new long[] {k[0], k[1]})
                .field("stride", new long[] {s[0], s[1]}).field("padding", padding);
    }

    /** SpikeKD's convolutions and dense layers compute currents; an activation inside one has no NIR form. */
    private static void linearWithoutActivation(String v, BaseLayer layer) {
        if (!(layer.getActivationFn() instanceof ActivationIdentity)) {
            throw refused(v, "a layer with its own activation " + layer.getActivationFn());
        }
    }

    private Set<String> ancestors(String of) {
        Set<String> seen = new HashSet<>();
        List<String> todo = new ArrayList<>(List.of(of));
        while (!todo.isEmpty()) {
            String v = todo.remove(todo.size() - 1);
            if (seen.add(v) && conf.getVertexInputs().containsKey(v)) {
                todo.addAll(conf.getVertexInputs().get(v));
            }
        }
        return seen;
    }

    /** NIR's shape of an activation: [C, H, W] for images (whatever SpikeKD's layout), [n] for vectors. */
    static long[] shape(InputType type) {
        if (type instanceof InputType.InputTypeConvolutional image) {
            return new long[] {image.getChannels(), image.getHeight(), image.getWidth()};
        }
        if (type instanceof InputType.InputTypeFeedForward vector) {
            return new long[] {vector.getSize()};
        }
        throw new IllegalArgumentException("no NIR shape for activations of type " + type);
    }

    /** A layer's bias as NIR's [outs] (DL4J keeps [1, outs]), or zeros for a layer without one. */
    static NirNode.Tensor bias(org.deeplearning4j.nn.api.Layer layer, long outs) {
        return tensor(layer.paramTable().containsKey("b") ? layer.getParam("b").reshape(outs)
                : Nd4j.zeros(DataType.FLOAT, outs));
    }

    static NirNode.Tensor tensor(INDArray a) {
        INDArray c = a.castTo(DataType.FLOAT).dup('c');
        return new NirNode.Tensor(c.data().asFloat(), c.shape());
    }

    static IllegalArgumentException refused(String vertex, String why) {
        return new IllegalArgumentException("cannot export to NIR: vertex '" + vertex + "' is " + why);
    }
}
