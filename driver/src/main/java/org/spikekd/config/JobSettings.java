package org.spikekd.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.spikekd.averaging.AveragingSettings;
import org.spikekd.averaging.OuterOptimizer;
import org.spikekd.data.Augmentation;
import org.spikekd.data.source.DataSettings;
import org.spikekd.distill.DistillationSettings;
import org.spikekd.encoding.Encoding;
import org.spikekd.model.Architecture;
import org.spikekd.model.NetworkRole;
import org.spikekd.model.ResNetArchitecture;
import org.spikekd.model.SpikingSettings;
import org.spikekd.model.VggArchitecture;
import org.spikekd.neuron.SpikingLayer;
import org.spikekd.settings.Checks;
import org.spikekd.train.LearningRateSchedule;
import org.spikekd.train.TrainingSettings;

/**
 * A {@link JobConfig} bound, once, into the typed settings of each concept (records such as
 * train.TrainingSettings and data.source.DataSettings, and the model's architecture and spiking
 * settings), checked as they are made: constructing one fails on the first bad value, with a
 * ConfigException naming the key and what would fix it, before any data is read. The settings
 * check themselves; this class checks what relates them (a teacher distills from none).
 */
public final class JobSettings {
    private final Config c;
    private final DataSettings data;
    private final NetworkRole role;
    private final Architecture architecture;
    private final SpikingSettings spiking;
    private final DistillationSettings distillation;
    private final TrainingSettings training;
    private final int logEvery;
    private final int evalBatchSize;
    private final int trainEvalLimit;
    private final String sparkMaster;
    private final int taskMaxFailures;
    private final AveragingSettings averaging;

    /** Binds and checks every setting of {@code config}; throws on the first bad one. */
    public JobSettings(JobConfig config) {
        this.c = config.raw();
        this.data = bindData();
        this.role = bindRole();
        this.architecture = bindArchitecture();
        // the settings of the architecture not chosen are checked too, so that a bad value is
        // reported when it is written, not when someone switches to it
        vgg();
        resnet();
        this.spiking = bindSpiking();
        this.distillation = bindDistillation();
        this.training = bindTraining();
        this.logEvery = bindLogEvery();
        this.evalBatchSize = bindEvalBatchSize();
        this.trainEvalLimit = bindTrainEvalLimit();
        this.sparkMaster = bindSparkMaster();
        this.taskMaxFailures = bindTaskMaxFailures();
        this.averaging = bindAveraging();
    }

    // ---- the bound settings

    /** The dataset the job trains and evaluates on (data.*). */
    public DataSettings data() { return data; }

    /** model.role. */
    public NetworkRole role() { return role; }

    /** model.arch with model.vgg.* or model.resnet.*. */
    public Architecture architecture() { return architecture; }

    /** How a student spikes (neuron.*, surrogate.*, encoding.*). */
    public SpikingSettings spiking() { return spiking; }

    /** What the student learns from its teacher (distill.*); a teacher distills from none. */
    public DistillationSettings distillation() { return distillation; }

    /** How the network is trained (train.*). */
    public TrainingSettings training() { return training; }

    public int epochs() { return training.epochs(); }

    /** train.log-every: minibatches between progress lines. */
    public int logEvery() { return logEvery; }

    /** train.eval-batch-size. */
    public int evalBatchSize() { return evalBatchSize; }

    /** train.train-eval-limit: training examples evaluated after each epoch. */
    public int trainEvalLimit() { return trainEvalLimit; }

    /** spark.master: the embedded Spark's master when not submitted. */
    public String sparkMaster() { return sparkMaster; }

    /** spark.task-max-failures. */
    public int taskMaxFailures() { return taskMaxFailures; }

    /** How the copies trained side by side on Spark are averaged (spark.*). */
    public AveragingSettings averaging() { return averaging; }

    /** run.dir: where run directories are made. */
    public String runDir() { return c.getString("run.dir"); }

    /** run.name: the run directory's name; empty for one made of the role, model and time. */
    public String runName() { return c.getString("run.name"); }

    // ---- checked primitives

    /**
     * A concept's typed settings, made by {@code make}: their own checks throw
     * IllegalArgumentException naming the key, made here a ConfigException like every other bad
     * value of a job (which is what the command line, sweep specs and search spaces report).
     */
    private static <T> T bound(Supplier<T> make) {
        try {
            return make.get();
        } catch (IllegalArgumentException e) {
            throw new ConfigException.Generic(e.getMessage(), e);
        }
    }

    private String choice(String key, List<String> options) {
        String v = c.getString(key);
        if (!options.contains(v)) {
            throw new ConfigException.BadValue(key, "must be one of " + options + ", got '" + v + "'");
        }
        return v;
    }

    private int intAtLeast(String key, int min) {
        return bound(() -> Checks.atLeast(key, c.getInt(key), min));
    }

    private double doubleIn(String key, double min, double max, boolean minExclusive) {
        return bound(() -> Checks.inRange(key, c.getDouble(key), min, max, minExclusive));
    }

    // ---- spark

    private String bindSparkMaster() {
        String m = c.getString("spark.master");
        if (m.isBlank()) {
            throw new ConfigException.BadValue("spark.master", "must be a Spark master URL such as local[*] or "
                    + "spark://host:7077, got ''");
        }
        return m;
    }

    private int bindTaskMaxFailures() { return intAtLeast("spark.task-max-failures", 1); }

    /** How the copies trained side by side on Spark are averaged (spark.*). */
    private AveragingSettings bindAveraging() {
        return bound(() -> new AveragingSettings(c.getInt("spark.partitions"), c.getInt("spark.averaging-every"),
                c.getInt("spark.warmup.epochs"), c.getInt("spark.warmup.averaging-every"),
                scaling("spark.learning-rate-scaling"),
                Checks.oneOf("spark.outer.optimizer", c.getString("spark.outer.optimizer"), OuterOptimizer.Kind.class),
                c.getDouble("spark.outer.learning-rate"), scaling("spark.outer.learning-rate-scaling"),
                c.getDouble("spark.outer.momentum"), c.getInt("spark.outer.warmup-rounds")));
    }

    private AveragingSettings.Scaling scaling(String key) {
        return Checks.oneOf(key, c.getString(key), AveragingSettings.Scaling.class);
    }

    // ---- data

    /** The dataset the job trains and evaluates on (data.*). */
    private DataSettings bindData() {
        String cifar = choice("data.cifar100-labels", List.of("fine", "coarse"));
        return bound(() -> new DataSettings(c.getString("data.format"), c.getString("data.path"),
                c.getStringList("data.classes"), c.getInt("data.image-size"), cifar.equals("fine"),
                c.getInt("data.train-limit"), c.getInt("data.test-limit"), c.getString("data.eval-split"),
                new Augmentation(c.getInt("data.augment.random-crop-padding"),
                        c.getBoolean("data.augment.horizontal-flip"))));
    }

    // ---- model

    private NetworkRole bindRole() {
        return NetworkRole.valueOf(choice("model.role", List.of("teacher", "student")).toUpperCase());
    }

    private Architecture bindArchitecture() {
        return choice("model.arch", List.of("vgg", "resnet")).equals("vgg") ? vgg() : resnet();
    }

    private Architecture vgg() {
        try {
            List<List<Integer>> stages = new ArrayList<>();
            for (Object stage : c.getList("model.vgg.stages").unwrapped()) {
                if (!(stage instanceof List)) {
                    throw new IllegalArgumentException("model.vgg.stages must be a list of lists of widths, like [[32, 32], [64, 64]]");
                }
                List<Integer> widths = new ArrayList<>();
                for (Object w : (List<?>) stage) {
                    if (!(w instanceof Integer)) {
                        throw new IllegalArgumentException("model.vgg.stages: widths must be whole numbers, got " + w);
                    }
                    widths.add((Integer) w);
                }
                stages.add(widths);
            }
            return new VggArchitecture(stages, c.getString("model.vgg.pooling"), c.getIntList("model.vgg.hidden"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue("model.vgg", e.getMessage());
        }
    }

    private Architecture resnet() {
        try {
            return new ResNetArchitecture(c.getInt("model.resnet.depth"), c.getInt("model.resnet.width"),
                    c.getString("model.resnet.stem"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue("model.resnet", e.getMessage());
        }
    }

    private SpikingSettings bindSpiking() {
        SpikingLayer neuron = new SpikingLayer()
                .setNeuron(choice("neuron.type", List.of("lif", "plif", "if")))
                .setTau(doubleIn("neuron.tau", 1.0, 1e6, false))
                .setDecayInput(c.getBoolean("neuron.decay-input"))
                .setVThreshold(doubleIn("neuron.v-threshold", 0.0, 1e6, true))
                .setReset(choice("neuron.reset", List.of("hard", "soft")))
                .setVReset(doubleIn("neuron.v-reset", -1e6, 1e6, false))
                .setDetachReset(c.getBoolean("neuron.detach-reset"))
                .setSurrogate(choice("surrogate.type", org.spikekd.surrogate.Surrogates.NAMES))
                .setSurrogateAlpha(doubleIn("surrogate.alpha", 0.0, 1e6, true));
        int timeSteps = intAtLeast("encoding.time-steps", 1);
        return bound(() -> new SpikingSettings(
                Checks.oneOf("encoding.type", c.getString("encoding.type"), Encoding.class), timeSteps, neuron));
    }

    // ---- distillation

    /** What the student learns from its teacher (distill.*); a teacher distills from none. */
    private DistillationSettings bindDistillation() {
        boolean student = role == NetworkRole.STUDENT;
        List<Integer> stages = c.getIntList("distill.feature.stages");
        if (!student && !stages.isEmpty()) {
            throw new ConfigException.BadValue("distill.feature.stages",
                    "feature distillation needs a student with a teacher (model.role = student, distill.teacher)");
        }
        return bound(() -> new DistillationSettings(student ? c.getString("distill.teacher") : null,
                c.getDouble("distill.temperature"), c.getDouble("distill.alpha"), stages,
                c.getDouble("distill.feature.beta"), c.getStringList("distill.feature.teacher-outputs"),
                c.getDoubleList("distill.teacher-normalization.mean"), c.getDoubleList("distill.teacher-normalization.std")));
    }

    // ---- training

    /** How the network is trained (train.*). */
    private TrainingSettings bindTraining() {
        return bound(() -> new TrainingSettings(
                Checks.oneOf("train.optimizer", c.getString("train.optimizer"), TrainingSettings.Optimizer.class),
                c.getDouble("train.learning-rate"), c.getDouble("train.momentum"), c.getDouble("train.weight-decay"),
                Checks.oneOf("train.schedule", c.getString("train.schedule"), LearningRateSchedule.Kind.class),
                c.getInt("train.step-epochs"), c.getDouble("train.step-gamma"), c.getInt("train.epochs"),
                c.getInt("train.batch-size"), c.getLong("train.seed")));
    }

    private int bindLogEvery() { return intAtLeast("train.log-every", 1); }

    private int bindEvalBatchSize() { return intAtLeast("train.eval-batch-size", 1); }

    private int bindTrainEvalLimit() { return intAtLeast("train.train-eval-limit", 0); }
}
