package org.spikekd.layer;

import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.batchnorm.BatchNormKernels;
import org.spikekd.batchnorm.ChannelsLastBatchNormKernels;
import org.spikekd.simd.RowMajor;

/**
 * Batch normalization for float data: a training batch's mean and (biased) variance and the backward
 * pass from {@link BatchNormKernels} for NCHW data and {@link ChannelsLastBatchNormKernels} for
 * NHWC, libnd4j's {@code batchnorm} op forward, and libnd4j's {@code moments} and
 * {@code batchnorm_bp} ops for anything else (on NHWC they took about 30 ms of a student's step
 * where the kernels take a few).
 *
 * <p>Sits in the helper slot of DL4J's batch-norm layer (see {@link BatchNorm}), so the layer keeps
 * its own bookkeeping: the running statistics, which it updates from {@link #getMeanCache} and
 * {@link #getVarCache}, the log10-std parameterization, inference with the running statistics.
 * Float only, like DL4J's own oneDNN helper: for other types this helper returns null and the layer
 * runs its built-in code. (In double, libnd4j's generic {@code batchnorm_bp} agrees with finite
 * differences only to about 1e-6 relative, where DL4J's built-in code reaches 1e-7; the
 * finite-difference checks of whole students run in double.)
 */
final class FloatBatchNormHelper implements BatchNormalizationHelper {

    /** The last training batch's per-channel statistics; kept outside workspaces until the backward pass. */
    private INDArray batchMean;
    private INDArray batchVariance;

    @Override
    public boolean checkSupported(double eps, boolean fixedGammaBeta) {
        return !fixedGammaBeta;
    }

    @Override
    public boolean checkSupported() {
        return true;
    }

    private static boolean supports(INDArray x) {
        return x.dataType() == DataType.FLOAT;
    }

    /** The channel axis of {@code x}: 1 for NCHW (and the [N, C, 1, 1] form of dense input), 3 for NHWC. */
    private static int channelAxis(INDArray x, CNN2DFormat format) {
        return x.rank() == 4 && format == CNN2DFormat.NHWC ? 3 : 1;
    }

    @Override
    public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta,
                              INDArray runningMean, INDArray runningVar, double decay, double eps,
                              CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (!supports(x) || gamma == null || beta == null) {
            return null;
        }
        int axis = channelAxis(x, format);
        INDArray mean;
        INDArray variance;
        if (training) {
            measureBatch(x, axis);
            mean = batchMean;
            variance = batchVariance;
        } else {
            mean = runningMean.reshape(runningMean.length()).castTo(x.dataType());
            variance = runningVar.reshape(runningVar.length()).castTo(x.dataType());
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape());
        Nd4j.exec(DynamicCustomOp.builder("batchnorm")
                .addInputs(x, mean, variance, vector(gamma, x), vector(beta, x))
                .addIntegerArguments(1, 1, axis) // apply gamma, apply beta, channel axis
                .addFloatingPointArguments(eps)
                .addOutputs(out)
                .build());
        return out;
    }

    /** The batch's mean and biased variance over every axis but the channel axis. */
    private void measureBatch(INDArray x, int axis) {
        long channels = x.size(axis);
        if (batchMean == null || batchMean.length() != channels || batchMean.dataType() != x.dataType()) {
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                batchMean = Nd4j.createUninitialized(x.dataType(), channels);
                batchVariance = Nd4j.createUninitialized(x.dataType(), channels);
            }
        }
        if (axis == 1 && BatchNormKernels.supports(x)) {
            BatchNormKernels.moments(x, batchMean, batchVariance);
            return;
        }
        if (axis == 3 && ChannelsLastBatchNormKernels.supports(x)) {
            ChannelsLastBatchNormKernels.moments(x, batchMean, batchVariance);
            return;
        }
        int[] reduced = new int[x.rank() - 1];
        for (int d = 0, i = 0; d < x.rank(); d++) {
            if (d != axis) {
                reduced[i++] = d;
            }
        }
        // (ND4J's Moments class passes its axes twice, which the op rejects; hence the plain custom op)
        Nd4j.exec(DynamicCustomOp.builder("moments").addInputs(x).addIntegerArguments(reduced)
                .addOutputs(batchMean, batchVariance).build());
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
                                                     INDArray beta, INDArray dGammaView, INDArray dBetaView,
                                                     double eps, CNN2DFormat format,
                                                     LayerWorkspaceMgr workspaceMgr) {
        if (!supports(input) || gamma == null || beta == null || dGammaView == null || batchMean == null) {
            return null;
        }
        epsilon = RowMajor.of(epsilon);
        INDArray delta = epsilon.dataType() == input.dataType() ? epsilon : epsilon.castTo(input.dataType());
        INDArray inputGradient = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(),
                input.shape());
        if (channelAxis(input, format) == 1 && BatchNormKernels.supports(input, delta, inputGradient)) {
            BatchNormKernels.backward(input, batchMean, batchVariance, gamma, delta, eps, inputGradient,
                    dGammaView, dBetaView);
            return gradients(dGammaView, dBetaView, inputGradient);
        }
        if (channelAxis(input, format) == 3 && ChannelsLastBatchNormKernels.supports(input, delta, inputGradient)) {
            ChannelsLastBatchNormKernels.backward(input, batchMean, batchVariance, gamma, delta, eps, inputGradient,
                    dGammaView, dBetaView);
            return gradients(dGammaView, dBetaView, inputGradient);
        }
        INDArray meanGradient = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, input.dataType(),
                batchMean.shape());
        INDArray varianceGradient = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, input.dataType(),
                batchMean.shape());
        Nd4j.exec(DynamicCustomOp.builder("batchnorm_bp")
                .addInputs(input, batchMean, batchVariance, vector(gamma, input), vector(beta, input), delta)
                .addIntegerArguments(1, 1, channelAxis(input, format))
                .addFloatingPointArguments(eps)
                .addOutputs(inputGradient, meanGradient, varianceGradient,
                        dGammaView.reshape(dGammaView.length()), dBetaView.reshape(dBetaView.length()))
                .build());
        return gradients(dGammaView, dBetaView, inputGradient);
    }

    private static Pair<Gradient, INDArray> gradients(INDArray dGamma, INDArray dBeta, INDArray inputGradient) {
        Gradient gradient = new DefaultGradient();
        gradient.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGamma);
        gradient.setGradientFor(BatchNormalizationParamInitializer.BETA, dBeta);
        return new Pair<>(gradient, inputGradient);
    }

    /** A per-channel parameter as the rank-1 array the ops expect, in {@code like}'s type. */
    private static INDArray vector(INDArray parameter, INDArray like) {
        INDArray v = parameter.rank() == 1 ? parameter : parameter.reshape(parameter.length());
        return v.dataType() == like.dataType() ? v : v.castTo(like.dataType());
    }

    @Override
    public INDArray getMeanCache(DataType dataType) {
        return batchMean;
    }

    @Override
    public INDArray getVarCache(DataType dataType) {
        return batchVariance;
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return Map.of();
    }
}
