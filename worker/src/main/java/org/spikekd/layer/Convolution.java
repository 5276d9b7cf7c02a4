package org.spikekd.layer;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.simd.RowMajor;
import org.spikekd.simd.VectorApi;
import org.spikekd.sparse.ConvolutionGeometry;
import org.spikekd.sparse.PathChoice;
import org.spikekd.sparse.SparseConvolutionKernel;

/**
 * DL4J's 2-D convolution, with a backward pass that does not run the forward pass again, and a
 * forward pass that does not copy a channels-last input.
 *
 * <p>DL4J 1.0.0-M2's convolution layer recomputes its pre-activation output at the start of every
 * backward pass, to apply its activation's derivative. SpikeKD's convolutions have no activation of
 * their own (batch norm and the neurons follow), so that second forward convolution is pure waste:
 * a fifth of a spiking student's training step. This layer is the same configuration (same
 * parameters, shapes and JSON fields, {@code instanceof ConvolutionLayer}); only when its activation
 * is the identity does the backward pass go straight to libnd4j's
 * {@code conv2d_bp} (oneDNN where available), with the incoming gradient as the output's.
 */
public class Convolution extends ConvolutionLayer {

    /** For JSON deserialization. */
    protected Convolution() {}

    public Convolution(ConvolutionLayer.Builder builder) {
        super(builder);
    }

    /** The layer {@code builder} describes, with the single-pass backward. */
    public static Convolution of(ConvolutionLayer.Builder builder) {
        return new Convolution(builder);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(new Impl(conf, networkDataType), conf, listeners, layerIndex, layerParamsView,
                initializeParams, initializer());
    }

    /** Runs a {@link Convolution}. */
    public static class Impl extends org.deeplearning4j.nn.layers.convolution.ConvolutionLayer {
        /** Forward: libnd4j's conv2d, or the sparse gather over active inputs. */
        private PathChoice forwardPath = new PathChoice(PathChoice.Mode.configured());
        /** Backward: libnd4j's conv2d_bp, or the input gradient as a convolution plus the sparse weight gradient. */
        private PathChoice backwardPath = new PathChoice(PathChoice.Mode.configured());

        public Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        /** Fixes (or frees, with AUTO) this layer's paths from now on, whatever -Dspikekd.convolution says. */
        public void choosePaths(PathChoice.Mode mode) {
            forwardPath = new PathChoice(mode);
            backwardPath = new PathChoice(mode);
        }

        /** How this layer's forward pass has been computing: calls, sparse calls, timings, firing rate. */
        public PathChoice forwardPath() {
            return forwardPath;
        }

        /** Likewise for the backward pass. */
        public PathChoice backwardPath() {
            return backwardPath;
        }

        /** The sparse kernels take float, channels-last data, and need the Vector API. */
        private boolean sparseCapable(INDArray in) {
            return VectorApi.AVAILABLE && dataType == DataType.FLOAT && in.dataType() == DataType.FLOAT
                    && layerConf().getCnn2dDataFormat() == CNN2DFormat.NHWC
                    && layerConf().getConvolutionMode() != ConvolutionMode.Causal;
        }

        /** The convolution from channels-last {@code in} to {@code out}. */
        private static ConvolutionGeometry geometry(ConvolutionLayer c, INDArray in, INDArray out) {
            int[] kernel = c.getKernelSize();
            int[] strides = c.getStride();
            int[] dilation = c.getDilation();
            int[] pad = c.getPadding();
            if (c.getConvolutionMode() == ConvolutionMode.Same) {
                pad = ConvolutionUtils.getSameModeTopLeftPadding(new int[] {(int) out.size(1), (int) out.size(2)},
                        new int[] {(int) in.size(1), (int) in.size(2)}, kernel, strides, dilation);
            }
            return new ConvolutionGeometry((int) in.size(0), (int) in.size(1), (int) in.size(2), (int) in.size(3),
                    kernel[0], kernel[1], strides[0], strides[1], dilation[0], dilation[1], pad[0], pad[1],
                    (int) out.size(1), (int) out.size(2), (int) out.size(3));
        }

        /**
         * The convolution straight from libnd4j's {@code conv2d} op (oneDNN where available), in
         * the layer's own layout. DL4J's version first copies a channels-last input into
         * channels-first, a pass over the input that its own oneDNN path then does not use. Its
         * backward pass of a layer with an activation (which asks {@code forBackprop}) stays as is.
         */
        @Override
        protected Pair<INDArray, INDArray> preOutput(boolean training, boolean forBackprop,
                                                     LayerWorkspaceMgr workspaceMgr) {
            if (forBackprop) {
                return super.preOutput(training, true, workspaceMgr);
            }
            assertInputSet(false);
            validateInputRank();
            ConvolutionLayer c = layerConf();
            INDArray in = input.dataType() == dataType ? input : input.castTo(dataType);
            INDArray weights = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, training, workspaceMgr);
            validateInputDepth(weights.size(1));
            boolean channelsLast = c.getCnn2dDataFormat() == CNN2DFormat.NHWC;
            int[] outSize = ConvolutionUtils.getOutputSize(in, c.getKernelSize(), c.getStride(), c.getPadding(),
                    c.getConvolutionMode(), c.getDilation(), c.getCnn2dDataFormat());
            long n = in.size(0);
            long[] shape = channelsLast ? new long[] {n, outSize[0], outSize[1], weights.size(0)}
                    : new long[] {n, weights.size(0), outSize[0], outSize[1]};
            INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, shape, 'c');
            INDArray bias = c.hasBias() ? getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, training, workspaceMgr)
                    : null;
            ConvolutionGeometry g = sparseCapable(in) ? geometry(c, in, out) : null;
            // inference takes one fixed path (dense unless sparse is forced), so that an evaluation
            // gives the same figures wherever and whenever it runs; training chooses by timing
            boolean timed = g != null && training;
            boolean sparse = timed ? forwardPath.sparse() : g != null && forwardPath.mode() == PathChoice.Mode.SPARSE;
            if (sparse) {
                long start = System.nanoTime();
                double rate = SparseConvolutionKernel.forward(g, RowMajor.of(in), RowMajor.of(weights), bias, out);
                if (timed) {
                    forwardPath.took(true, System.nanoTime() - start, rate);
                }
                return new Pair<>(out, null);
            }
            long start = System.nanoTime();
            DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder("conv2d")
                    .addIntegerArguments(arguments(c, in, out, channelsLast));
            if (bias != null) {
                op.addInputs(in, weights, bias.reshape(bias.length()));
            } else {
                op.addInputs(in, weights);
            }
            Nd4j.exec(op.addOutputs(out).build());
            if (timed) {
                forwardPath.took(false, System.nanoTime() - start, Double.NaN);
            }
            return new Pair<>(out, null);
        }

        /**
         * libnd4j's integer arguments for {@code conv2d} and {@code conv2d_bp}: kH, kW, sH, sW, pH,
         * pW, dH, dW, same mode, NCHW (0) or NHWC (1), weights as [oC, iC, kH, kW] (1).
         */
        private static int[] arguments(ConvolutionLayer c, INDArray in, INDArray out, boolean channelsLast) {
            int[] kernel = c.getKernelSize();
            int[] strides = c.getStride();
            int[] dilation = c.getDilation();
            int[] pad = c.getPadding();
            boolean same = c.getConvolutionMode() == ConvolutionMode.Same;
            if (same) {
                int h = channelsLast ? 1 : 2;
                pad = ConvolutionUtils.getSameModeTopLeftPadding(new int[] {(int) out.size(h), (int) out.size(h + 1)},
                        new int[] {(int) in.size(h), (int) in.size(h + 1)}, kernel, strides, dilation);
            }
            return new int[] {kernel[0], kernel[1], strides[0], strides[1], pad[0], pad[1], dilation[0],
                    dilation[1], same ? 1 : 0, channelsLast ? 1 : 0, 1};
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
            ConvolutionLayer c = layerConf();
            if (!(c.getActivationFn() instanceof ActivationIdentity)) {
                return super.backpropGradient(epsilon, workspaceMgr);
            }
            boolean channelsLast = c.getCnn2dDataFormat() == CNN2DFormat.NHWC;
            assertInputSet(true);
            INDArray in = input.dataType() == dataType ? input : input.castTo(dataType);
            INDArray weights = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, true, workspaceMgr);
            INDArray delta = epsilon.dataType() == dataType ? epsilon : epsilon.castTo(dataType);
            INDArray inputGradient = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, in.shape(), 'c');
            INDArray weightGradient = gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
            INDArray biasGradient = c.hasBias() ? gradientViews.get(ConvolutionParamInitializer.BIAS_KEY) : null;
            ConvolutionGeometry g = sparseCapable(in) ? geometry(c, in, delta) : null;
            if (g != null && g.inputGradientIsConvolution() && backwardPath.sparse()) {
                // the input gradient as a forward convolution (oneDNN's fast kernels), the weight
                // gradient from the active inputs only
                long start = System.nanoTime();
                INDArray d = RowMajor.of(delta);
                DenseConvolution.inputGradient(g, weights, d, inputGradient);
                double rate = SparseConvolutionKernel.weightGradient(g, RowMajor.of(in), d, weightGradient, biasGradient);
                backwardPath.took(true, System.nanoTime() - start, rate);
            } else {
                long start = System.nanoTime();
                DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder("conv2d_bp")
                        .addIntegerArguments(arguments(c, in, delta, channelsLast));
                if (biasGradient != null) {
                    INDArray bias = getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, true, workspaceMgr);
                    op.addInputs(in, weights, bias.reshape(bias.length()), delta)
                            .addOutputs(inputGradient, weightGradient, biasGradient.reshape(biasGradient.length()));
                } else {
                    op.addInputs(in, weights, delta).addOutputs(inputGradient, weightGradient);
                }
                Nd4j.exec(op.build());
                if (g != null && g.inputGradientIsConvolution()) {
                    backwardPath.took(false, System.nanoTime() - start, Double.NaN);
                }
            }

            Gradient gradient = new DefaultGradient();
            if (biasGradient != null) {
                gradient.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, biasGradient);
            }
            gradient.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, weightGradient, 'c');
            weightNoiseParams.clear();
            return new Pair<>(gradient, backpropDropOutIfPresent(inputGradient));
        }
    }
}
