package org.spikekd.run;

import java.io.IOException;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;
import org.spikekd.cpu.ThreadBudget;
import org.spikekd.distill.DistillationSettings;
import org.spikekd.data.Augmentation;
import org.spikekd.data.HadoopFiles;
import org.spikekd.data.LabeledImages;
import org.spikekd.data.Minibatches;
import org.spikekd.data.source.TrainingSplit;
import org.spikekd.eval.EnergyEstimate;
import org.spikekd.eval.EvaluationResult;
import org.spikekd.eval.Evaluator;
import org.spikekd.keras.KerasTeacher;
import org.spikekd.model.NetworkFactory;
import org.spikekd.model.NetworkRole;
import org.spikekd.onnx.OnnxTeacher;
import org.spikekd.train.Progress;

/**
 * One training run of a teacher, a student trained directly, or a student distilled from a
 * teacher: reads the data, builds (or, resuming, restores) the network, trains epoch after epoch
 * through an {@link EpochTrainer}, evaluates after each epoch and writes the run directory as it
 * goes (see {@link RunDirectory}): metrics, the model and a checkpoint after every epoch, so an
 * interrupted run keeps its last complete epoch and {@link #resume} continues from it.
 */
public final class TrainingRun {

    /** What a finished run produced. */
    public static final class Result {
        /** The run directory: a plain path if local, else a URI. */
        public final String runDirectory;
        /** Its model file. */
        public final String model;
        /** The evaluation of data.eval-split (the test split unless validation was chosen). */
        public final EvaluationResult test;
        public final EnergyEstimate energy;
        public final List<Map<String, Object>> epochs;
        public final ComputationGraph network;

        Result(String runDirectory, String model, EvaluationResult test, EnergyEstimate energy,
               List<Map<String, Object>> epochs, ComputationGraph network) {
            this.runDirectory = runDirectory;
            this.model = model;
            this.test = test;
            this.energy = energy;
            this.epochs = epochs;
            this.network = network;
        }
    }

    /**
     * Told each epoch's metrics (as written to metrics.jsonl) when the epoch is complete and
     * checkpointed; says whether the run goes on. A sweep's early-stopping scheduler is one.
     */
    public interface EpochListener {
        /** @return false to end the run after this epoch (ignored after the last one) */
        boolean afterEpoch(int epoch, Map<String, Object> metrics) throws IOException;
    }

    private final JobConfig config;
    private final JobSettings settings;
    private final Progress progress;
    private final EpochTrainer epochTrainer;
    private final String resumeFrom;
    private final EpochListener listener;

    public TrainingRun(JobConfig config, Progress progress, EpochTrainer epochTrainer) {
        this(config, progress, epochTrainer, null, (epoch, metrics) -> true);
    }

    private TrainingRun(JobConfig config, Progress progress, EpochTrainer epochTrainer, String resumeFrom,
                        EpochListener listener) {
        this.config = config;
        this.settings = new JobSettings(config);
        this.progress = progress;
        this.epochTrainer = epochTrainer;
        this.resumeFrom = resumeFrom;
        this.listener = listener;
    }

    /**
     * The same run, asking {@code listener} after every epoch whether to go on; a run it stops
     * ends with that epoch's model, and its summary says {@code "stopped_early": true}.
     */
    public TrainingRun stoppingWhen(EpochListener listener) {
        return new TrainingRun(config, progress, epochTrainer, resumeFrom, listener);
    }

    /** A run trained in this JVM. */
    public static TrainingRun local(JobConfig config, Progress progress) {
        return new TrainingRun(config, progress, new LocalEpochTrainer());
    }

    /**
     * The same run, continuing the one in {@code runDirectory} from its last complete checkpoint
     * (this run's configuration should be {@link #configOf} that directory). The epochs after the
     * checkpoint are trained again; with the same seed the run ends with the model an uninterrupted
     * run would have.
     */
    public TrainingRun resumeFrom(String runDirectory) {
        return new TrainingRun(config, progress, epochTrainer, runDirectory, listener);
    }

    /** The job configuration a run directory was started with. */
    public static JobConfig configOf(String runDirectory) throws IOException {
        return JobConfig.parse(RunDirectory.open(runDirectory).readText("config.conf"), runDirectory + "/config.conf");
    }

    public Result run() throws IOException {
        try (EpochTrainer trainer = epochTrainer) {
            return train(trainer);
        }
    }

    private Result train(EpochTrainer trainer) throws IOException {
        JobSettings s = settings;
        NetworkRole role = s.role();
        Nd4j.getRandom().setSeed(s.training().seed());
        // this thread evaluates, and in one JVM trains: its native operations get this thread's budget
        ThreadBudget.use(ThreadBudget.threads());

        var loader = s.data().loader();
        TrainingSplit train = loader.trainingSplit(s.data().trainLimit());
        LabeledImages test = loader.load(s.data().evalSplit(), s.data().testLimit());
        if (train.channels() != test.channels() || train.height() != test.height() || train.width() != test.width()
                || !train.classes().equals(test.classes())) {
            throw new IOException(s.data().path() + ": train and test splits differ in image shape or classes");
        }
        progress.line(String.format("data: %d train / %d " + s.data().evalSplit() + " images, %dx%dx%d, %d classes, from %s",
                train.size(), test.size(), train.channels(), train.height(), train.width(),
                train.classes().size(), s.data().path()));

        ComputationGraph teacher = null;
        List<Integer> featureStages = s.distillation().featureStages();
        if (s.distillation().distills()) {
            teacher = loadTeacher(s.distillation(), train.first(1));
        }
        RunDirectory run;
        ComputationGraph net;
        int done = 0;
        byte[] trainerState = null;
        if (resumeFrom == null) {
            net = newNetwork(s, train, teacher);
            run = RunDirectory.create(runPath(s, role, s.architecture().describe()));
            run.writeAtomically("config.conf", config.render());
        } else {
            run = RunDirectory.open(resumeFrom);
            RunDirectory.Checkpoint checkpoint = run.lastCheckpoint();
            if (checkpoint == null) {
                progress.line("no checkpoint yet in " + run.path() + ": starting from epoch 1");
                net = newNetwork(s, train, teacher);
            } else {
                net = ModelFile.load(checkpoint.model).network;
                done = checkpoint.epoch;
                trainerState = checkpoint.trainerState == null ? null : run.readBytes(checkpoint.trainerState);
                progress.line("resuming after epoch " + done + " from " + checkpoint.model);
            }
            run.truncateMetrics(done);
        }
        String arch = s.architecture().describe();
        progress.line(String.format("model: %s %s, %,d parameters%s", role.name().toLowerCase(), arch,
                net.numParams(), teacher == null ? "" : ", distilled from " + s.distillation().teacher()));
        progress.line("run directory: " + run.path());

        trainer.prepare(new TrainingJob(config, s, train, teacher, featureStages, progress));
        if (trainerState != null) {
            trainer.restoreState(trainerState);
        }
        // on a sharded dataset trained on Spark, the driver reads just these examples of the training split
        LabeledImages trainEval = train.first(s.trainEvalLimit());
        List<Map<String, Object>> history = new ArrayList<>(run.readMetrics());
        EvaluationResult lastTest = null;
        int last = done;
        boolean stoppedEarly = false;
        for (int epoch = done + 1; epoch <= s.epochs(); epoch++) {
            EpochTrainer.EpochStats stats = trainer.trainEpoch(net, epoch);
            EvaluationResult trainResult = Evaluator.evaluate(net, trainEval, s.evalBatchSize());
            lastTest = Evaluator.evaluate(net, test, s.evalBatchSize());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("epoch", epoch);
            m.put("train_loss", stats.lossSum / stats.examples);
            m.put("train_accuracy", trainResult.accuracy);
            // named by the split evaluated, so a validation figure is never mistaken for a test one
            m.put(s.data().evalSplit() + "_loss", lastTest.loss);
            m.put(s.data().evalSplit() + "_accuracy", lastTest.accuracy);
            m.put("firing_rates", lastTest.firingRates);
            m.put("samples_per_second", stats.examples / stats.seconds);
            m.put("train_seconds", stats.seconds);
            m.put("sync_seconds", stats.syncSeconds);
            if (stats.rounds > 0) {
                m.put("rounds", stats.rounds);
            }
            if (stats.setupSeconds > 0) {
                m.put("setup_seconds", stats.setupSeconds);
            }
            m.put("partitions", stats.partitions);
            m.put("cores_per_task", stats.coresPerTask);
            m.put("eval_seconds", trainResult.seconds + lastTest.seconds);
            m.put("learning_rate", s.training().learningRates(1).at(epoch - 1L));
            run.appendMetrics(m);
            run.saveCheckpoint(epoch, net, config, trainer.checkpointState());
            history.add(m);
            progress.line(String.format("epoch %d/%d: train loss %.4f, train acc %.4f, %s acc %.4f, %.0f samples/s%s",
                    epoch, s.epochs(), stats.lossSum / stats.examples, trainResult.accuracy, s.data().evalSplit(), lastTest.accuracy,
                    stats.examples / stats.seconds,
                    role == NetworkRole.STUDENT ? String.format(", mean firing rate %.3f", lastTest.meanFiringRate()) : ""));
            last = epoch;
            if (!listener.afterEpoch(epoch, m) && epoch < s.epochs()) {
                stoppedEarly = true; // the listener says why, if it is worth saying (a sweep's step is not)
                break;
            }
        }
        if (lastTest == null) {
            progress.line("all " + s.epochs() + " epochs were already done; evaluating the last checkpoint");
            lastTest = Evaluator.evaluate(net, test, s.evalBatchSize());
        }
        EnergyEstimate energy = EnergyEstimate.of(net, lastTest.input, lastTest.firingRates);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("role", role.name().toLowerCase());
        summary.put("architecture", arch);
        summary.put("parameters", net.numParams());
        summary.put("teacher", s.distillation().teacher());
        summary.put("epochs", last);
        summary.put("stopped_early", stoppedEarly);
        summary.put(s.data().evalSplit(), lastTest.toMap());
        summary.put("energy", energy.toMap());
        run.writeJson("summary.json", summary);
        return new Result(run.path(), run.model(), lastTest, energy, history, net);
    }

    /** The untrained network a run starts from (its initialization follows train.seed). */
    public static ComputationGraph newNetwork(JobSettings s, TrainingSplit train, ComputationGraph teacher) {
        NetworkRole role = s.role();
        List<Integer> featureStages = s.distillation().featureStages();
        double[][] norm = train.channelMeanAndStd();
        NetworkFactory factory = new NetworkFactory(s.architecture(), role)
                .input(train.channels(), train.height(), train.width()).classes(train.classes().size())
                .normalization(norm[0], norm[1]).loss(s.distillation().loss())
                .updater(s.training().updater(), s.training().weightDecay()).seed(s.training().seed());
        if (role == NetworkRole.STUDENT) {
            factory.spiking(s.spiking());
        }
        if (!featureStages.isEmpty()) {
            factory.featureDistillation(featureStages, teacherChannels(teacher, train, featureStages), s.distillation().featureBeta());
        }
        return factory.build();
    }

    private ComputationGraph loadTeacher(DistillationSettings distill, LabeledImages sample) throws IOException {
        String uri = distill.teacher();
        ComputationGraph teacher;
        if (distill.teacherFormat() != DistillationSettings.TeacherFormat.MODEL_FILE) {
            byte[] model = HadoopFiles.readAll(uri);
            boolean onnx = distill.teacherFormat() == DistillationSettings.TeacherFormat.ONNX;
            long[] chw = onnx ? OnnxTeacher.imageShape(model, uri) : KerasTeacher.imageShape(model, uri);
            if (chw[0] != sample.channels() || chw[1] != sample.height() || chw[2] != sample.width()) {
                throw new IOException(uri + ": the teacher takes " + chw[0] + "x" + chw[1] + "x" + chw[2]
                        + " images, the dataset's are " + sample.channels() + "x" + sample.height() + "x"
                        + sample.width());
            }
            double[][] normalization = distill.teacherNormalization();
            teacher = onnx ? OnnxTeacher.read(model, uri, distill.teacherOutputs(), normalization)
                    : KerasTeacher.read(model, uri, distill.teacherOutputs(), normalization);
        } else {
            if (distill.teacherNormalization() != null) {
                throw new IOException(uri + ": distill.teacher-normalization is for ONNX and Keras teachers; a "
                        + "SpikeKD model file normalizes its images itself");
            }
            ModelFile file = ModelFile.load(uri);
            JobSettings ts = new JobSettings(file.config);
            if (ts.role() != NetworkRole.TEACHER) {
                throw new IOException(uri + ": distill.teacher must be a teacher model (model.role = teacher), "
                        + "this one is a " + ts.role().name().toLowerCase());
            }
            teacher = file.network;
        }
        // one example through the teacher: a teacher made for other images or classes fails here,
        // before any training, rather than at the first minibatch
        var probe = new Minibatches(sample, 1, null, Augmentation.NONE).next();
        long classes;
        try {
            classes = teacher.output(false, probe.features)[0].size(1);
        } catch (RuntimeException e) {
            throw new IOException(uri + ": the teacher cannot read this dataset's " + sample.channels() + "x"
                    + sample.height() + "x" + sample.width() + " images: " + e.getMessage(), e);
        }
        if (classes != sample.classes().size()) {
            throw new IOException(uri + ": the teacher predicts " + classes + " classes, the dataset has "
                    + sample.classes().size());
        }
        return teacher;
    }

    private static List<Integer> teacherChannels(ComputationGraph teacher, TrainingSplit train, List<Integer> stages) {
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

    private static String runPath(JobSettings s, NetworkRole role, String arch) {
        String name = s.runName();
        if (name.isBlank()) {
            name = role.name().toLowerCase() + "-" + arch.replaceAll("[^A-Za-z0-9.-]+", "_") + "-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        }
        String dir = s.runDir();
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }
}
