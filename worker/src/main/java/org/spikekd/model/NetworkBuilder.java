package org.spikekd.model;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.IUpdater;
import org.spikekd.distill.DistillationLoss;
import org.spikekd.distill.FeatureDistillationLoss;
import org.spikekd.encoding.DirectEncodingLayer;
import org.spikekd.encoding.Encoding;
import org.spikekd.encoding.PoissonEncodingLayer;
import org.spikekd.layer.BatchNorm;
import org.spikekd.layer.ChannelsLastLayer;
import org.spikekd.layer.Convolution;
import org.spikekd.layer.FullyConnected;
import org.spikekd.layer.Relu;
import org.spikekd.neuron.SpikingLayer;
import org.spikekd.timefold.TimeAverageLayer;

/**
 * Adds layers to a DL4J graph in the vocabulary of the architectures: convolution, batch norm,
 * activation, pooling, residual addition. The activation is what makes a network a teacher (ReLU)
 * or a student (spiking neurons); everything else is shared, so a teacher and a student built from
 * one architecture have the same vertex names, and "stage1", "stage2", ... name the activations at
 * the end of each stage in both (what feature distillation matches).
 *
 * <p>A student's graph: input, normalize (direct encoding only), channels-last, encode (time
 * folded in: [T*N]), the body, the output layer's currents averaged over time ("logits", [N]), and
 * the loss. A teacher's: input, normalize, channels-last, the body, "logits", the loss. Inputs are
 * channels-first images [N, C, H, W]; everything after "channels-last" computes on [N, H, W, C].
 *
 * <p>Under direct encoding every step sees the same image, so the convolutions and batch norms
 * before the first spiking neurons would compute the same thing T times. The encoder therefore
 * goes in just before the first neurons (input, normalize, conv, bn, encode, neurons, ...): the
 * stem runs on N images instead of T*N. This is exact: a convolution is per image, and batch
 * statistics over T copies of a batch equal those of the batch (in the backward pass the
 * encoder sums the T steps' gradients, which is what the copies' gradients would add up to).
 * Poisson encoding varies over the steps, so its encoder stays at the input.
 */
public final class NetworkBuilder {
    /** Vertex names that the trainer and evaluator rely on. */
    public static final String INPUT = "input";
    public static final String LOGITS = "logits";
    public static final String OUTPUT = "output";

    private final GraphBuilder graph;
    private final NetworkRole role;
    private final SpikingSettings spiking;
    /** The network's updater, which PLIF layers are given for their parameter (see SpikingLayer). */
    private final IUpdater updater;
    private final List<String> stages = new ArrayList<>();
    private int unnamed;
    /** Direct encoding not yet inserted: the layers so far see each image once. */
    private boolean directEncodingPending;

    NetworkBuilder(GraphBuilder graph, NetworkRole role, SpikingSettings spiking, IUpdater updater) {
        this.graph = graph;
        this.role = role;
        this.spiking = spiking;
        this.updater = updater;
    }

    public NetworkRole role() {
        return role;
    }

    /**
     * Adds the input, its normalization, the turn to channels-last (see {@link ChannelsLastLayer};
     * unless {@code channelsLast} is false) and (students) the encoder; returns the vertex to build on.
     */
    String input(double[] mean, double[] std, boolean channelsLast) {
        graph.addInputs(INPUT);
        String last = INPUT;
        boolean poisson = role == NetworkRole.STUDENT && spiking.encoding == Encoding.POISSON;
        if (!poisson) {
            // Poisson coding needs the raw intensities as spike probabilities
            graph.addLayer("normalize", new InputNormalizationLayer(mean, std, "normalize"), last);
            last = "normalize";
        }
        if (channelsLast) {
            graph.addLayer("channels-last", new ChannelsLastLayer("channels-last"), last);
            last = "channels-last";
        }
        if (role == NetworkRole.STUDENT && poisson) {
            graph.addLayer("encode", new PoissonEncodingLayer(spiking.timeSteps, "encode"), last);
            last = "encode";
        } else if (role == NetworkRole.STUDENT) {
            directEncodingPending = true; // see the class comment: added before the first neurons
        }
        return last;
    }

    /**
     * {@code from}, time-folded: while direct encoding is pending, adds the encoder after it. Every
     * layer but convolution and batch norm (which work per image) builds on this.
     */
    private String timeFolded(String from) {
        if (!directEncodingPending) {
            return from;
        }
        directEncodingPending = false;
        graph.addLayer("encode", new DirectEncodingLayer(spiking.timeSteps, "encode"), from);
        return "encode";
    }

    public String conv(String name, String from, int channels, int kernel, int stride) {
        graph.addLayer(name, Convolution.of(new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride)
                .nOut(channels).hasBias(false).activation(Activation.IDENTITY)
                .convolutionMode(ConvolutionMode.Same).weightInit(new TorchDefaultInit())), from);
        return name;
    }

    public String batchNorm(String name, String from) {
        graph.addLayer(name, BatchNorm.of(new BatchNormalization.Builder()), from);
        return name;
    }

    /** ReLU for a teacher, spiking neurons for a student. */
    public String activation(String name, String from) {
        if (role == NetworkRole.STUDENT) {
            SpikingLayer neurons = spiking.neuronLayer(name);
            if (neurons.isParametric()) {
                neurons.setUpdater(updater.clone());
            }
            graph.addLayer(name, neurons, timeFolded(from));
        } else {
            graph.addLayer(name, new Relu(), from);
        }
        return name;
    }

    /** conv, batch norm on the conv's output (the neurons' input currents), activation. */
    public String convBnAct(String prefix, String from, int channels, int kernel, int stride) {
        String c = conv(prefix + ".conv", from, channels, kernel, stride);
        String b = batchNorm(prefix + ".bn", c);
        return activation(prefix + ".act", b);
    }

    public String pool(String name, String from, String kind, int kernel, int stride) {
        PoolingType type;
        switch (kind) {
            case "avg": type = PoolingType.AVG; break;
            case "max": type = PoolingType.MAX; break;
            default: throw new IllegalArgumentException("pooling must be 'avg' or 'max', got '" + kind + "'");
        }
        graph.addLayer(name, new SubsamplingLayer.Builder(type).kernelSize(kernel, kernel)
                .stride(stride, stride).convolutionMode(ConvolutionMode.Same).build(), timeFolded(from));
        return name;
    }

    public String globalAveragePool(String name, String from) {
        graph.addLayer(name, new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), timeFolded(from));
        return name;
    }

    /** Element-wise sum: a residual connection. */
    public String add(String name, String a, String b) {
        if (directEncodingPending) {
            // the two branches would need one encoder between them; no architecture branches that early
            throw new IllegalStateException("residual addition " + name + " before the first spiking layer");
        }
        graph.addVertex(name, new ElementWiseVertex(ElementWiseVertex.Op.Add), a, b);
        return name;
    }

    public String dense(String name, String from, int units) {
        graph.addLayer(name, FullyConnected.of(new DenseLayer.Builder().nOut(units).activation(Activation.IDENTITY)
                .weightInit(new TorchDefaultInit())), timeFolded(from));
        return name;
    }

    /** An activation that ends a stage; it is named "stageK" (K from 1) so distillation can find it. */
    public String stageActivation(String from) {
        String name = "stage" + (stages.size() + 1);
        stages.add(name);
        return activation(name, from);
    }

    public List<String> stages() {
        return List.copyOf(stages);
    }

    /** A fresh name for an anonymous vertex. */
    public String name(String kind) {
        return kind + (++unnamed);
    }

    /** The classifier: dense to the classes, averaged over time for a student, and the loss. */
    void output(String from, int numClasses, DistillationLoss loss) {
        if (role == NetworkRole.STUDENT) {
            dense("fc-out", from, numClasses);
            graph.addLayer(LOGITS, new TimeAverageLayer(spiking.timeSteps, LOGITS), "fc-out");
        } else {
            dense(LOGITS, from, numClasses);
        }
        graph.addLayer(OUTPUT, new LossLayer.Builder(loss).activation(Activation.IDENTITY).build(), LOGITS);
    }

    /**
     * Feature distillation heads (students only): the firing-rate map of stage K ("rateK"), a 1x1
     * convolution adapter to the teacher's channels ("adapterK") and the L2 loss ("featureK").
     * Returns the output names to add after {@link #OUTPUT}.
     */
    List<String> featureHeads(List<Integer> stageNumbers, List<Integer> teacherChannels, double beta) {
        List<String> outputs = new ArrayList<>();
        for (int i = 0; i < stageNumbers.size(); i++) {
            int k = stageNumbers.get(i);
            if (k < 1 || k > stages.size()) {
                throw new IllegalArgumentException("distill.feature.stages: stage " + k
                        + " does not exist; this architecture has stages 1.." + stages.size());
            }
            graph.addLayer("rate" + k, new TimeAverageLayer(spiking.timeSteps, "rate" + k), "stage" + k);
            graph.addLayer("adapter" + k, Convolution.of(new ConvolutionLayer.Builder(1, 1).nOut(teacherChannels.get(i))
                    .hasBias(true).activation(Activation.IDENTITY).weightInit(new TorchDefaultInit())),
                    "rate" + k);
            graph.addLayer("feature" + k, new LossLayer.Builder(new FeatureDistillationLoss(beta))
                    .activation(Activation.IDENTITY).build(), "adapter" + k);
            outputs.add("feature" + k);
        }
        return outputs;
    }
}
