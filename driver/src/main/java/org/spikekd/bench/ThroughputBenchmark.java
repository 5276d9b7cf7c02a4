package org.spikekd.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.spikekd.cpu.ProcessCpuTime;
import org.spikekd.cpu.ThreadBudget;
import org.spikekd.data.Augmentation;
import org.spikekd.data.LabeledImages;
import org.spikekd.data.Minibatches;
import org.spikekd.data.source.DatasetLoader;
import org.spikekd.distill.DistillationLoss;
import org.spikekd.encoding.Encoding;
import org.spikekd.layer.Convolution;
import org.spikekd.model.NetworkFactory;
import org.spikekd.model.NetworkRole;
import org.spikekd.model.SpikingSettings;
import org.spikekd.model.VggArchitecture;
import org.spikekd.neuron.SpikingLayer;
import org.spikekd.sparse.PathChoice;
import org.spikekd.train.TeacherPrefetch;
import org.spikekd.train.TeacherTargets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Training throughput on the PyTorch reference's network and protocol
 * (../shared/bench/pytorch_ref): 32 minibatches of Fashion-MNIST cycled, warm-up steps, then the
 * median over repeats of timed training steps (forward, backward, Adam), for the teacher, the
 * directly trained student and the KD student (teacher forward included).
 */
@Command(name = "throughput", mixinStandardHelpOptions = true,
        description = "Training samples/s and peak memory for teacher, student and KD student.")
public final class ThroughputBenchmark implements Callable<Integer> {
    @Option(names = "--batch", defaultValue = "64") int batch;
    @Option(names = "--time-steps", defaultValue = "4") int timeSteps;
    @Option(names = "--warmup", defaultValue = "5") int warmup;
    @Option(names = "--iters", defaultValue = "30") int iters;
    @Option(names = "--repeats", defaultValue = "5") int repeats;
    @Option(names = "--configs", defaultValue = "teacher,student-direct,student-kd", split = ",")
    List<String> configs;
    @Option(names = "--data", defaultValue = "/usr/share/datasets/fashion-mnist") String data;
    @Option(names = "--format", defaultValue = "idx", description = "data.format of --data (idx, shards, ...).")
    String format;
    @Option(names = "--channels-first", description = "Build the networks channels-first, as SpikeKD did before it "
            + "turned channels-last after the input (to compare the two).")
    boolean channelsFirst;
    @Option(names = "--convolution", description = "Convolution paths: auto (each layer times dense and sparse), "
            + "dense or sparse; default: -Dspikekd.convolution, else auto.")
    String convolution;
    @Option(names = "--teacher-inline", description = "KD student: compute each minibatch's teacher targets on "
            + "the training thread before its step, instead of the next minibatch's on a helper thread during "
            + "it (how training runs; the PyTorch reference does the former).")
    boolean teacherInline;
    @Option(names = "--neuron", defaultValue = "lif", description = "The students' neurons: lif, plif or if "
            + "(default ${DEFAULT-VALUE}; SpikeKD's defaults otherwise).")
    String neuron;
    @Option(names = "--threads", defaultValue = "0", description = "Threads for ND4J and SpikeKD's kernels "
            + "(0 = every core), as a Spark task with that many cores gets.")
    int threads;

    @Override
    public Integer call() throws Exception {
        ThreadBudget.use(threads > 0 ? threads : ThreadBudget.machineCores());
        System.err.println("[bench] threads: " + ThreadBudget.describe());
        LabeledImages images = new DatasetLoader(format, data, List.of(), 64, true).load("train", 32 * batch);
        double[][] norm = {{0.2860}, {0.3530}}; // the reference's constants
        List<Minibatches.Batch> batches = new ArrayList<>();
        Minibatches mb = new Minibatches(images, batch, null, Augmentation.NONE);
        while (mb.hasNext()) {
            batches.add(mb.next());
        }
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("benchmark", "throughput");
        figures.put("environment", BenchmarkOutput.environment());
        figures.put("layout", channelsFirst ? "channels-first" : "channels-last");
        figures.put("neuron", neuron);
        if (convolution != null) {
            // read by every convolution layer made from here on (this process is the benchmark's own)
            System.setProperty(PathChoice.Mode.PROPERTY,
                    PathChoice.Mode.parse(convolution, "--convolution").name().toLowerCase());
        }
        figures.put("convolution_mode", PathChoice.Mode.configured().name().toLowerCase());
        for (String config : configs) {
            if (!List.of("teacher", "student-direct", "student-kd").contains(config)) {
                throw new IllegalArgumentException("--configs: unknown configuration '" + config + "'");
            }
            Nd4j.getRandom().setSeed(0);
            boolean student = !config.equals("teacher");
            ComputationGraph net = network(student ? NetworkRole.STUDENT : NetworkRole.TEACHER, norm,
                    config.equals("student-kd") ? 0.7 : 0.0);
            ComputationGraph teacher = config.equals("student-kd") ? network(NetworkRole.TEACHER, norm, 0.0) : null;
            TeacherTargets targets = new TeacherTargets(teacher, List.of());
            // the KD student's step as PartitionTrainer runs it: the next minibatch's teacher
            // targets computed on a helper thread while this one trains (unless --teacher-inline)
            TeacherPrefetch prefetch = teacher == null || teacherInline ? null : new TeacherPrefetch(targets, net);
            int[] step = {0};
            TeacherPrefetch.Pending[] pending = {null};
            Runnable trainStep = () -> {
                Minibatches.Batch b = batches.get(step[0]++ % batches.size());
                INDArray[] labels;
                if (prefetch == null) {
                    labels = targets.labels(net, b.features, b.labels);
                } else {
                    labels = (pending[0] != null ? pending[0] : prefetch.start(b.features, b.labels)).get();
                    Minibatches.Batch next = batches.get(step[0] % batches.size());
                    pending[0] = prefetch.start(next.features, next.labels);
                }
                net.fit(new MultiDataSet(new INDArray[] {b.features}, labels));
                net.score();
            };
            for (int i = 0; i < warmup; i++) {
                trainStep.run();
            }
            double[] runs = new double[repeats];
            long cpuStart = ProcessCpuTime.nanos();
            long wallStart = System.nanoTime();
            for (int r = 0; r < repeats; r++) {
                long start = System.nanoTime();
                for (int i = 0; i < iters; i++) {
                    trainStep.run();
                }
                runs[r] = iters * (double) batch / ((System.nanoTime() - start) / 1e9);
                System.err.printf("[bench] %s repeat %d/%d: %.1f samples/s%n", config, r + 1, repeats, runs[r]);
            }
            long cpuEnd = ProcessCpuTime.nanos();
            if (prefetch != null) {
                pending[0].get(); // the helper's last minibatch, started for a step that never came
                prefetch.close();
            }
            double coresUsed = cpuStart < 0 || cpuEnd < 0 ? Double.NaN
                    : (cpuEnd - cpuStart) / (double) (System.nanoTime() - wallStart);
            double[] sorted = runs.clone();
            Arrays.sort(sorted);
            Map<String, Object> rec = new LinkedHashMap<>();
            rec.put("samples_per_s_median", sorted[repeats / 2]);
            rec.put("samples_per_s_runs", runs);
            rec.put("ms_per_step_median", 1000.0 * batch / sorted[repeats / 2]);
            rec.put("cpu_cores_used", coresUsed);
            if (teacher != null) {
                rec.put("teacher_prefetch", prefetch != null);
            }
            rec.put("parameters", net.numParams());
            rec.put("peak_rss_mib_so_far", BenchmarkOutput.peakResidentMiB());
            rec.put("batch", batch);
            rec.put("time_steps", student ? timeSteps : null);
            rec.put("convolutions", convolutionPaths(net));
            figures.put(config, rec);
            System.err.printf("[bench] %s: median %.1f samples/s, %.2f cores busy%n", config, sorted[repeats / 2],
                    coresUsed);
        }
        figures.put("peak_rss_mib", BenchmarkOutput.peakResidentMiB());
        BenchmarkOutput.print(figures);
        return 0;
    }

    /**
     * Per convolution of {@code net}: which path its forward and backward passes took (dense or
     * sparse, see {@link PathChoice}), their running timings and the firing rate of its input.
     */
    static Map<String, Object> convolutionPaths(ComputationGraph net) {
        Map<String, Object> layers = new LinkedHashMap<>();
        for (org.deeplearning4j.nn.api.Layer layer : net.getLayers()) {
            if (layer instanceof Convolution.Impl conv) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("forward", path(conv.forwardPath()));
                m.put("backward", path(conv.backwardPath()));
                layers.put(layer.conf().getLayer().getLayerName(), m);
                System.err.printf("[bench]   %s: forward %s, backward %s%n", layer.conf().getLayer().getLayerName(),
                        describe(conv.forwardPath()), describe(conv.backwardPath()));
            }
        }
        return layers;
    }

    private static Map<String, Object> path(PathChoice p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", p.mode().name().toLowerCase());
        m.put("calls", p.calls());
        m.put("sparse_calls", p.sparseCalls());
        m.put("dense_ms", Double.isNaN(p.denseMillis()) ? null : p.denseMillis());
        m.put("sparse_ms", Double.isNaN(p.sparseMillis()) ? null : p.sparseMillis());
        m.put("input_firing_rate", Double.isNaN(p.lastRate()) ? null : p.lastRate());
        return m;
    }

    private static String describe(PathChoice p) {
        return String.format("%d/%d sparse (dense %.1f ms, sparse %.1f ms, input rate %.3f)", p.sparseCalls(),
                p.calls(), p.denseMillis(), p.sparseMillis(), p.lastRate());
    }

    private ComputationGraph network(NetworkRole role, double[][] norm, double kdAlpha) {
        return new NetworkFactory(new VggArchitecture(List.of(List.of(32, 32), List.of(64, 64)), "avg", List.of(256)), role)
                .input(1, 28, 28).classes(10).normalization(norm[0], norm[1]).channelsLast(!channelsFirst)
                .spiking(new SpikingSettings(Encoding.DIRECT, timeSteps, new SpikingLayer().setNeuron(neuron)))
                .loss(new DistillationLoss(4.0, kdAlpha)).updater(new Adam(1e-3), 0).seed(0).build();
    }
}
