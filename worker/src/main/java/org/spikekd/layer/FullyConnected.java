package org.spikekd.layer;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's dense layer, with a backward pass that does not run the forward pass again.
 *
 * <p>DL4J 1.0.0-M2's dense layer, like its convolution (see {@link Convolution}), recomputes x W + b
 * at the start of every backward pass to apply its activation's derivative; SpikeKD's dense layers
 * have none (batch norm and the neurons follow), so that product is waste: for the student's
 * 3136 -> 256 layer at T x N = 256, about 3 ms of a 6 ms backward pass. The input gradient is
 * dy W^T straight into a row-major array (DL4J: (W dy^T)^T into a column-major one; medians 1.6
 * against 2.5 ms for that layer, and the next layer down reads row-major). This layer is the same configuration (same parameters,
 * shapes and JSON fields, {@code instanceof DenseLayer}, its runtime layer {@code instanceof} DL4J's);
 * with any other activation, a mask, dropout or layer norm it runs DL4J's own backward pass.
 */
public class FullyConnected extends DenseLayer {

    /** For JSON deserialization. */
    public FullyConnected() {}

    /** The layer {@code builder} describes, with the single-pass backward. */
    public static FullyConnected of(DenseLayer.Builder builder) {
        // DenseLayer's constructor from a builder is private: build, then copy every setting
        DenseLayer built = builder.build();
        FullyConnected f = new FullyConnected();
        f.setLayerName(built.getLayerName());
        f.setIDropout(built.getIDropout());
        f.setConstraints(built.getConstraints());
        f.setActivationFn(built.getActivationFn());
        f.setWeightInitFn(built.getWeightInitFn());
        f.setBiasInit(built.getBiasInit());
        f.setGainInit(built.getGainInit());
        f.setRegularization(built.getRegularization());
        f.setRegularizationBias(built.getRegularizationBias());
        f.setIUpdater(built.getIUpdater());
        f.setBiasUpdater(built.getBiasUpdater());
        f.setWeightNoise(built.getWeightNoise());
        f.setGradientNormalization(built.getGradientNormalization());
        f.setGradientNormalizationThreshold(built.getGradientNormalizationThreshold());
        f.setNIn(built.getNIn());
        f.setNOut(built.getNOut());
        f.setTimeDistributedFormat(built.getTimeDistributedFormat());
        f.setHasBias(built.hasBias());
        f.setHasLayerNorm(built.hasLayerNorm());
        return f;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(new Impl(conf, networkDataType), conf, listeners, layerIndex, layerParamsView,
                initializeParams, initializer());
    }

    /** Runs a {@link FullyConnected}. */
    public static class Impl extends org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer {
        public Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
            DenseLayer c = layerConf();
            if (!(c.getActivationFn() instanceof ActivationIdentity) || maskArray != null || c.getIDropout() != null
                    || hasLayerNorm()) {
                return super.backpropGradient(epsilon, workspaceMgr);
            }
            assertInputSet(true);
            INDArray delta = epsilon.dataType() == dataType ? epsilon : epsilon.castTo(dataType);
            INDArray weights = getParamWithNoise(DefaultParamInitializer.WEIGHT_KEY, true, workspaceMgr);
            INDArray weightGradient = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
            Gradient gradient = new DefaultGradient();
            if (hasBias()) {
                INDArray biasGradient = gradientViews.get(DefaultParamInitializer.BIAS_KEY);
                delta.sum(biasGradient, 0);
                gradient.gradientForVariable().put(DefaultParamInitializer.BIAS_KEY, biasGradient);
            }
            // dL/dW = x^T dy, into the gradient view (column-major, as DL4J keeps parameters)
            Nd4j.gemm(input.castTo(weightGradient.dataType()), delta, weightGradient, true, false, 1.0, 0.0);
            gradient.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, weightGradient);
            // dL/dx = dy W^T, row-major
            INDArray inputGradient = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, delta.dataType(),
                    new long[] {delta.size(0), weights.size(0)}, 'c');
            Nd4j.gemm(delta, weights, inputGradient, false, true, 1.0, 0.0);
            weightNoiseParams.clear();
            return new Pair<>(gradient, backpropDropOutIfPresent(inputGradient));
        }
    }
}
