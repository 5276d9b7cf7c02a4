package org.spikekd.model;

import java.util.Arrays;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.layer.NoParamLayerConf;
import org.spikekd.layer.NoParamLayerImpl;

/**
 * Per-channel standardization of images in [0, 1], (x - mean[c]) / std[c], as the model's first
 * layer: a saved model then carries its own normalization, and a teacher and a student that
 * normalize differently can read the same minibatches.
 */
public class InputNormalizationLayer extends NoParamLayerConf {
    private double[] mean = {0.0};
    private double[] std = {1.0};

    public InputNormalizationLayer() {}

    public InputNormalizationLayer(double[] mean, double[] std, String name) {
        if (mean.length != std.length || mean.length == 0) {
            throw new IllegalArgumentException("normalization needs one mean and one std per channel");
        }
        for (double s : std) {
            if (!(s > 0) || Double.isInfinite(s)) {
                throw new IllegalArgumentException("normalization std must be > 0, got " + Arrays.toString(std));
            }
        }
        this.mean = mean.clone();
        this.std = std.clone();
        setLayerName(name);
    }

    public double[] getMean() { return mean.clone(); }

    public double[] getStd() { return std.clone(); }

    @Override
    protected NoParamLayerImpl<?> createLayer(NeuralNetConfiguration conf, DataType dataType) {
        return new Impl(conf, dataType);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InputNormalizationLayer && Arrays.equals(((InputNormalizationLayer) o).mean, mean)
                && Arrays.equals(((InputNormalizationLayer) o).std, std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    /** The running layer. */
    public static class Impl extends NoParamLayerImpl<InputNormalizationLayer> {
        public Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        private INDArray perChannel(double[] values, INDArray like) {
            if (like.rank() != 4 || like.size(1) != values.length) {
                throw new IllegalArgumentException("input of shape " + Arrays.toString(like.shape())
                        + " does not have the " + values.length + " channels this model was built for");
            }
            return Nd4j.createFromArray(values).castTo(like.dataType()).reshape(1, values.length, 1, 1);
        }

        @Override
        protected INDArray forward(INDArray x, boolean training) {
            InputNormalizationLayer c = layerConf();
            return x.sub(perChannel(c.mean, x)).divi(perChannel(c.std, x));
        }

        @Override
        protected INDArray backward(INDArray gradient) {
            return gradient.div(perChannel(layerConf().std, gradient));
        }
    }
}
