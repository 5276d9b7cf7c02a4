package org.spikekd.convert;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.model.GraphLayers;

/**
 * Batch norm folded into the convolution or dense layer before it, for inference.
 *
 * <p>In inference mode a batch norm is a fixed per-channel affine map, scale * x + shift, so
 * {@code bn(W x + b)} is a layer with weights scaled per output channel and bias {@code scale b +
 * shift}: the same outputs (to float rounding) without a pass over the activations, nor the batch
 * norm's small ops. ANN-to-SNN conversion folds this way; a KD teacher, which only ever runs in
 * inference mode beside its student, runs folded ({@link #forInference}).
 */
public final class BatchNormFolding {
    private BatchNormFolding() {}

    /**
     * A copy of {@code ann} for inference, with every batch norm that is the only consumer of a
     * convolution or dense layer without activation folded into that layer (which gains a bias).
     * Other batch norms, and all other vertices, stay as they are, under the same names.
     *
     * @param input the network's input type (the graph is built anew and needs it)
     */
    public static ComputationGraph forInference(ComputationGraph ann, InputType input) {
        ComputationGraphConfiguration conf = ann.getConfiguration();
        Map<String, List<String>> inputs = conf.getVertexInputs();
        Map<String, List<String>> consumers = new HashMap<>();
        inputs.forEach((v, ins) -> ins.forEach(i -> consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(v)));

        GraphBuilder g = new NeuralNetConfiguration.Builder()
                .dataType(conf.getDefaultConfiguration().getDataType()).graphBuilder();
        Map<String, String> folded = new HashMap<>(); // linear layer -> the batch norm folded into it
        conf.getVertices().forEach((v, vertex) -> {
            if (GraphLayers.layerOf(vertex) instanceof BatchNormalization && folds(conf, inputs, consumers, v)) {
                folded.put(inputs.get(v).get(0), v);
            }
        });
        Map<String, String> carriedBy = new HashMap<>(); // vertex of ann -> vertex of the copy with its value
        for (int index : ann.topologicalSortOrder()) {
            String v = ann.getVertices()[index].getVertexName();
            if (conf.getNetworkInputs().contains(v)) {
                g.addInputs(v);
                carriedBy.put(v, v);
                continue;
            }
            GraphVertex vertex = conf.getVertices().get(v);
            Layer layer = GraphLayers.layerOf(vertex);
            String[] from = inputs.get(v).stream().map(carriedBy::get).toArray(String[]::new);
            if (folded.containsValue(v)) {
                carriedBy.put(v, carriedBy.get(inputs.get(v).get(0)));
                continue;
            }
            if (layer != null) {
                Layer copy = layer.clone();
                if (folded.containsKey(v)) {
                    if (copy instanceof ConvolutionLayer) {
                        ((ConvolutionLayer) copy).setHasBias(true);
                    } else {
                        ((DenseLayer) copy).setHasBias(true);
                    }
                }
                g.addLayer(v, copy, from);
            } else {
                g.addVertex(v, vertex.clone(), from);
            }
            carriedBy.put(v, v);
        }
        g.setOutputs(conf.getNetworkOutputs().stream().map(carriedBy::get).toArray(String[]::new));
        g.setInputTypes(input);
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();

        for (org.deeplearning4j.nn.api.Layer target : net.getLayers()) {
            String name = target.conf().getLayer().getLayerName();
            org.deeplearning4j.nn.api.Layer source = ann.getLayer(name);
            String bn = folded.get(name);
            if (bn == null) {
                source.paramTable().forEach(target::setParam);
                continue;
            }
            INDArray w = source.getParam("W").dup();
            boolean conv = w.rank() == 4;
            long outs = conv ? w.size(0) : w.size(1);
            INDArray b = source.paramTable().containsKey("b")
                    ? source.getParam("b").dup().reshape(outs) : Nd4j.zeros(w.dataType(), outs);
            INDArray[] affine = affine(ann.getLayer(bn), outs, conv);
            // bn(Wx + b) = scale (Wx + b) + shift
            target.setParam("W", scaleOutputs(w, affine[0], conv));
            target.setParam("b", b.mul(affine[0]).addi(affine[1]).reshape(target.getParam("b").shape()));
        }
        return net;
    }

    /** Whether batch norm {@code bn} folds: the only consumer of a convolution or dense layer without activation. */
    private static boolean folds(ComputationGraphConfiguration conf, Map<String, List<String>> inputs,
                                 Map<String, List<String>> consumers, String bn) {
        List<String> in = inputs.get(bn);
        if (in.size() != 1 || conf.getNetworkInputs().contains(in.get(0))) {
            return false;
        }
        Layer before = GraphLayers.layerOf(conf.getVertices().get(in.get(0)));
        return (before instanceof ConvolutionLayer || before instanceof DenseLayer)
                && ((BaseLayer) before).getActivationFn() instanceof ActivationIdentity
                && consumers.get(in.get(0)).size() == 1;
    }

    /** W with each output channel (conv: first dimension; dense: columns) multiplied by its scale. */
    static INDArray scaleOutputs(INDArray w, INDArray scale, boolean conv) {
        if (conv) {
            long outs = w.size(0);
            INDArray flat = w.reshape('c', outs, w.length() / outs);
            return flat.mulColumnVector(scale.reshape(outs, 1)).reshape('c', w.shape());
        }
        return w.mulRowVector(scale.reshape(1, scale.length()));
    }

    /**
     * The per-channel scale and shift of a batch-norm layer in inference mode, read off the layer
     * itself (its output for inputs 0 and 1), so that however it stores its statistics (variance
     * or log standard deviation) the folding matches what it computes.
     */
    static INDArray[] affine(org.deeplearning4j.nn.api.Layer bn, long channels, boolean conv) {
        boolean channelsLast = ((BatchNormalization) bn.conf().getLayer()).getCnn2DFormat() == CNN2DFormat.NHWC;
        long[] shape = !conv ? new long[] {1, channels}
                : channelsLast ? new long[] {1, 1, 1, channels} : new long[] {1, channels, 1, 1};
        var type = bn.getParam("gamma").dataType();
        INDArray zero = bn.activate(Nd4j.zeros(type, shape), false, LayerWorkspaceMgr.noWorkspaces()).dup().reshape(channels);
        INDArray one = bn.activate(Nd4j.ones(type, shape), false, LayerWorkspaceMgr.noWorkspaces()).dup().reshape(channels);
        return new INDArray[] {one.sub(zero), zero};
    }
}
