package org.spikekd.spark;

import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.api.java.function.VoidFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.spikekd.averaging.OuterOptimizer;
import org.spikekd.averaging.RunningStatistics;
import org.spikekd.config.JobSettings;
import org.spikekd.cpu.ThreadBudget;
import org.spikekd.data.Augmentation;
import org.spikekd.data.LabeledImages;
import org.spikekd.run.EpochTrainer;
import org.spikekd.run.TrainingJob;
import org.spikekd.train.ModelState;
import org.spikekd.train.PartitionTrainer;
import org.spikekd.train.Progress;
import org.spikekd.train.TeacherTargets;
import org.spikekd.train.TrainingSettings;

/**
 * Distributed training by parameter averaging (the driver's half; dl4j-spark calls it a
 * TrainingMaster). The training split is cached on the executors in k partitions; the teacher and
 * the student's architecture are broadcast once per run. Each round, the driver broadcasts the
 * student's state (parameters with batch norm statistics, optimizer state, iteration count); every
 * task trains its own copy on its partition (teacher inference and time-stepped student updates,
 * in {@link PartitionTrainer}); the copies come back as one example-weighted sum, added up in a
 * tree, and from their mean the driver's {@link OuterOptimizer} makes the state of the next round
 * (the mean itself under plain averaging). One round per epoch by default, or one every
 * {@code spark.averaging-every} minibatches, and every {@code spark.warmup.averaging-every} in the
 * first {@code spark.warmup.epochs} epochs (post-local SGD). Each task's native and SpikeKD kernels run on the
 * task's own cores ({@link ThreadBudget}).
 *
 * <p>A failed task is retried by Spark; since each pass is seeded by (seed, epoch, partition), the
 * retry redoes exactly the failed attempt's work, and only one successful attempt per partition
 * reaches the sum, which this class checks.
 */
public final class EpochAveragingTrainer implements EpochTrainer {
    /**
     * Told inside each task after every minibatch it trains; shipped with the tasks, so it must be
     * serializable. What a test that breaks tasks at chosen moments plugs in.
     */
    @FunctionalInterface
    public interface MinibatchListener extends java.io.Serializable {
        /**
         * @param attempt Spark's attempt number of this task (0 for the first)
         * @param minibatch the 1-based number of the minibatch just trained, of {@code minibatches}
         *     in the partition's epoch
         */
        void afterMinibatch(int epoch, int partition, int attempt, int minibatch, int minibatches);
    }

    private final JavaSparkContext sc;
    private MinibatchListener listener = (epoch, partition, attempt, minibatch, minibatches) -> { };
    /** Names this run's networks in the executors' {@link ExecutorModels}. */
    private final String runKey = java.util.UUID.randomUUID().toString();
    private TrainingJob job;
    /** train.*, at the learning rate of one copy among the partitions. */
    private TrainingSettings training;
    private JavaRDD<LabeledImages> partitions;
    private int partitionCount;
    private int maxBatches;
    private Broadcast<byte[]> teacher;
    private Broadcast<String> studentArchitecture;
    /** Reads of training partitions from the file system: one per partition unless an executor is lost. */
    private LongAccumulator partitionReads;
    private int threadsPerTask;
    private OuterOptimizer outer;
    /** Which parameters are batch norm's running statistics (the outer step leaves them as averaged). */
    private boolean[] statistics;

    public EpochAveragingTrainer(JavaSparkContext sc) {
        this.sc = sc;
    }

    /** This trainer, telling {@code listener} in each task after every minibatch. */
    public EpochAveragingTrainer withMinibatchListener(MinibatchListener listener) {
        this.listener = listener;
        return this;
    }

    @Override
    public void prepare(TrainingJob job) throws IOException {
        this.job = job;
        JobSettings s = job.settings;
        int wanted = Math.min(SparkContexts.partitions(sc, s.averaging().partitions()), job.train.size());
        partitionReads = sc.sc().longAccumulator("training partitions read");
        partitions = DatasetPartitions.cache(sc, job.config.render(), wanted, true, partitionReads);
        // a sharded dataset has no more partitions than shards
        partitionCount = partitions.getNumPartitions();
        long start = System.nanoTime();
        List<Integer> sizes = DatasetPartitions.sizes(partitions);
        long total = sizes.stream().mapToLong(Integer::longValue).sum();
        if (total != job.train.size()) {
            throw new IOException("the executors read " + total + " training examples from " + s.data().path()
                    + ", the driver expected " + job.train.size() + ": do all executors see the same dataset?");
        }
        maxBatches = sizes.stream().mapToInt(s.training()::minibatchesPerEpoch).max().orElse(0);
        job.progress.line(String.format("spark: %s, %d partitions of %s examples cached on the executors (%.1f s)%s",
                sc.master(), partitionCount, sizes, (System.nanoTime() - start) / 1e9,
                partitionCount < wanted ? " (" + wanted + " wanted; the dataset has fewer shards)" : ""));
        threadsPerTask = SparkContexts.threadsPerTask(sc, partitionCount);
        training = s.training().withLearningRate(s.training().learningRate() * s.averaging().learningRateScale(partitionCount));
        // one partition averages nothing: its round's result is adopted, as local training would
        outer = partitionCount > 1 ? s.averaging().outerOptimizer(partitionCount) : new OuterOptimizer(OuterOptimizer.Kind.NONE, 1, 0);
        job.progress.line(String.format("averaging: %s every %s%s; learning rate %s per copy; %d thread%s per task",
                outer, every(s.averaging().every()),
                s.averaging().warmupEpochs() == 0 ? "" : String.format(" (every %s in the first %d epoch%s)",
                        every(s.averaging().warmupEvery()), s.averaging().warmupEpochs(),
                        s.averaging().warmupEpochs() == 1 ? "" : "s"),
                training.learningRate(), threadsPerTask, threadsPerTask == 1 ? "" : "s"));
        if (job.teacher != null) {
            teacher = ExecutorModels.broadcast(sc, job.teacher);
        }
    }

    private static String every(int minibatches) {
        return minibatches == 0 ? "epoch" : minibatches == 1 ? "minibatch" : minibatches + " minibatches";
    }

    @Override
    public byte[] checkpointState() {
        return outer == null ? null : outer.state();
    }

    @Override
    public void restoreState(byte[] state) throws IOException {
        outer.restore(state);
    }

    @Override
    public EpochStats trainEpoch(ComputationGraph net, int epoch) {
        double setupSeconds = studentArchitecture == null ? readyExecutors(net) : 0;
        int every = job.settings.averaging().every(epoch);
        int rounds = every == 0 ? 1 : (maxBatches + every - 1) / every;
        long examples = 0;
        double lossSum = 0;
        double syncSeconds = 0;
        double cpuSeconds = 0;
        double taskSeconds = 0;
        long epochStart = System.nanoTime();
        for (int r = 0; r < rounds; r++) {
            long roundStart = System.nanoTime();
            int from = every == 0 ? 0 : r * every;
            int to = every == 0 ? Integer.MAX_VALUE : from + every;
            ModelState start = ModelState.of(net);
            Broadcast<ModelState> state = sc.broadcast(start);
            RoundTask task = new RoundTask(runKey, training, job.settings.data().augmentation(),
                    job.settings.distillation().featureStages(), job.settings.logEvery(), state, studentArchitecture, teacher, epoch, from, to,
                    partitionCount, threadsPerTask, listener);
            sc.setJobDescription("epoch " + epoch + (rounds > 1 ? ", round " + (r + 1) + "/" + rounds : ""));
            RoundResult result = partitions.mapPartitionsWithIndex(task, true)
                    .treeAggregate(new RoundResult(), RoundResult::merge, RoundResult::merge);
            if (result.average.contributions() != partitionCount) {
                throw new IllegalStateException("epoch " + epoch + ": " + result.average.contributions()
                        + " partition results for " + partitionCount + " partitions");
            }
            if (result.examples > 0) {
                if (statistics == null && !outer.isPlainAveraging()) {
                    statistics = RunningStatistics.mask(net);
                }
                outer.step(start, result.average.mean(), statistics).applyTo(net);
            }
            state.destroy();
            examples += result.examples;
            lossSum += result.lossSum;
            syncSeconds += (System.nanoTime() - roundStart) / 1e9 - result.maxTaskSeconds;
            cpuSeconds += result.cpuSeconds;
            taskSeconds += result.taskSeconds;
        }
        // cores per task: meaningful where each executor runs one task at a time (a cluster); in one
        // JVM running several tasks it counts the JVM's cores once per task
        return new EpochStats(examples, lossSum, (System.nanoTime() - epochStart) / 1e9, syncSeconds, partitionCount,
                cpuSeconds / taskSeconds, setupSeconds, rounds);
    }

    /**
     * Once per run, before the first round: broadcasts the student's architecture and has every
     * partition's executor build the student and restore the teacher, so that rounds only ship and
     * apply states. Its seconds are the run's setup, reported apart from training and sync.
     */
    private double readyExecutors(ComputationGraph net) {
        long start = System.nanoTime();
        studentArchitecture = sc.broadcast(net.getConfiguration().toJson());
        sc.setJobDescription("build the student" + (teacher == null ? "" : " and restore the teacher") + " on the executors");
        partitions.foreachPartition(new ReadyTask(runKey, studentArchitecture, teacher, threadsPerTask));
        double seconds = (System.nanoTime() - start) / 1e9;
        job.progress.line(String.format("executors ready: student built%s (%.1f s)",
                teacher == null ? "" : ", teacher restored", seconds));
        return seconds;
    }

    /** How often training partitions were read from the file system so far (cached: once each). */
    public long partitionReads() {
        return partitionReads == null ? 0 : partitionReads.value();
    }

    @Override
    public void close() {
        if (partitions != null) {
            partitions.unpersist(false);
        }
        if (teacher != null) {
            teacher.destroy();
        }
        if (studentArchitecture != null) {
            studentArchitecture.destroy();
        }
    }

    /** Builds the student and restores the teacher where a partition lives, for the rounds to borrow. */
    static final class ReadyTask implements VoidFunction<Iterator<LabeledImages>> {
        private static final long serialVersionUID = 1L;
        private final String runKey;
        private final Broadcast<String> architecture;
        private final Broadcast<byte[]> teacher;
        private final int threads;

        ReadyTask(String runKey, Broadcast<String> architecture, Broadcast<byte[]> teacher, int threads) {
            this.runKey = runKey;
            this.architecture = architecture;
            this.teacher = teacher;
            this.threads = threads;
        }

        @Override
        public void call(Iterator<LabeledImages> partition) {
            ThreadBudget.use(threads);
            ExecutorModels.giveBack(runKey + "-student", ExecutorModels.borrowBuilt(runKey + "-student", architecture.value()));
            if (teacher != null) {
                ExecutorModels.giveBack(runKey + "-teacher", ExecutorModels.borrowRestored(runKey + "-teacher", teacher.value()));
            }
        }
    }

    /** One task of a round: trains the executor's copy of the student on its cached partition. */
    static final class RoundTask implements Function2<Integer, Iterator<LabeledImages>, Iterator<RoundResult>> {
        private static final long serialVersionUID = 1L;
        private final String runKey;
        private final TrainingSettings training;
        private final Augmentation augmentation;
        private final List<Integer> featureStages;
        private final int logEvery;
        private final Broadcast<ModelState> state;
        private final Broadcast<String> architecture;
        private final Broadcast<byte[]> teacher;
        private final int epoch;
        private final int from;
        private final int to;
        private final int partitions;
        private final int threads;
        private final MinibatchListener listener;

        RoundTask(String runKey, TrainingSettings training, Augmentation augmentation, List<Integer> featureStages,
                  int logEvery, Broadcast<ModelState> state, Broadcast<String> architecture, Broadcast<byte[]> teacher,
                  int epoch, int from, int to, int partitions, int threads, MinibatchListener listener) {
            this.runKey = runKey;
            this.training = training;
            this.augmentation = augmentation;
            this.featureStages = featureStages;
            this.logEvery = logEvery;
            this.state = state;
            this.architecture = architecture;
            this.teacher = teacher;
            this.epoch = epoch;
            this.from = from;
            this.to = to;
            this.partitions = partitions;
            this.threads = threads;
            this.listener = listener;
        }

        @Override
        public Iterator<RoundResult> call(Integer index, Iterator<LabeledImages> data) {
            LabeledImages partition = data.next();
            ThreadBudget.use(threads);
            ComputationGraph student = ExecutorModels.borrowBuilt(runKey + "-student", architecture.value());
            ComputationGraph teacherNet = teacher == null ? null : ExecutorModels.borrowRestored(runKey + "-teacher", teacher.value());
            try {
                state.value().applyTo(student);
                PartitionTrainer trainer = new PartitionTrainer(training, augmentation,
                        new TeacherTargets(teacherNet, featureStages));
                int batches = training.minibatchesPerEpoch(partition.size());
                Progress progress = new Progress(System.err, partitions == 1 && System.console() != null, logEvery);
                String label = partitions == 1 ? "" : "partition " + (index + 1) + "/" + partitions;
                PartitionTrainer.Outcome outcome = trainer.train(student, partition, index, epoch, from, to,
                        progress, label, b -> listener.afterMinibatch(epoch, index,
                                TaskContext.get().attemptNumber(), b, batches));
                return List.of(new RoundResult().add(ModelState.of(student), outcome)).iterator();
            } finally {
                ExecutorModels.giveBack(runKey + "-student", student);
                if (teacherNet != null) {
                    ExecutorModels.giveBack(runKey + "-teacher", teacherNet);
                }
            }
        }
    }
}
