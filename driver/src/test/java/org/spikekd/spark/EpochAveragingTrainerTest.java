package org.spikekd.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;
import org.spikekd.data.LabeledImages;
import org.spikekd.data.source.TrainingSplit;
import org.spikekd.eval.EvaluationResult;
import org.spikekd.eval.Evaluator;
import org.spikekd.run.EpochTrainer;
import org.spikekd.run.LocalEpochTrainer;
import org.spikekd.run.ModelFile;
import org.spikekd.run.TrainingJob;
import org.spikekd.run.TrainingRun;
import org.spikekd.sparse.PathChoice;
import org.spikekd.train.ModelState;
import org.spikekd.train.ModelStateAverage;
import org.spikekd.train.PartitionTrainer;
import org.spikekd.train.Progress;
import org.spikekd.train.TeacherTargets;

/**
 * Distributed training on a real (embedded) Spark against training in one JVM: one
 * partition gives what local training gives; k partitions give the example-weighted mean of k
 * local trainings from the same start; a task that fails mid-epoch and is retried changes nothing;
 * a run killed after an epoch and resumed ends where an uninterrupted run ends.
 */
class EpochAveragingTrainerTest {
    // local[1]: tasks run one after another, as the local reference does (fewer threads competing,
    // so results stay closer to the last bit; see TOLERANCE). Tasks running at once are exercised
    // by StandaloneClusterIT.
    static final String FASHION = "/usr/share/datasets/fashion-mnist";
    /**
     * Largest difference allowed between a distributed and a local result, per value (relative
     * above 1): float rounding. The last bit of a sum can differ between two runs (ND4J splits some
     * operations over threads), and a spiking network can turn that into a flipped spike; these
     * jobs train with SGD so that such a flip stays a gradient-sized difference (measured: 3e-8),
     * where Adam divides by the gradient's running RMS and makes it a full step for a parameter
     * whose gradient is near zero (that gave the rare 5e-4 failures under the earlier 3e-4 bound).
     * A partition lost from the mean lands about 200 times outside this bound (tested below).
     * Adam's state itself is checked bit for bit in the worker's ModelStateTest.
     */
    static final double TOLERANCE = 1e-5;

    @TempDir static Path runs;
    static JavaSparkContext sc;
    static String teacherModel;
    static final AtomicInteger failedTasks = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        // runs compared with each other take one fixed convolution path: under the automatic
        // choice two runs may time their way onto different paths (see sparse.PathChoice)
        System.setProperty(PathChoice.Mode.PROPERTY, "sparse");
        teacherModel = TrainingRun.local(JobConfig.load(null, List.of(
                "data.path=" + FASHION, "data.train-limit=600", "data.test-limit=200", "model.role=teacher",
                "model.vgg.stages=[[8],[16]]", "model.vgg.hidden=[32]", "train.epochs=1",
                "run.dir=\"" + runs + "\"", "run.name=teacher")), quiet()).run().model;
        sc = SparkContexts.start(settings(job()), "EpochAveragingTrainerTest");
        sc.sc().addSparkListener(new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (!end.taskInfo().successful()) {
                    failedTasks.incrementAndGet();
                }
            }
        });
    }

    @AfterAll
    static void stop() {
        System.clearProperty(PathChoice.Mode.PROPERTY);
        if (sc != null) {
            sc.stop();
        }
    }

    static Progress quiet() {
        return new Progress(new PrintStream(new ByteArrayOutputStream()), false, 1000);
    }

    /** A small KD student job; {@code more} overrides. */
    static JobConfig job(String... more) {
        List<String> all = new ArrayList<>(List.of(
                "data.path=" + FASHION, "data.train-limit=601", "data.test-limit=200", "model.role=student",
                "model.vgg.stages=[[8],[16]]", "model.vgg.hidden=[32]", "encoding.time-steps=2",
                "train.batch-size=32", "train.epochs=1", "train.seed=3", "train.schedule=cosine",
                "train.optimizer=sgd", "train.learning-rate=0.02", // see TOLERANCE
                "distill.teacher=\"" + teacherModel + "\"", "spark.master=\"local[1]\"",
                "spark.task-max-failures=3", "run.dir=\"" + runs + "\"",
                // the expected results are copies trained at the job's learning rate, unscaled
                "spark.learning-rate-scaling=none"));
        all.addAll(List.of(more));
        return JobConfig.load(null, all);
    }

    static JobSettings settings(JobConfig config) {
        return new JobSettings(config);
    }

    static TrainingJob trainingJob(JobConfig config) throws Exception {
        JobSettings s = settings(config);
        LabeledImages train = s.data().loader().load("train", s.data().trainLimit());
        return new TrainingJob(config, s, TrainingSplit.of(train), ModelFile.load(teacherModel).network, List.of(), quiet());
    }

    /** k copies trained on their partitions from {@code start}, averaged by example count: the expected result. */
    static LabeledImages images(TrainingJob job) {
        try {
            return job.train.images();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static ModelState localMean(TrainingJob job, ComputationGraph start, int k, int epoch, int from, int to) {
        return localMean(job, start, k, k, epoch, from, to);
    }

    /** As above, but averaging only the first {@code kept} of the k partitions (a wrong result). */
    static ModelState localMean(TrainingJob job, ComputationGraph start, int k, int kept, int epoch, int from, int to) {
        PartitionTrainer trainer = new PartitionTrainer(job.settings.training(), job.settings.data().augmentation(),
                new TeacherTargets(job.teacher, job.featureStages));
        ModelStateAverage average = new ModelStateAverage();
        for (int i = 0; i < kept; i++) {
            ComputationGraph copy = copyOf(start);
            PartitionTrainer.Outcome o = trainer.train(copy, images(job).partition(i, k), i, epoch, from, to,
                    null, "", b -> { });
            average.add(ModelState.of(copy), o.examples);
        }
        return average.mean();
    }

    /** A copy with the same parameters, optimizer state and iteration count (clone() drops the count). */
    static ComputationGraph copyOf(ComputationGraph net) {
        ComputationGraph copy = net.clone();
        ModelState.of(net).applyTo(copy);
        return copy;
    }

    static void assertSameState(ModelState expected, ComputationGraph actual) {
        ModelState a = ModelState.of(actual);
        assertEquals(expected.iterationCount, a.iterationCount, "iteration count");
        assertClose(expected.parameters, a.parameters, "parameters");
        assertClose(expected.updaterState, a.updaterState, "optimizer state");
    }

    static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        double worst = worst(expected, actual);
        assertTrue(worst < TOLERANCE, what + " differ by up to " + worst);
    }

    static double worst(float[] expected, float[] actual) {
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]) / Math.max(1.0, Math.abs(expected[i])));
        }
        return worst;
    }

    static boolean differ(ModelState a, ModelState b) {
        for (int i = 0; i < a.parameters.length; i++) {
            if (Math.abs(a.parameters[i] - b.parameters[i]) > 1e-3) {
                return true;
            }
        }
        return false;
    }

    @Test
    void distributedEvaluationAddsUpToLocalEvaluation() throws Exception {
        TrainingJob job = trainingJob(job());
        ComputationGraph student = TrainingRun.newNetwork(job.settings, job.train, job.teacher);
        for (ComputationGraph model : List.of(job.teacher, student)) {
            JobSettings s = job.settings;
            EvaluationResult local = Evaluator.evaluate(model, s.data().loader().load("test", s.data().testLimit()), 64);
            EvaluationResult distributed = DistributedEvaluator.evaluate(sc, model, job.config, 3, 64);
            assertEquals(200, distributed.examples);
            assertEquals(local.accuracy, distributed.accuracy, 1e-12);
            assertEquals(local.loss, distributed.loss, 1e-6);
            assertTrue(java.util.Arrays.deepEquals(local.confusion, distributed.confusion), "confusion matrices");
            assertEquals(local.firingRates.keySet(), distributed.firingRates.keySet());
            local.firingRates.forEach((layer, rate) ->
                    assertEquals(rate, distributed.firingRates.get(layer), 1e-9, "firing rate of " + layer));
        }
    }

    @Test
    void onePartitionGivesLocalTraining() throws Exception {
        TrainingJob job = trainingJob(job("spark.partitions=1"));
        ComputationGraph start = TrainingRun.newNetwork(job.settings, job.train, job.teacher);
        ComputationGraph local = copyOf(start);
        ComputationGraph distributed = copyOf(start);
        try (LocalEpochTrainer trainer = new LocalEpochTrainer()) {
            trainer.prepare(job);
            trainer.trainEpoch(local, 1);
        }
        try (EpochAveragingTrainer trainer = new EpochAveragingTrainer(sc)) {
            trainer.prepare(job);
            EpochTrainer.EpochStats stats = trainer.trainEpoch(distributed, 1);
            assertEquals(601, stats.examples);
            assertEquals(1, stats.partitions);
        }
        assertTrue(differ(ModelState.of(start), ModelState.of(local)), "training changed the student");
        assertSameState(ModelState.of(local), distributed);
    }

    /**
     * Three partitions of 200, 200 and 201 examples: the job ({@code more} overrides), its start, and
     * the expected mean after epoch 1.
     */
    record ThreePartitions(TrainingJob job, ComputationGraph start, ModelState expected) {
        static ThreePartitions make(String... more) throws Exception {
            List<String> settings = new ArrayList<>(List.of("spark.partitions=3"));
            settings.addAll(List.of(more));
            TrainingJob job = trainingJob(EpochAveragingTrainerTest.job(settings.toArray(String[]::new)));
            ComputationGraph start = TrainingRun.newNetwork(job.settings, job.train, job.teacher);
            return new ThreePartitions(job, start, localMean(job, start, 3, 1, 0, Integer.MAX_VALUE));
        }
    }

    @Test
    void kPartitionsGiveTheExampleWeightedMeanOfLocalTrainings() throws Exception {
        ThreePartitions three = ThreePartitions.make();
        TrainingJob job = three.job();
        ComputationGraph start = three.start();
        ModelState expected = three.expected();
        ComputationGraph distributed = copyOf(start);
        try (EpochAveragingTrainer trainer = new EpochAveragingTrainer(sc)) {
            trainer.prepare(job);
            EpochTrainer.EpochStats stats = trainer.trainEpoch(distributed, 1);
            assertEquals(601, stats.examples, "partitions of 200, 200 and 201 examples");
            assertEquals(3, stats.partitions);
        }
        assertSameState(expected, distributed);
        // the tolerance tells a right average from a wrong one: one partition lost is far outside it
        ModelState lostOne = localMean(job, start, 3, 2, 1, 0, Integer.MAX_VALUE);
        assertTrue(worst(lostOne.parameters, ModelState.of(distributed).parameters) > 50 * TOLERANCE,
                "a mean missing a partition is distinguishable: " + worst(lostOne.parameters, ModelState.of(distributed).parameters));
    }

    /** A PLIF student: each layer's learned leak is one more parameter, averaged like the weights. */
    @Test
    void aPlifStudentsLearnedLeaksAreAveragedLikeAnyParameter() throws Exception {
        ThreePartitions three = ThreePartitions.make("neuron.type=plif", "neuron.decay-input=true");
        ComputationGraph start = three.start();
        List<String> leaks = start.paramTable().keySet().stream().filter(k -> k.endsWith("_w")).toList();
        assertEquals(List.of("stage1_w", "stage2_w", "fc1.act_w"), leaks);
        ComputationGraph distributed = copyOf(start);
        try (EpochAveragingTrainer trainer = new EpochAveragingTrainer(sc)) {
            trainer.prepare(three.job());
            trainer.trainEpoch(distributed, 1);
        }
        assertSameState(three.expected(), distributed);
        for (String w : leaks) {
            double before = start.getParam(w).getDouble(0);
            double after = distributed.getParam(w).getDouble(0);
            // one short epoch of SGD at 0.02 moves w by about 1e-5: enough to tell it trained
            assertTrue(Math.abs(after - before) > 1e-6, w + " learned: " + before + " -> " + after);
        }
    }

    @Test
    void anOuterStepOfLearningRateOneWithoutMomentumIsPlainAveraging() throws Exception {
        ThreePartitions three = ThreePartitions.make();
        TrainingJob job = trainingJob(EpochAveragingTrainerTest.job("spark.partitions=3",
                "spark.outer.optimizer=nesterov", "spark.outer.learning-rate=1", "spark.outer.momentum=0"));
        ComputationGraph distributed = copyOf(three.start());
        try (EpochAveragingTrainer trainer = new EpochAveragingTrainer(sc)) {
            trainer.prepare(job);
            trainer.trainEpoch(distributed, 1);
            assertEquals(null, trainer.checkpointState(), "no outer state to keep");
        }
        assertSameState(three.expected(), distributed);
    }

    @Test
    void theTrainersOuterStepIsOneOuterStepByHand() throws Exception {
        ThreePartitions three = ThreePartitions.make();
        TrainingJob job = trainingJob(EpochAveragingTrainerTest.job("spark.partitions=3",
                "spark.outer.optimizer=nesterov", "spark.outer.learning-rate=0.5",
                "spark.outer.learning-rate-scaling=linear", "spark.outer.momentum=0.8",
                "spark.outer.warmup-rounds=0"));
        ModelState start = ModelState.of(three.start());
        // by hand: learning rate 0.5 * 3 partitions, momentum 0.8; batch norm statistics as averaged
        ModelState expected = new org.spikekd.averaging.OuterOptimizer(org.spikekd.averaging.OuterOptimizer.Kind.NESTEROV,
                1.5, 0.8).step(start, three.expected(), org.spikekd.averaging.RunningStatistics.mask(three.start()));
        ComputationGraph distributed = copyOf(three.start());
        try (EpochAveragingTrainer trainer = new EpochAveragingTrainer(sc)) {
            trainer.prepare(job);
            trainer.trainEpoch(distributed, 1);
        }
        assertSameState(expected, distributed);
        assertTrue(worst(three.expected().parameters, ModelState.of(distributed).parameters) > 50 * TOLERANCE,
                "the outer step moved the student away from the plain mean");
    }

    @Test
    void aScaledLearningRateIsEachCopysLearningRate() throws Exception {
        TrainingJob job = trainingJob(job("spark.partitions=2", "spark.learning-rate-scaling=linear"));
        TrainingJob byHand = trainingJob(job("spark.partitions=2", "train.learning-rate=0.04")); // 0.02 x 2 copies
        ComputationGraph start = TrainingRun.newNetwork(job.settings, job.train, job.teacher);
        ModelState expected = localMean(byHand, start, 2, 1, 0, Integer.MAX_VALUE);
        ComputationGraph distributed = copyOf(start);
        try (EpochAveragingTrainer trainer = new EpochAveragingTrainer(sc)) {
            trainer.prepare(job);
            trainer.trainEpoch(distributed, 1);
        }
        assertSameState(expected, distributed);
        ModelState unscaled = localMean(job, start, 2, 1, 0, Integer.MAX_VALUE);
        assertTrue(worst(unscaled.parameters, ModelState.of(distributed).parameters) > 50 * TOLERANCE,
                "the scaled learning rate made a difference");
    }

    @Test
    void averagingEveryKMinibatchesAveragesEachRound() throws Exception {
        // 2 partitions of 300/301 examples = 10 minibatches each; averaging every 4 = rounds of 4, 4, 2
        TrainingJob job = trainingJob(job("spark.partitions=2", "spark.averaging-every=4"));
        ComputationGraph expected = TrainingRun.newNetwork(job.settings, job.train, job.teacher);
        ComputationGraph distributed = copyOf(expected);
        for (int from = 0; from < 10; from += 4) {
            localMean(job, expected, 2, 1, from, from + 4).applyTo(expected);
        }
        try (EpochAveragingTrainer trainer = new EpochAveragingTrainer(sc)) {
            trainer.prepare(job);
            assertEquals(601, trainer.trainEpoch(distributed, 1).examples);
            // three rounds of two tasks, and each partition was read from disk once: cached
            assertEquals(2, trainer.partitionReads(), "partitions read from the file system");
        }
        assertSameState(ModelState.of(expected), distributed);
    }

    @Test
    void warmupEpochsAverageEveryFewMinibatchesThenOncePerEpoch() throws Exception {
        // post-local SGD: epoch 1 in rounds of 3 minibatches (3, 3, 3, 1 of 10), epoch 2 in one round
        TrainingJob job = trainingJob(job("spark.partitions=2", "train.epochs=2", "spark.warmup.epochs=1",
                "spark.warmup.averaging-every=3"));
        ComputationGraph expected = TrainingRun.newNetwork(job.settings, job.train, job.teacher);
        ComputationGraph distributed = copyOf(expected);
        for (int from = 0; from < 10; from += 3) {
            localMean(job, expected, 2, 1, from, from + 3).applyTo(expected);
        }
        ModelState afterWarmup = ModelState.of(expected);
        localMean(job, expected, 2, 2, 0, Integer.MAX_VALUE).applyTo(expected);
        try (EpochAveragingTrainer trainer = new EpochAveragingTrainer(sc)) {
            trainer.prepare(job);
            EpochTrainer.EpochStats first = trainer.trainEpoch(distributed, 1);
            assertSameState(afterWarmup, distributed);
            assertTrue(first.setupSeconds > 0, "the executors were readied before the first epoch");
            assertEquals(0, trainer.trainEpoch(distributed, 2).setupSeconds, "and only then");
        }
        assertSameState(ModelState.of(expected), distributed);
        // the schedule is visible: had epoch 2 also averaged every 3 minibatches, the result would
        // differ (measured: by 1.2e-4; two SGD copies this close apart differ little by when they meet)
        ComputationGraph everyThree = copyOf(expected);
        afterWarmup.applyTo(everyThree);
        for (int from = 0; from < 10; from += 3) {
            localMean(job, everyThree, 2, 2, from, from + 3).applyTo(everyThree);
        }
        assertTrue(worst(ModelState.of(everyThree).parameters, ModelState.of(distributed).parameters) > 5 * TOLERANCE,
                "epoch 2 averaged once, not every 3 minibatches: " + worst(ModelState.of(everyThree).parameters, ModelState.of(distributed).parameters));
    }

    @Test
    void aTaskThatFailsMidEpochIsCountedOnce() throws Exception {
        ThreePartitions three = ThreePartitions.make();
        TrainingJob job = three.job();
        ModelState expected = three.expected();
        ComputationGraph distributed = copyOf(three.start());
        int failedBefore = failedTasks.get();
        // partition 1 fails on its first attempt
        try (EpochAveragingTrainer trainer = new EpochAveragingTrainer(sc).withMinibatchListener(new FailingTask(1, 1, 1))) {
            trainer.prepare(job);
            assertEquals(601, trainer.trainEpoch(distributed, 1).examples);
        }
        long deadline = System.currentTimeMillis() + 10_000; // listener events arrive asynchronously
        while (failedTasks.get() == failedBefore && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(failedBefore + 1, failedTasks.get(), "the injected failure happened once and was retried");
        assertSameState(expected, distributed);
    }

    /**
     * With the outer optimizer's momentum, which the checkpoint must keep: resumed without it, the
     * second epoch's step would leave out momentum times the first epoch's velocity.
     */
    @Test
    void aResumedRunEndsWhereAnUninterruptedRunEnds() throws Exception {
        String[] outer = {"spark.outer.optimizer=nesterov", "spark.outer.learning-rate=1", "spark.outer.momentum=0.9",
                "spark.outer.warmup-rounds=0"};
        JobConfig config = job(outer).with("spark.partitions=2", "train.epochs=2", "run.name=uninterrupted");
        TrainingRun.Result uninterrupted = new TrainingRun(config, quiet(), new EpochAveragingTrainer(sc)).run();

        JobConfig interruptedJob = job(outer).with("spark.partitions=2", "train.epochs=2", "run.name=interrupted");
        // epoch 2 fails for good
        assertThrows(Exception.class, () -> new TrainingRun(interruptedJob, quiet(),
                new EpochAveragingTrainer(sc).withMinibatchListener(new FailingTask(2, 0, 99))).run());
        Path dir = runs.resolve("interrupted");
        assertTrue(Files.readString(dir.resolve("checkpoint.json")).contains("\"epoch\" : 1"));
        assertEquals(1, Files.readAllLines(dir.resolve("metrics.jsonl")).size());
        assertTrue(Files.notExists(dir.resolve("summary.json")));

        TrainingRun.Result resumed = new TrainingRun(TrainingRun.configOf(dir.toString()), quiet(),
                new EpochAveragingTrainer(sc)).resumeFrom(dir.toString()).run();
        assertSameState(ModelState.of(uninterrupted.network), resumed.network);
        assertEquals(uninterrupted.test.accuracy, resumed.test.accuracy, 0.02);
        assertEquals(2, Files.readAllLines(dir.resolve("metrics.jsonl")).size());
        assertTrue(Files.exists(dir.resolve("checkpoint-epoch-0002.zip")));
        assertTrue(Files.notExists(dir.resolve("checkpoint-epoch-0001.zip")), "older checkpoints are dropped");
        assertTrue(Files.exists(dir.resolve("trainer-state-epoch-0002.bin")), "the outer optimizer's state");
        assertTrue(Files.notExists(dir.resolve("trainer-state-epoch-0001.bin")), "older states are dropped");
    }
}
