package org.spikekd.diagnose;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.spikekd.data.Augmentation;
import org.spikekd.data.LabeledImages;
import org.spikekd.data.Minibatches;
import org.spikekd.distill.DistillationLoss;
import org.spikekd.encoding.Encoding;
import org.spikekd.model.GraphLayers;
import org.spikekd.model.NetworkFactory;
import org.spikekd.model.NetworkRole;
import org.spikekd.model.ResNetArchitecture;
import org.spikekd.model.SpikingSettings;
import org.spikekd.neuron.SpikingLayer;

/**
 * How gradients flow through a deep spiking ResNet for a given surrogate width (Ledinauskas et
 * al., 2020): the L2 norm of each convolution's and dense layer's weight gradient, input to
 * output, at initialization and after a few training steps, on one fixed probe batch.
 *
 * <p>SpikeKD's surrogates have unit area (they are derivatives of a step from 0 to 1), so their
 * peak height grows as their width shrinks: the sigmoid's peak is alpha / 4. Backpropagation
 * through a layer multiplies by the surrogate at each neuron's membrane; with a wide surrogate
 * (small alpha) every factor is well below 1 and the norms fall off layer by layer towards the
 * input (vanishing); with a narrow one (large alpha) the neurons near threshold pass factors
 * above 1 and the norms grow (exploding). Between them the norms stay within a decade or two.
 */
public final class GradientFlow {
    /** Orders of magnitude between the first and the last layer's norm that count as vanishing or exploding. */
    public static final double DECADES = 2.0;

    private final LabeledImages images;
    private int width = 8;
    private int timeSteps = 4;
    private int batchSize = 16;
    private int steps = 3;
    private double learningRate = 1e-3;
    private String surrogate = "sigmoid";
    private long seed = 0;

    public GradientFlow(LabeledImages images) {
        this.images = images;
    }

    public GradientFlow width(int w) { this.width = w; return this; }
    public GradientFlow timeSteps(int t) { this.timeSteps = t; return this; }
    public GradientFlow batchSize(int b) { this.batchSize = b; return this; }
    public GradientFlow steps(int s) { this.steps = s; return this; }
    public GradientFlow learningRate(double lr) { this.learningRate = lr; return this; }
    public GradientFlow surrogate(String s) { this.surrogate = s; return this; }
    public GradientFlow seed(long s) { this.seed = s; return this; }

    /** One (depth, surrogate width) measurement. */
    public static final class Measurement {
        public final int depth;
        public final double alpha;
        public final List<String> layers;
        public final double[] initial;
        public final double[] trained;
        public final double lossInitial;
        public final double lossTrained;

        Measurement(int depth, double alpha, List<String> layers, double[] initial, double[] trained,
                    double lossInitial, double lossTrained) {
            this.depth = depth;
            this.alpha = alpha;
            this.layers = layers;
            this.initial = initial;
            this.trained = trained;
            this.lossInitial = lossInitial;
            this.lossTrained = lossTrained;
        }

        /** log10(first layer's norm / last layer's norm): below 0, gradients shrink towards the input. */
        public static double decades(double[] norms) {
            return Math.log10(norms[0] / norms[norms.length - 1]);
        }

        /** "vanishing", "exploding", "non-finite" or "healthy", from the initial norms. */
        public String verdict() {
            for (double n : initial) {
                if (!Double.isFinite(n)) {
                    return "non-finite";
                }
            }
            double d = decades(initial);
            if (initial[0] == 0 || d < -DECADES) {
                return "vanishing";
            }
            return d > DECADES ? "exploding" : "healthy";
        }

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("depth", depth);
            m.put("alpha", alpha);
            m.put("verdict", verdict());
            m.put("decades_initial", decades(initial));
            m.put("decades_trained", decades(trained));
            m.put("loss_initial", lossInitial);
            m.put("loss_trained", lossTrained);
            m.put("layers", layers);
            m.put("norms_initial", initial);
            m.put("norms_trained", trained);
            return m;
        }
    }

    /** Measures a spiking ResNet of {@code depth} with a surrogate of sharpness {@code alpha}. */
    public Measurement measure(int depth, double alpha) {
        double[][] norm = images.channelMeanAndStd();
        SpikingSettings spiking = new SpikingSettings(Encoding.DIRECT, timeSteps,
                new SpikingLayer().setSurrogate(surrogate).setSurrogateAlpha(alpha));
        ComputationGraph net = new NetworkFactory(new ResNetArchitecture(depth, width, "small"), NetworkRole.STUDENT)
                .input(images.channels(), images.height(), images.width()).classes(images.classes().size())
                .normalization(norm[0], norm[1]).spiking(spiking).updater(new Adam(learningRate), 0)
                .seed(seed).build();
        List<String> layers = weightLayers(net);
        Minibatches batches = new Minibatches(images, batchSize, seed, Augmentation.NONE);
        Minibatches.Batch probe = batches.next();
        double[] initial = new double[layers.size()];
        double lossInitial = gradientNorms(net, probe, layers, initial);
        for (int s = 0; s < steps; s++) {
            if (!batches.hasNext()) {
                batches = new Minibatches(images, batchSize, seed + s + 1, Augmentation.NONE);
            }
            Minibatches.Batch b = batches.next();
            net.fit(new MultiDataSet(new INDArray[] {b.features}, new INDArray[] {DistillationLoss.labels(b.labels, null)}));
        }
        double[] trained = new double[layers.size()];
        double lossTrained = gradientNorms(net, probe, layers, trained);
        return new Measurement(depth, alpha, layers, initial, trained, lossInitial, lossTrained);
    }

    private static double gradientNorms(ComputationGraph net, Minibatches.Batch b, List<String> layers, double[] into) {
        net.setInputs(b.features);
        net.setLabels(DistillationLoss.labels(b.labels, null));
        net.computeGradientAndScore();
        Map<String, INDArray> g = net.gradient().gradientForVariable();
        for (int i = 0; i < layers.size(); i++) {
            into[i] = g.get(layers.get(i) + "_W").norm2Number().doubleValue();
        }
        double loss = net.score();
        net.clearLayersStates();
        return loss;
    }

    /** Convolution and dense layers, input to output. */
    static List<String> weightLayers(ComputationGraph net) {
        return GraphLayers.inOrder(net, l -> l instanceof ConvolutionLayer || l instanceof DenseLayer);
    }
}
