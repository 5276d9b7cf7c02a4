package org.spikekd.convert;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.data.LabeledImages;
import org.spikekd.layer.ChannelsLastLayer;
import org.spikekd.layer.Convolution;
import org.spikekd.layer.FullyConnected;
import org.spikekd.encoding.DirectEncodingLayer;
import org.spikekd.model.GraphLayers;
import org.spikekd.model.InputNormalizationLayer;
import org.spikekd.model.NetworkBuilder;
import org.spikekd.model.TimeSteps;
import org.spikekd.neuron.SpikingLayer;
import org.spikekd.timefold.TimeAverageLayer;

/**
 * ANN-to-SNN conversion (Diehl et al., 2015; Rueckauer et al., 2017): a trained ReLU network
 * becomes a network of integrate-and-fire neurons with soft reset (reset by subtraction), whose
 * firing rates over T steps approximate the ReLU activations, so that its accuracy approaches the
 * ANN's as T grows.
 *
 * <ul>
 *   <li>Batch norm is folded into the convolution or dense layer before it (which gains a bias;
 *       see {@link BatchNormFolding}).
 *   <li>Each ReLU's activations are normalized by their p-th percentile lambda on calibration
 *       images: one spike per step stands for lambda. With {@link Normalization#WEIGHTS} the
 *       weights and biases feeding the neuron are divided by lambda (and multiplied by the lambda
 *       of their input) and the threshold is 1; with {@link Normalization#THRESHOLDS} the weights
 *       are only multiplied by their input's lambda and the threshold is lambda. Both give the same
 *       spikes; they differ in what a neuron's membrane is measured in.
 *   <li>A residual sum whose inputs stand for different amounts of activation per unit gets a
 *       scaling vertex on the inputs that need one.
 *   <li>The input layer is the analog normalized image at every step (direct encoding); the
 *       classifier's outputs are averaged over the steps.
 * </ul>
 * Average pooling converts as it is; max pooling does not (the maximum of spike trains is not the
 * spike train of the maximum), so networks with it are refused.
 */
public final class AnnToSnnConverter {
    /** Where the percentile scaling goes: into the weights, or into the neurons' thresholds. */
    public enum Normalization { WEIGHTS, THRESHOLDS }

    private double percentile = 99.9;
    private Normalization normalization = Normalization.WEIGHTS;
    private int timeSteps = 64;
    private int batchSize = 100;

    public AnnToSnnConverter percentile(double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("the activation percentile must be in (0, 100], got " + p);
        }
        this.percentile = p;
        return this;
    }

    public AnnToSnnConverter normalization(Normalization n) {
        this.normalization = n;
        return this;
    }

    /** The T the converted network runs by default (evaluation can run it at any other). */
    public AnnToSnnConverter timeSteps(int t) {
        if (t < 1) {
            throw new IllegalArgumentException("time steps must be >= 1, got " + t);
        }
        this.timeSteps = t;
        return this;
    }

    /** What conversion made: the SNN and the percentile lambda of each ReLU it replaced. */
    public static final class Result {
        public final ComputationGraph snn;
        public final Map<String, Double> lambdas;

        Result(ComputationGraph snn, Map<String, Double> lambdas) {
            this.snn = snn;
            this.lambdas = lambdas;
        }
    }

    /**
     * @param ann a trained teacher (ReLU network)
     * @param calibration images whose activations set each layer's lambda (a few hundred suffice)
     */
    public Result convert(ComputationGraph ann, LabeledImages calibration) {
        Plan plan = new Plan(ann);
        plan.check();
        Map<String, Double> lambdas = ActivationPercentiles.of(ann, calibration, percentile, batchSize);
        ComputationGraph snn = new ComputationGraph(plan.build(lambdas,
                InputType.convolutional(calibration.height(), calibration.width(), calibration.channels())));
        snn.init();
        plan.copyParameters(snn, lambdas);
        return new Result(snn, lambdas);
    }

    /** The walk over the ANN's graph that decides the SNN's vertices and what scales they carry. */
    private final class Plan {
        private final ComputationGraph ann;
        private final ComputationGraphConfiguration conf;
        private final Map<String, List<String>> inputs;
        private final Map<String, List<String>> consumers = new HashMap<>();
        /** ANN vertex -> the SNN vertex carrying its value. */
        private final Map<String, String> carriedBy = new HashMap<>();
        /** ANN vertex -> the ANN activation one unit of its SNN vertex's (time-averaged) output stands for. */
        private final Map<String, Double> unit = new HashMap<>();
        /** SNN linear layer -> what its parameters are made from. */
        private final Map<String, LinearSource> linear = new LinkedHashMap<>();
        /**
         * The direct encoder is not placed yet. As in a trained student (see NetworkBuilder), it goes
         * just before the first neurons: the layers before them see the same image at every step,
         * so they run once per image instead of T times (at T = 1024 that is most of the work).
         */
        private boolean encodePending;

        Plan(ComputationGraph ann) {
            this.ann = ann;
            this.conf = ann.getConfiguration();
            this.inputs = conf.getVertexInputs();
            inputs.forEach((v, ins) -> ins.forEach(i -> consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(v)));
        }

        private Layer layer(String vertex) {
            return GraphLayers.layerOf(conf.getVertices().get(vertex));
        }

        private List<String> order() {
            List<String> names = new ArrayList<>();
            for (int i : ann.topologicalSortOrder()) {
                names.add(ann.getVertices()[i].getVertexName());
            }
            return names;
        }

        /** Refuses what cannot be converted, naming the vertex. */
        void check() {
            boolean anyRelu = false;
            for (String v : order()) {
                Layer l = layer(v);
                if (l instanceof SpikingLayer) {
                    throw new IllegalArgumentException("the model is already a spiking network (vertex " + v
                            + "); conversion takes a trained ANN teacher");
                }
                if (l instanceof ActivationLayer) {
                    if (!(((ActivationLayer) l).getActivationFn() instanceof ActivationReLU)) {
                        throw new IllegalArgumentException("activation " + v + " is not a ReLU; only ReLU networks convert");
                    }
                    anyRelu = true;
                } else if (l instanceof SubsamplingLayer && ((SubsamplingLayer) l).getPoolingType() != PoolingType.AVG) {
                    throw new IllegalArgumentException("vertex " + v + " is max pooling, which does not convert to "
                            + "spikes; train the teacher with average pooling (model.vgg.pooling = avg, "
                            + "model.resnet.stem = small)");
                } else if (l instanceof GlobalPoolingLayer && ((GlobalPoolingLayer) l).getPoolingType() != PoolingType.AVG) {
                    throw new IllegalArgumentException("vertex " + v + " is global max pooling, which does not convert");
                } else if (l instanceof BatchNormalization) {
                    Layer before = layer(inputs.get(v).get(0));
                    if (!(before instanceof ConvolutionLayer || before instanceof DenseLayer)
                            || consumers.get(inputs.get(v).get(0)).size() != 1) {
                        throw new IllegalArgumentException("batch norm " + v + " does not directly follow a "
                                + "convolution or dense layer, so it cannot be folded into one");
                    }
                } else if ((l instanceof DenseLayer || l instanceof ConvolutionLayer)
                        && !(l.getClass() == DenseLayer.class || l.getClass() == ConvolutionLayer.class
                            || l.getClass() == Convolution.class || l.getClass() == FullyConnected.class)) {
                    throw new IllegalArgumentException("layer " + v + " (" + l.getClass().getSimpleName() + ") does not convert");
                } else if (l instanceof DenseLayer || l instanceof ConvolutionLayer) {
                    var act = ((org.deeplearning4j.nn.conf.layers.BaseLayer) l).getActivationFn();
                    if (!(act instanceof org.nd4j.linalg.activations.impl.ActivationIdentity)) {
                        throw new IllegalArgumentException("layer " + v + " has a built-in activation; conversion "
                                + "expects separate ReLU layers as SpikeKD's teachers have");
                    }
                }
                GraphVertex gv = conf.getVertices().get(v);
                if (gv instanceof ElementWiseVertex && ((ElementWiseVertex) gv).getOp() != ElementWiseVertex.Op.Add) {
                    throw new IllegalArgumentException("vertex " + v + " is an element-wise op other than addition");
                }
            }
            if (!anyRelu) {
                throw new IllegalArgumentException("the model has no ReLU layers to turn into neurons");
            }
        }

        /** The ReLU that a pre-activation value at {@code vertex} ends in, through batch norm and sums; null if none. */
        private String reluFed(String vertex) {
            String v = vertex;
            while (true) {
                List<String> next = consumers.getOrDefault(v, List.of());
                if (next.size() != 1) {
                    return null;
                }
                String c = next.get(0);
                Layer l = layer(c);
                if (l instanceof ActivationLayer) {
                    return c;
                }
                if (l instanceof BatchNormalization || conf.getVertices().get(c) instanceof ElementWiseVertex) {
                    v = c;
                } else {
                    return null;
                }
            }
        }

        /** The unit a ReLU's input current is measured in: lambda (weights normalized) or 1 (thresholds). */
        private double currentUnit(String relu, Map<String, Double> lambdas) {
            return relu == null || normalization == Normalization.THRESHOLDS ? 1.0 : lambdas.get(relu);
        }

        ComputationGraphConfiguration build(Map<String, Double> lambdas, InputType input) {
            GraphBuilder g = new NeuralNetConfiguration.Builder().seed(0).dataType(ann.getConfiguration()
                    .getDefaultConfiguration().getDataType()).graphBuilder();
            for (String v : order()) {
                GraphVertex gv = conf.getVertices().get(v);
                Layer l = layer(v);
                List<String> in = inputs.get(v);
                if (conf.getNetworkInputs().contains(v)) {
                    g.addInputs(v);
                    carriedBy.put(v, v);
                    unit.put(v, 1.0);
                } else if (l instanceof InputNormalizationLayer) {
                    g.addLayer(v, l.clone(), carriedBy.get(in.get(0)));
                    encodePending = true;
                    carriedBy.put(v, v);
                    unit.put(v, 1.0);
                } else if (l instanceof ChannelsLastLayer) {
                    // a change of memory layout: the values, and so their unit, stay as they are
                    g.addLayer(v, l.clone(), carriedBy.get(in.get(0)));
                    carriedBy.put(v, v);
                    unit.put(v, unit.get(in.get(0)));
                } else if (l instanceof ConvolutionLayer || l instanceof DenseLayer) {
                    addLinear(g, v, l, in.get(0), lambdas);
                } else if (l instanceof BatchNormalization) {
                    carriedBy.put(v, carriedBy.get(in.get(0)));
                    unit.put(v, unit.get(in.get(0)));
                } else if (l instanceof ActivationLayer) {
                    double lambda = lambdas.get(v);
                    double threshold = lambda / currentUnit(v, lambdas);
                    g.addLayer(v, new SpikingLayer().setNeuron("if").setReset("soft").setVThreshold(threshold)
                            .setTimeSteps(timeSteps).name(v), timeFolded(g, carriedBy.get(in.get(0))));
                    carriedBy.put(v, v);
                    unit.put(v, lambda);
                } else if (l instanceof SubsamplingLayer || l instanceof GlobalPoolingLayer) {
                    g.addLayer(v, l.clone(), timeFolded(g, carriedBy.get(in.get(0))));
                    carriedBy.put(v, v);
                    unit.put(v, unit.get(in.get(0)));
                } else if (gv instanceof ElementWiseVertex) {
                    if (encodePending) {
                        throw new IllegalArgumentException("vertex " + v
                                + ": a residual addition before the first ReLU does not convert");
                    }
                    double target = currentUnit(reluFed(v), lambdas);
                    String[] addends = new String[in.size()];
                    for (int k = 0; k < in.size(); k++) {
                        String from = carriedBy.get(in.get(k));
                        double u = unit.get(in.get(k));
                        if (Math.abs(u / target - 1) > 1e-12) {
                            g.addVertex(v + ".scale" + k, new ScaleVertex(u / target), from);
                            from = v + ".scale" + k;
                        }
                        addends[k] = from;
                    }
                    g.addVertex(v, new ElementWiseVertex(ElementWiseVertex.Op.Add), addends);
                    carriedBy.put(v, v);
                    unit.put(v, target);
                } else if (l instanceof LossLayer) {
                    g.addLayer(v, l.clone(), timeFolded(g, carriedBy.get(in.get(0))));
                } else {
                    throw new IllegalArgumentException("vertex " + v + " ("
                            + (l != null ? l.getClass().getSimpleName() : gv.getClass().getSimpleName())
                            + ") does not convert");
                }
            }
            g.setOutputs(NetworkBuilder.OUTPUT);
            g.setInputTypes(input);
            return g.build();
        }

        /** {@code from}, or the direct encoder added after it if that is still to be placed. */
        private String timeFolded(GraphBuilder g, String from) {
            if (!encodePending) {
                return from;
            }
            encodePending = false;
            g.addLayer("encode", new DirectEncodingLayer(timeSteps, "encode"), from);
            return "encode";
        }

        private void addLinear(GraphBuilder g, String v, Layer l, String from, Map<String, Double> lambdas) {
            List<String> next = consumers.getOrDefault(v, List.of());
            String bn = next.size() == 1 && layer(next.get(0)) instanceof BatchNormalization ? next.get(0) : null;
            boolean classifier = v.equals(NetworkBuilder.LOGITS);
            double inUnit = unit.get(from);
            double outUnit = classifier ? 1.0 : currentUnit(reluFed(bn != null ? bn : v), lambdas);
            String name = classifier ? "fc-out" : v;
            Layer converted;
            if (l instanceof ConvolutionLayer) {
                ConvolutionLayer c = (ConvolutionLayer) l;
                converted = Convolution.of(new ConvolutionLayer.Builder(c.getKernelSize()).stride(c.getStride())
                        .padding(c.getPadding()).dilation(c.getDilation()).convolutionMode(c.getConvolutionMode())
                        .nIn(c.getNIn()).nOut(c.getNOut()).hasBias(true).activation(Activation.IDENTITY));
            } else {
                DenseLayer d = (DenseLayer) l;
                converted = FullyConnected.of(new DenseLayer.Builder().nIn(d.getNIn()).nOut(d.getNOut()).hasBias(true)
                        .activation(Activation.IDENTITY));
            }
            g.addLayer(name, converted, carriedBy.get(from));
            linear.put(name, new LinearSource(v, bn, inUnit, outUnit));
            if (classifier) {
                g.addLayer(NetworkBuilder.LOGITS, new TimeAverageLayer(timeSteps, NetworkBuilder.LOGITS),
                        timeFolded(g, name));
                carriedBy.put(v, NetworkBuilder.LOGITS);
            } else {
                carriedBy.put(v, name);
            }
            unit.put(v, outUnit);
        }

        /** Sets every converted layer's weights and bias: batch norm folded in, then rescaled. */
        void copyParameters(ComputationGraph snn, Map<String, Double> lambdas) {
            for (Map.Entry<String, LinearSource> e : linear.entrySet()) {
                LinearSource from = e.getValue();
                String bn = from.batchNorm();
                double inUnit = from.inUnit();
                double outUnit = from.outUnit();
                var annLayer = ann.getLayer(from.annLayer());
                INDArray w = annLayer.getParam("W").dup();
                boolean conv = w.rank() == 4;
                long outs = conv ? w.size(0) : w.size(1);
                INDArray b = annLayer.paramTable().containsKey("b")
                        ? annLayer.getParam("b").dup().reshape(outs) : Nd4j.zeros(w.dataType(), outs);
                if (bn != null) {
                    INDArray[] affine = BatchNormFolding.affine(ann.getLayer(bn), outs, conv);
                    // bn(Wx + b) = scale (Wx + b) + shift
                    w = BatchNormFolding.scaleOutputs(w, affine[0], conv);
                    b = b.mul(affine[0]).addi(affine[1]);
                }
                w.muli(inUnit / outUnit);
                b.divi(outUnit);
                var target = snn.getLayer(e.getKey());
                target.setParam("W", w);
                target.setParam("b", b.reshape(target.getParam("b").shape()));
            }
        }
    }

    /**
     * A converted convolution or dense layer's origin: the ANN layer, the batch norm folded into it
     * (or null), and the units of its input and of the current it outputs.
     */
    private record LinearSource(String annLayer, String batchNorm, double inUnit, double outUnit) {}
}
