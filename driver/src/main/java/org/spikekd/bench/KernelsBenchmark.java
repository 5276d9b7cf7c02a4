package org.spikekd.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.cpu.ThreadBudget;
import org.spikekd.layer.DenseConvolution;
import org.spikekd.sparse.ConvolutionGeometry;
import org.spikekd.sparse.SparseConvolutionKernel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Sparse against dense convolution kernels on the reference network's layer shapes, at firing
 * rates 5-50%: the forward pass (libnd4j's {@code conv2d} against {@link SparseConvolutionKernel}),
 * and the backward pass (libnd4j's {@code conv2d_bp}, both gradients, against the input gradient as
 * a flipped forward convolution plus the sparse weight gradient). Per layer, the firing rate below
 * which the sparse form is faster (the crossover), interpolated between the measured rates.
 */
@Command(name = "kernels", mixinStandardHelpOptions = true,
        description = "Sparse against dense convolution kernels at firing rates 5-50%, with the crossover per layer.")
public final class KernelsBenchmark implements Callable<Integer> {
    @Option(names = "--rates", defaultValue = "0.05,0.1,0.2,0.3,0.4,0.5", split = ",",
            description = "Firing rates (shares of inputs that are 1).")
    List<Double> rates;
    @Option(names = "--batch", defaultValue = "64") int batch;
    @Option(names = "--time-steps", defaultValue = "4") int timeSteps;
    @Option(names = "--repeats", defaultValue = "7", description = "Timed calls per kernel; the median is reported.")
    int repeats;
    @Option(names = "--threads", defaultValue = "0", description = "Thread budget (0 = every core).") int threads;

    /** What a layer's input is, which decides how the benchmark draws it at a firing rate. */
    private enum Input {
        /** 0 or 1. */
        SPIKES,
        /** 2x2 means of spikes: multiples of 1/4. */
        POOLED_SPIKES,
        /** A ReLU's output: uniform values where active. */
        RELU,
        /** A normalized image: Gaussian, every entry non-zero (the rate is ignored). */
        IMAGE
    }

    /**
     * A layer of the reference network (../shared/bench/pytorch_ref): name, input [N, H, W, C_in],
     * C_out, a square kernel of side {@code kernel} with "same" padding.
     */
    private record Layer(String name, Input input, int images, int size, int inChannels, int outChannels, int kernel) {
        Layer(String name, Input input, int images, int size, int inChannels, int outChannels) {
            this(name, input, images, size, inChannels, outChannels, 3);
        }

        ConvolutionGeometry geometry() {
            int pad = kernel / 2;
            return new ConvolutionGeometry(images, size, size, inChannels, kernel, kernel, 1, 1, 1, 1, pad, pad, size,
                    size, outChannels);
        }
    }

    @Override
    public Integer call() throws java.io.IOException {
        ThreadBudget.use(threads > 0 ? threads : ThreadBudget.machineCores());
        System.err.println("[bench] threads: " + ThreadBudget.describe());
        int tn = batch * timeSteps;
        List<Layer> layers = List.of(
                new Layer("student s1.2 (spikes)", Input.SPIKES, tn, 28, 32, 32),
                new Layer("student s2.1 (pooled spikes)", Input.POOLED_SPIKES, tn, 14, 32, 64),
                new Layer("student s2.2 (spikes)", Input.SPIKES, tn, 14, 64, 64),
                new Layer("teacher s1.2 (ReLU)", Input.RELU, batch, 28, 32, 32),
                new Layer("teacher s2.2 (ReLU)", Input.RELU, batch, 14, 64, 64));
        Map<String, Object> figures = BenchmarkOutput.begin("kernels");
        figures.put("vector_bits", jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize());
        List<Object> results = new ArrayList<>();
        for (Layer layer : layers) {
            results.add(measure(layer, false));
        }
        figures.put("layers", results);
        // the student's hidden fully connected layer: its input is the last stage's pooled spikes,
        // flattened; as a 1x1 convolution of one-pixel images the sparse kernels compute it
        Layer hidden = new Layer("student fc (pooled spikes)", Input.POOLED_SPIKES, tn, 1, 7 * 7 * 64, 256, 1);
        figures.put("fully_connected", measure(hidden, true));
        // the student's stem: a dense image, one channel, at batch N (direct encoding)
        figures.put("stem", stem(new Layer("student s1.1 (image)", Input.IMAGE, batch, 28, 1, 32)));
        BenchmarkOutput.print(figures);
        return 0;
    }

    /** @param gemm the dense kernels are matrix products (a fully connected layer, as DL4J computes it) */
    private Map<String, Object> measure(Layer layer, boolean gemm) {
        ConvolutionGeometry g = layer.geometry();
        Nd4j.getRandom().setSeed(7);
        INDArray w = Nd4j.randn(DataType.FLOAT, g.outChannels(), g.inChannels(), layer.kernel(), layer.kernel())
                .muli(0.1);
        List<Map<String, Object>> byRate = new ArrayList<>();
        double[] forwardRatio = new double[rates.size()];
        double[] backwardRatio = new double[rates.size()];
        for (int i = 0; i < rates.size(); i++) {
            double rate = rates.get(i);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("rate", rate);
            INDArray x = input(layer, g, rate);
            r.putAll(gemm ? matrixProductTimings(g, x, w) : timings(g, x, w));
            double inputGradient = (double) r.get("input_gradient_as_convolution_ms");
            double weightGradient = (double) r.get("sparse_weight_gradient_ms");
            r.put("split_backward_ms", inputGradient + weightGradient);
            byRate.add(r);
            forwardRatio[i] = (double) r.get("sparse_forward_ms") / (double) r.get("dense_forward_ms");
            backwardRatio[i] = (inputGradient + weightGradient) / (double) r.get("dense_backward_ms");
            System.err.printf("[bench] %s at rate %.2f: forward dense %.2f sparse %.2f ms; backward dense %.2f, "
                            + "input gradient %.2f + sparse weight gradient %.2f ms%n", layer.name(), rate,
                    r.get("dense_forward_ms"), r.get("sparse_forward_ms"), r.get("dense_backward_ms"), inputGradient,
                    weightGradient);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layer", layer.name());
        m.put("shape", g.describe());
        m.put("dense_macs", g.denseMacs());
        m.put("by_rate", byRate);
        m.put("forward_crossover_rate", crossover(forwardRatio));
        m.put("backward_crossover_rate", crossover(backwardRatio));
        return m;
    }

    private Map<String, Object> stem(Layer layer) {
        ConvolutionGeometry g = layer.geometry();
        Nd4j.getRandom().setSeed(7);
        INDArray x = input(layer, g, 1.0);
        INDArray w = Nd4j.randn(DataType.FLOAT, g.outChannels(), g.inChannels(), layer.kernel(), layer.kernel());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("shape", g.describe());
        m.putAll(timings(g, x, w));
        System.err.println("[bench] stem " + m);
        return m;
    }

    /** Medians of each kernel on input {@code x}: the dense and sparse forward, conv2d_bp, and the split backward's two parts. */
    private Map<String, Object> timings(ConvolutionGeometry g, INDArray x, INDArray w) {
        INDArray dy = Nd4j.randn(DataType.FLOAT, g.images(), g.outHeight(), g.outWidth(), g.outChannels());
        INDArray y = Nd4j.create(DataType.FLOAT, dy.shape());
        INDArray dx = Nd4j.create(DataType.FLOAT, x.shape());
        INDArray dw = Nd4j.create(DataType.FLOAT, w.shape());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dense_forward_ms", median(() -> DenseConvolution.forward(g, x, w, null, y)));
        m.put("sparse_forward_ms", median(() -> SparseConvolutionKernel.forward(g, x, w, null, y)));
        m.put("dense_backward_ms", median(() -> DenseConvolution.backward(g, x, w, null, dy, dx, dw, null)));
        m.put("input_gradient_as_convolution_ms", median(() -> DenseConvolution.inputGradient(g, w, dy, dx)));
        m.put("sparse_weight_gradient_ms", median(() -> SparseConvolutionKernel.weightGradient(g, x, dy, dw, null)));
        return m;
    }

    /**
     * The same measures for a fully connected layer: dense as DL4J's dense layer computes it (matrix
     * products: x W forward; x^T dy and dy W^T backward), sparse as a 1x1 convolution of one-pixel
     * images ({@code g}), the input gradient still a dense product.
     */
    private Map<String, Object> matrixProductTimings(ConvolutionGeometry g, INDArray x, INDArray w) {
        INDArray x2 = x.reshape(g.images(), g.inChannels());
        INDArray w2 = w.reshape(g.outChannels(), g.inChannels()).transpose().dup('f'); // [C_in, C_out], as DL4J keeps it
        INDArray dy = Nd4j.randn(DataType.FLOAT, g.images(), 1, 1, g.outChannels());
        INDArray dy2 = dy.reshape(g.images(), g.outChannels());
        INDArray y = Nd4j.create(DataType.FLOAT, g.images(), g.outChannels());
        INDArray dx = Nd4j.create(DataType.FLOAT, g.images(), g.inChannels());
        INDArray dw2 = Nd4j.create(DataType.FLOAT, new long[] {g.inChannels(), g.outChannels()}, 'f');
        INDArray dw = Nd4j.create(DataType.FLOAT, w.shape());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dense_forward_ms", median(() -> Nd4j.gemm(x2, w2, y, false, false, 1.0, 0.0)));
        m.put("sparse_forward_ms", median(() -> SparseConvolutionKernel.forward(g, x, w, null, y.reshape(dy.shape()))));
        Runnable inputGradient = () -> Nd4j.gemm(dy2, w2, dx, false, true, 1.0, 0.0);
        m.put("dense_backward_ms", median(() -> {
            Nd4j.gemm(x2, dy2, dw2, true, false, 1.0, 0.0);
            inputGradient.run();
        }));
        m.put("input_gradient_as_convolution_ms", median(inputGradient));
        m.put("sparse_weight_gradient_ms", median(() -> SparseConvolutionKernel.weightGradient(g, x, dy, dw, null)));
        return m;
    }

    /** The layer's input with {@code rate} of its entries non-zero (see {@link Input}). */
    private static INDArray input(Layer layer, ConvolutionGeometry g, double rate) {
        long[] shape = {g.images(), g.height(), g.width(), g.inChannels()};
        if (layer.input() == Input.IMAGE) {
            return Nd4j.randn(DataType.FLOAT, shape);
        }
        if (layer.input() == Input.POOLED_SPIKES) {
            // a pooled value is non-zero when any of 4 spikes is: p = 1 - (1 - q)^4
            double q = 1 - Math.pow(1 - rate, 0.25);
            INDArray sum = Nd4j.create(DataType.FLOAT, shape);
            for (int i = 0; i < 4; i++) {
                sum.addi(Nd4j.rand(DataType.FLOAT, shape).lt(q).castTo(DataType.FLOAT));
            }
            return sum.divi(4);
        }
        INDArray spikes = Nd4j.rand(DataType.FLOAT, shape).lt(rate).castTo(DataType.FLOAT);
        if (layer.input() == Input.RELU) {
            spikes.muli(Nd4j.rand(DataType.FLOAT, shape)); // real values where active
        }
        return spikes;
    }

    private double median(Runnable call) {
        call.run();
        call.run();
        double[] ms = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            long start = System.nanoTime();
            call.run();
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(ms);
        return ms[repeats / 2];
    }

    /**
     * The rate at which sparse time / dense time crosses 1, linear between measured rates; the
     * highest measured rate if sparse is faster at all of them, 0 if at none.
     */
    private Double crossover(double[] ratio) {
        if (ratio[0] >= 1) {
            return 0.0;
        }
        for (int i = 1; i < ratio.length; i++) {
            if (ratio[i] >= 1) {
                double r0 = rates.get(i - 1);
                double r1 = rates.get(i);
                return r0 + (1 - ratio[i - 1]) / (ratio[i] - ratio[i - 1]) * (r1 - r0);
            }
        }
        return rates.get(rates.size() - 1);
    }
}
