package org.spikekd.compat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;
import org.spikekd.convert.AnnToSnnConverter;
import org.spikekd.data.LabeledImages;
import org.spikekd.eval.EvaluationResult;
import org.spikekd.eval.Evaluator;
import org.spikekd.model.TimeSteps;
import org.spikekd.run.ModelFile;
import org.spikekd.run.RunDirectory;
import org.spikekd.run.TrainingRun;
import org.spikekd.train.Progress;

/**
 * Writes the saved-model fixtures that {@link SavedModelsTest} loads: the run directories of a
 * teacher, a student distilled from it (response and feature KD) and a Poisson-coded spiking
 * ResNet-18, each stopped after epoch 1 of 2 (so that they can be resumed), and a
 * teacher converted to an SNN, with {@code expected.json} holding each model's evaluation on the
 * first {@value #EVAL_IMAGES} Fashion-MNIST test images; and, asked for by name, a PLIF student.
 *
 * <p>It runs only when asked, to add fixtures made by a newer version in a new directory beside the
 * old ones (the old ones are the point: they are what users' saved models look like):
 * {@code mvn -B -o test -pl driver -am -Dtest=SavedModelFixtures -Dsurefire.failIfNoSpecifiedTests=false
 * -Dspikekd.fixtures.out=$PWD/driver/src/test/resources/saved-models/DATE}, then list DATE in
 * {@link SavedModelsTest#FIXTURES}. {@code -Dspikekd.fixtures.runs=student-plif} writes only the
 * fixtures named (a teacher is written beside those that need one).
 */
class SavedModelFixtures {
    static final String FASHION = "/usr/share/datasets/fashion-mnist";
    static final int EVAL_IMAGES = 200;
    static final int EVAL_BATCH = 50;

    /** The settings every fixture shares: small enough to keep the fixtures near 2 MB. */
    static List<String> common(Path runs, String name) {
        return List.of("data.path=" + FASHION, "data.train-limit=1024", "data.test-limit=" + EVAL_IMAGES,
                "model.vgg.stages=[[8],[16]]", "model.vgg.hidden=[32]", "train.epochs=2", "train.batch-size=32", "train.learning-rate=0.005",
                "train.train-eval-limit=100", "train.seed=1", "run.dir=\"" + runs + "\"", "run.name=" + name);
    }

    @Test
    @EnabledIfSystemProperty(named = "spikekd.fixtures.out", matches = ".+")
    void write() throws Exception {
        Path out = Path.of(System.getProperty("spikekd.fixtures.out"));
        if (Files.exists(out)) {
            throw new IOException(out + " exists; fixtures go in a new directory beside the old ones");
        }
        Files.createDirectories(out);
        Progress quiet = new Progress(new PrintStream(new ByteArrayOutputStream()), false, 1000);
        Map<String, Object> expected = new LinkedHashMap<>();

        String teacherModel = out.resolve("teacher/model.zip").toString();
        if (wanted("teacher") || wanted("student-kd") || wanted("converted")) {
            TrainingRun.Result teacher = stoppedAfterEpochOne(JobConfig.load(null, common(out, "teacher"))
                    .with("model.role=teacher"), quiet);
            expected.put("teacher", evaluation(teacher.model));
        }
        if (wanted("student-kd")) {
            TrainingRun.Result student = stoppedAfterEpochOne(JobConfig.load(null, common(out, "student-kd"))
                    .with("model.role=student", "encoding.time-steps=2", "distill.teacher=\"" + teacherModel + "\"",
                            "distill.feature.stages=[1]"), quiet);
            expected.put("student-kd", evaluation(student.model));
        }
        if (wanted("student-resnet")) {
            TrainingRun.Result resnet = stoppedAfterEpochOne(JobConfig.load(null, common(out, "student-resnet"))
                    .with("model.role=student", "model.arch=resnet", "model.resnet.width=8", "encoding.type=poisson",
                            "train.optimizer=sgd", "train.learning-rate=0.1",
                            "encoding.time-steps=2"), quiet);
            expected.put("student-resnet", evaluation(resnet.model));
        }
        if (wanted("student-plif")) {
            // PLIF (since 2026-12-05): a learned leak per layer, its updater in the layer's JSON
            TrainingRun.Result plif = stoppedAfterEpochOne(JobConfig.load(null, common(out, "student-plif"))
                    .with("model.role=student", "neuron.type=plif", "neuron.decay-input=true",
                            "encoding.time-steps=2"), quiet);
            expected.put("student-plif", evaluation(plif.model));
        }
        if (wanted("converted")) {
            ModelFile saved = ModelFile.load(teacherModel);
            LabeledImages calibration = new JobSettings(saved.config).data().loader().load("train", 100);
            AnnToSnnConverter.Result converted = new AnnToSnnConverter().timeSteps(16).convert(saved.network, calibration);
            Path convertedModel = out.resolve("converted/model.zip");
            Files.createDirectories(convertedModel.getParent());
            ModelFile.save(converted.snn, saved.config.convertedToSnn(TimeSteps.of(converted.snn), teacherModel),
                    convertedModel.toString());
            expected.put("converted", evaluation(convertedModel.toString()));
        }
        Files.writeString(out.resolve("expected.json"),
                RunDirectory.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(expected) + "\n");
    }

    /** Whether -Dspikekd.fixtures.runs (comma-separated; default: all) asks for this fixture. */
    private static boolean wanted(String name) {
        String runs = System.getProperty("spikekd.fixtures.runs", "");
        return runs.isBlank() || List.of(runs.split(",")).contains(name);
    }

    private static TrainingRun.Result stoppedAfterEpochOne(JobConfig config, Progress progress) throws IOException {
        return TrainingRun.local(config, progress).stoppingWhen((epoch, metrics) -> epoch < 1).run();
    }

    /** The first {@value #EVAL_IMAGES} test images, as {@link SavedModelsTest} evaluates them. */
    static EvaluationResult evaluate(ModelFile model) throws IOException {
        LabeledImages test = new JobSettings(model.config).data().loader().load("test", EVAL_IMAGES);
        return Evaluator.evaluate(model.network, test, EVAL_BATCH);
    }

    private static Map<String, Object> evaluation(String modelFile) throws IOException {
        EvaluationResult r = evaluate(ModelFile.load(modelFile));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("accuracy", r.accuracy);
        m.put("loss", r.loss);
        m.put("firing_rates", r.firingRates);
        return m;
    }
}
