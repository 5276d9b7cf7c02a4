package org.spikekd.train;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;
import org.spikekd.data.LabeledImages;
import org.spikekd.data.Minibatches;
import org.spikekd.distill.TeacherTargets;
import org.spikekd.eval.EnergyEstimate;
import org.spikekd.eval.EvaluationResult;
import org.spikekd.eval.Evaluator;
import org.spikekd.model.NetworkFactory;
import org.spikekd.model.NetworkRole;

/**
 * Trains one network on one machine: a teacher, a student directly, or a student from a teacher.
 * Writes the run directory as it goes (see {@link RunDirectory}): metrics after every epoch and
 * the model after every epoch, so an interrupted run keeps its last complete epoch.
 */
public final class LocalTrainer {

    /** What a finished run produced. */
    public static final class Result {
        public final Path runDirectory;
        public final EvaluationResult test;
        public final EnergyEstimate energy;
        public final List<Map<String, Object>> epochs;
        public final ComputationGraph network;

        Result(Path runDirectory, EvaluationResult test, EnergyEstimate energy,
               List<Map<String, Object>> epochs, ComputationGraph network) {
            this.runDirectory = runDirectory;
            this.test = test;
            this.energy = energy;
            this.epochs = epochs;
            this.network = network;
        }
    }

    private final JobConfig config;
    private final JobSettings settings;
    private final Progress progress;

    public LocalTrainer(JobConfig config, Progress progress) {
        this.config = config;
        this.settings = new JobSettings(config).validate();
        this.progress = progress;
    }

    public Result run() throws IOException {
        JobSettings s = settings;
        NetworkRole role = s.role();
        Nd4j.getRandom().setSeed(s.seed());

        var loader = s.dataset();
        LabeledImages train = loader.load(true).first(s.trainLimit());
        LabeledImages test = loader.load(false).first(s.testLimit());
        if (train.imageSize() != test.imageSize() || !train.classes().equals(test.classes())) {
            throw new IOException(s.datasetPath() + ": train and test splits differ in image shape or classes");
        }
        progress.line(String.format("data: %d train / %d test images, %dx%dx%d, %d classes, from %s",
                train.size(), test.size(), train.channels(), train.height(), train.width(),
                train.classes().size(), s.datasetPath()));
        double[][] norm = train.channelMeanAndStd();

        ComputationGraph teacher = null;
        List<Integer> featureStages = s.featureStages();
        if (role == NetworkRole.STUDENT && s.teacherModel() != null) {
            teacher = loadTeacher(s.teacherModel(), train);
        }
        NetworkFactory factory = new NetworkFactory(s.architecture(), role)
                .input(train.channels(), train.height(), train.width()).classes(train.classes().size())
                .normalization(norm[0], norm[1]).loss(s.distillationLoss())
                .updater(s.updater(), s.weightDecay()).seed(s.seed());
        if (role == NetworkRole.STUDENT) {
            factory.spiking(s.spiking());
        }
        if (!featureStages.isEmpty()) {
            factory.featureDistillation(featureStages, teacherChannels(teacher, train, featureStages), s.featureBeta());
        }
        ComputationGraph net = factory.build();
        String arch = s.architecture().describe();
        progress.line(String.format("model: %s %s, %,d parameters%s", role.name().toLowerCase(), arch,
                net.numParams(), teacher == null ? "" : ", distilled from " + s.teacherModel()));

        RunDirectory run = RunDirectory.create(runPath(s, role, arch));
        run.writeAtomically("config.conf", config.render());
        progress.line("run directory: " + run.path());

        TeacherTargets targets = new TeacherTargets(teacher, featureStages);
        int batches = (train.size() + s.batchSize() - 1) / s.batchSize();
        LearningRateSchedule schedule = s.schedule(batches);
        LabeledImages trainEval = train.first(s.trainEvalLimit());
        List<Map<String, Object>> history = new ArrayList<>();
        EvaluationResult lastTest = null;
        long iteration = 0;
        double currentRate = s.learningRate();
        for (int epoch = 1; epoch <= s.epochs(); epoch++) {
            Minibatches minibatches = new Minibatches(train, s.batchSize(), s.seed() * 1_000_003L + epoch,
                    s.augmentation());
            double lossSum = 0;
            long seen = 0;
            long start = System.nanoTime();
            int b = 0;
            while (minibatches.hasNext()) {
                Minibatches.Batch batch = minibatches.next();
                double rate = schedule.at(iteration++);
                if (rate != currentRate) {
                    net.setLearningRate(rate);
                    currentRate = rate;
                }
                net.fit(new MultiDataSet(new org.nd4j.linalg.api.ndarray.INDArray[] {batch.features},
                        targets.labels(batch.features, batch.labels)));
                double loss = net.score();
                if (!Double.isFinite(loss)) {
                    throw new IllegalStateException("training diverged: loss is " + loss + " at epoch " + epoch
                            + ", minibatch " + (b + 1) + "; lower train.learning-rate or widen surrogate.alpha");
                }
                lossSum += loss * batch.size();
                seen += batch.size();
                b++;
                progress.batch("train", epoch, s.epochs(), b, batches, lossSum / seen,
                        seen / ((System.nanoTime() - start) / 1e9));
            }
            double trainSeconds = (System.nanoTime() - start) / 1e9;
            EvaluationResult trainResult = Evaluator.evaluate(net, trainEval, s.evalBatchSize());
            lastTest = Evaluator.evaluate(net, test, s.evalBatchSize());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("epoch", epoch);
            m.put("train_loss", lossSum / seen);
            m.put("train_accuracy", trainResult.accuracy);
            m.put("test_loss", lastTest.loss);
            m.put("test_accuracy", lastTest.accuracy);
            m.put("firing_rates", lastTest.firingRates);
            m.put("samples_per_second", seen / trainSeconds);
            m.put("train_seconds", trainSeconds);
            m.put("eval_seconds", trainResult.seconds + lastTest.seconds);
            m.put("learning_rate", currentRate);
            run.appendMetrics(m);
            ModelFile.save(net, config, run.model());
            history.add(m);
            progress.line(String.format("epoch %d/%d: train loss %.4f, train acc %.4f, test acc %.4f, %.0f samples/s%s",
                    epoch, s.epochs(), lossSum / seen, trainResult.accuracy, lastTest.accuracy, seen / trainSeconds,
                    role == NetworkRole.STUDENT ? String.format(", mean firing rate %.3f", lastTest.meanFiringRate()) : ""));
        }
        EnergyEstimate energy = EnergyEstimate.of(net, InputType.convolutional(train.height(), train.width(),
                train.channels()), lastTest.firingRates);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("role", role.name().toLowerCase());
        summary.put("architecture", arch);
        summary.put("parameters", net.numParams());
        summary.put("teacher", s.teacherModel());
        summary.put("epochs", s.epochs());
        summary.put("test", lastTest.toMap());
        summary.put("energy", energy.toMap());
        run.writeJson("summary.json", summary);
        return new Result(run.path(), lastTest, energy, history, net);
    }

    private ComputationGraph loadTeacher(String uri, LabeledImages train) throws IOException {
        ModelFile teacher = ModelFile.load(uri);
        JobSettings ts = new JobSettings(teacher.config);
        if (ts.role() != NetworkRole.TEACHER) {
            throw new IOException(uri + ": distill.teacher must be a teacher model (model.role = teacher), "
                    + "this one is a " + ts.role().name().toLowerCase());
        }
        // one example through the teacher: a teacher made for other images or classes fails here,
        // before any training, rather than at the first minibatch
        var probe = new Minibatches(train.first(1), 1, null, org.spikekd.data.Augmentation.NONE).next();
        long classes;
        try {
            classes = teacher.network.output(false, probe.features)[0].size(1);
        } catch (RuntimeException e) {
            throw new IOException(uri + ": the teacher cannot read this dataset's " + train.channels() + "x"
                    + train.height() + "x" + train.width() + " images: " + e.getMessage(), e);
        }
        if (classes != train.classes().size()) {
            throw new IOException(uri + ": the teacher predicts " + classes + " classes, the dataset has "
                    + train.classes().size());
        }
        return teacher.network;
    }

    private static List<Integer> teacherChannels(ComputationGraph teacher, LabeledImages train, List<Integer> stages) {
        Map<String, InputType> types = teacher.getConfiguration().getLayerActivationTypes(
                InputType.convolutional(train.height(), train.width(), train.channels()));
        List<Integer> channels = new ArrayList<>();
        for (int k : stages) {
            InputType t = types.get("stage" + k);
            if (!(t instanceof InputType.InputTypeConvolutional)) {
                throw new IllegalArgumentException("distill.feature.stages: the teacher has no feature map at stage " + k);
            }
            channels.add((int) ((InputType.InputTypeConvolutional) t).getChannels());
        }
        return channels;
    }

    private static Path runPath(JobSettings s, NetworkRole role, String arch) {
        String name = s.runName();
        if (name.isBlank()) {
            name = role.name().toLowerCase() + "-" + arch.replaceAll("[^A-Za-z0-9.-]+", "_") + "-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        }
        String dir = s.runDir().startsWith("file://") ? s.runDir().substring(7) : s.runDir();
        return Paths.get(dir, name);
    }
}
