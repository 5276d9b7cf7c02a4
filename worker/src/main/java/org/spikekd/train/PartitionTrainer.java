package org.spikekd.train;

import java.io.Serializable;
import java.util.function.IntConsumer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.learning.config.IUpdater;
import org.spikekd.cpu.ProcessCpuTime;
import org.spikekd.data.Augmentation;
import org.spikekd.data.LabeledImages;
import org.spikekd.data.Minibatches;
import org.spikekd.encoding.SpikeRandom;
import org.spikekd.neuron.SpikingLayer;

/**
 * Trains one copy of a network on one partition of the training data: the executor's half of
 * distributed training (dl4j-spark calls this a TrainingWorker), and all of local training, which
 * is the one-partition case. Everything random in a pass (the shuffle, augmentation, Poisson
 * spikes) is seeded from the job seed, the epoch and the partition, so a pass is reproducible
 * wherever and however often it runs: a retried task redoes exactly the work of the failed one.
 */
public final class PartitionTrainer {

    /** What a pass over minibatches did. */
    public static final class Outcome implements Serializable {
        private static final long serialVersionUID = 1L;

        public final long examples;
        public final double lossSum;
        public final double seconds;
        /** CPU seconds of the whole JVM while the pass ran (every thread, native ones too); NaN if unknown. */
        public final double processCpuSeconds;

        public Outcome(long examples, double lossSum, double seconds, double processCpuSeconds) {
            this.examples = examples;
            this.lossSum = lossSum;
            this.seconds = seconds;
            this.processCpuSeconds = processCpuSeconds;
        }

        /** Cores the JVM kept busy during the pass. */
        public double cores() {
            return processCpuSeconds / seconds;
        }
    }

    private final TrainingSettings settings;
    private final Augmentation augmentation;
    private final TeacherTargets targets;

    public PartitionTrainer(TrainingSettings settings, Augmentation augmentation, TeacherTargets targets) {
        this.settings = settings;
        this.augmentation = augmentation;
        this.targets = targets;
    }

    /**
     * Trains {@code net} on minibatches {@code [fromBatch, toBatch)} of epoch {@code epoch} (1-based)
     * of {@code partition}, whose index is {@code partitionIndex}.
     *
     * @param afterBatch called with the 1-based number of each finished minibatch (on Spark, the
     *     trainer's minibatch listener)
     */
    public Outcome train(ComputationGraph net, LabeledImages partition, int partitionIndex, int epoch,
                         int fromBatch, int toBatch, Progress progress, String progressLabel, IntConsumer afterBatch) {
        int batches = settings.minibatchesPerEpoch(partition.size());
        LearningRateSchedule schedule = settings.learningRates(batches);
        Minibatches minibatches = new Minibatches(partition, settings.batchSize(),
                shuffleSeed(settings.seed(), epoch, partitionIndex), augmentation);
        minibatches.skip(fromBatch);
        // Poisson encoding draws from this thread's spike generator
        SpikeRandom.seed(shuffleSeed(settings.seed(), epoch, partitionIndex) * 31 + fromBatch);
        double lossSum = 0;
        long seen = 0;
        long start = System.nanoTime();
        long cpuStart = ProcessCpuTime.nanos();
        double currentRate = Double.NaN;
        int b = fromBatch;
        try (TeacherPrefetch teacher = new TeacherPrefetch(targets, net)) {
            Minibatches.Batch batch = b < toBatch && minibatches.hasNext() ? minibatches.next() : null;
            TeacherPrefetch.Pending labels = batch == null ? null : teacher.start(batch.features, batch.labels);
            while (batch != null) {
                // the next minibatch's teacher targets are computed while this one trains
                Minibatches.Batch next = b + 1 < toBatch && minibatches.hasNext() ? minibatches.next() : null;
                TeacherPrefetch.Pending nextLabels = next == null ? null : teacher.start(next.features, next.labels);
                double rate = schedule.at((long) (epoch - 1) * batches + b);
                if (rate != currentRate) {
                    setLearningRate(net, rate);
                    currentRate = rate;
                }
                net.fit(new MultiDataSet(new INDArray[] {batch.features}, labels.get()));
                double loss = net.score();
                if (!Double.isFinite(loss)) {
                    throw new IllegalStateException("training diverged: loss is " + loss + " at epoch " + epoch
                            + ", minibatch " + (b + 1) + (progressLabel.isEmpty() ? "" : " of " + progressLabel)
                            + "; lower train.learning-rate or widen surrogate.alpha");
                }
                lossSum += loss * batch.size();
                seen += batch.size();
                b++;
                if (progress != null) {
                    progress.batch(progressLabel.isEmpty() ? "train" : "train " + progressLabel, epoch,
                            settings.epochs(), b, batches, lossSum / seen, seen / ((System.nanoTime() - start) / 1e9));
                }
                afterBatch.accept(b);
                batch = next;
                labels = nextLabels;
            }
        }
        long cpuEnd = ProcessCpuTime.nanos();
        return new Outcome(seen, lossSum, (System.nanoTime() - start) / 1e9,
                cpuStart < 0 || cpuEnd < 0 ? Double.NaN : (cpuEnd - cpuStart) / 1e9);
    }

    /** The seed of one epoch's pass over one partition. */
    static long shuffleSeed(long seed, int epoch, int partitionIndex) {
        return seed * 1_000_003L + epoch + 7_919L * partitionIndex;
    }

    /**
     * The learning rate of every parameter, set on the updater settings the network's optimizer
     * reads at each step (DL4J's updater blocks hold the layers' own IUpdater objects).
     *
     * <p>Not DL4J's {@code setLearningRate}: that changes only its own layers with weights, one at a
     * time, rebuilding the optimizer's state after each; with a PLIF layer's parameter among them
     * (see SpikingLayer), the rebuild between a changed and an unchanged layer fails (a
     * NullPointerException in NetworkUtils.rebuildUpdaterStateArray). All rates change together
     * here, so the optimizer's blocks, and the layout of its state, stay as they were.
     */
    static void setLearningRate(ComputationGraph net, double rate) {
        for (org.deeplearning4j.nn.api.Layer layer : net.getLayers()) {
            org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
            if (conf instanceof BaseLayer weights) {
                setRate(weights.getIUpdater(), rate);
                setRate(weights.getBiasUpdater(), rate);
            } else if (conf instanceof SpikingLayer neurons && neurons.isParametric()) {
                setRate(neurons.getUpdater(), rate);
            }
        }
    }

    private static void setRate(IUpdater updater, double rate) {
        if (updater != null && updater.hasLearningRate()) {
            updater.setLrAndSchedule(rate, null);
        }
    }
}
