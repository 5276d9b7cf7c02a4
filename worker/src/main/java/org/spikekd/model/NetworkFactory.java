package org.spikekd.model;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.spikekd.distill.DistillationLoss;

/**
 * Builds a teacher or student network: the architecture's body between the input (normalization,
 * and for students encoding) and the classifier, plus feature-distillation heads if asked for.
 */
public final class NetworkFactory {
    private final Architecture architecture;
    private final NetworkRole role;
    private int channels = 1;
    private int height = 28;
    private int width = 28;
    private int numClasses = 10;
    private double[] mean = {0.0};
    private double[] std = {1.0};
    private SpikingSettings spiking = SpikingSettings.defaults();
    private DistillationLoss loss = new DistillationLoss(4.0, 0.0);
    private List<Integer> featureStages = List.of();
    private List<Integer> teacherChannels = List.of();
    private double featureBeta = 0.0;
    private IUpdater updater = new Adam(1e-3);
    private double weightDecay = 0.0;
    private long seed = 0;
    private DataType dataType = DataType.FLOAT;
    private boolean channelsLast = true;

    public NetworkFactory(Architecture architecture, NetworkRole role) {
        this.architecture = architecture;
        this.role = role;
    }

    public NetworkFactory input(int channels, int height, int width) {
        this.channels = channels;
        this.height = height;
        this.width = width;
        return this;
    }

    public NetworkFactory classes(int numClasses) {
        this.numClasses = numClasses;
        return this;
    }

    /** Per-channel mean and std of the [0, 1] images, applied by the model's first layer. */
    public NetworkFactory normalization(double[] mean, double[] std) {
        this.mean = mean;
        this.std = std;
        return this;
    }

    public NetworkFactory spiking(SpikingSettings spiking) {
        this.spiking = spiking;
        return this;
    }

    public NetworkFactory loss(DistillationLoss loss) {
        this.loss = loss;
        return this;
    }

    /** Feature distillation at these stages (1-based) onto teacher maps with these channel counts. */
    public NetworkFactory featureDistillation(List<Integer> stages, List<Integer> teacherChannels, double beta) {
        if (stages.size() != teacherChannels.size()) {
            throw new IllegalArgumentException("one teacher channel count per feature stage");
        }
        this.featureStages = List.copyOf(stages);
        this.teacherChannels = List.copyOf(teacherChannels);
        this.featureBeta = beta;
        return this;
    }

    public NetworkFactory updater(IUpdater updater, double weightDecay) {
        this.updater = updater;
        this.weightDecay = weightDecay;
        return this;
    }

    public NetworkFactory seed(long seed) {
        this.seed = seed;
        return this;
    }

    public NetworkFactory dataType(DataType dataType) {
        this.dataType = dataType;
        return this;
    }

    /**
     * Whether the network computes channels-last (the default, and the faster: see
     * {@link org.spikekd.layer.ChannelsLastLayer}) or channels-first, as networks built before
     * SpikeKD turned channels-last did. Either way the network's input is channels-first.
     */
    public NetworkFactory channelsLast(boolean channelsLast) {
        this.channelsLast = channelsLast;
        return this;
    }

    public ComputationGraphConfiguration configuration() {
        if (role == NetworkRole.TEACHER && !featureStages.isEmpty()) {
            throw new IllegalArgumentException("feature distillation heads belong to the student, not the teacher");
        }
        NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder()
                .seed(seed).updater(updater).dataType(dataType);
        if (weightDecay > 0) {
            base.weightDecay(weightDecay, true);
        }
        GraphBuilder graph = base.graphBuilder();
        NetworkBuilder b = new NetworkBuilder(graph, role, spiking, updater);
        String body = architecture.build(b, b.input(mean, std, channelsLast));
        b.output(body, numClasses, loss);
        List<String> outputs = new ArrayList<>(List.of(NetworkBuilder.OUTPUT));
        if (!featureStages.isEmpty()) {
            outputs.addAll(b.featureHeads(featureStages, teacherChannels, featureBeta));
        }
        graph.setOutputs(outputs.toArray(new String[0]));
        graph.setInputTypes(InputType.convolutional(height, width, channels));
        return graph.build();
    }

    /** The network, initialized with this factory's seed. */
    public ComputationGraph build() {
        ComputationGraph net = new ComputationGraph(configuration());
        TorchDefaultInit.seeded(seed, net::init);
        return net;
    }
}
