package org.spikekd.encoding;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.spikekd.layer.NoParamLayerConf;
import org.spikekd.layer.NoParamLayerImpl;
import org.spikekd.neuron.FiringRateMeter;
import org.spikekd.neuron.SpikeSource;
import org.spikekd.timefold.TimeFold;
import org.spikekd.timefold.TimeStepped;

/**
 * Poisson rate coding: at every step each pixel spikes with probability equal to its intensity,
 * so the input must be intensities in [0, 1] (a student under Poisson coding has no normalization
 * layer); values outside are clipped.
 * [N, ...] to time-folded spikes [T*N, ...]. The encoding is random and has no gradient: it must
 * be the first layer. Random numbers come from ND4J's generator, which the trainer seeds.
 */
public class PoissonEncodingLayer extends NoParamLayerConf implements TimeStepped {
    private int timeSteps = 4;

    public PoissonEncodingLayer() {}

    public PoissonEncodingLayer(int timeSteps, String name) {
        this.timeSteps = timeSteps;
        setLayerName(name);
    }

    public int getTimeSteps() { return timeSteps; }

    public void setTimeSteps(int timeSteps) { this.timeSteps = timeSteps; }

    @Override
    public void retime(int timeSteps) { this.timeSteps = timeSteps; }

    @Override
    protected NoParamLayerImpl<?> createLayer(NeuralNetConfiguration conf, DataType dataType) {
        return new Impl(conf, dataType);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PoissonEncodingLayer && ((PoissonEncodingLayer) o).timeSteps == timeSteps
                && java.util.Objects.equals(((PoissonEncodingLayer) o).layerName, layerName);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(timeSteps, layerName);
    }

    /** The running layer. */
    public static class Impl extends NoParamLayerImpl<PoissonEncodingLayer> implements SpikeSource {
        private final FiringRateMeter firingRate = new FiringRateMeter();

        public Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        /** Input spikes per pixel per step, for the energy estimate. */
        @Override
        public FiringRateMeter firingRate() {
            return firingRate;
        }

        @Override
        protected INDArray forward(INDArray intensity, boolean training) {
            INDArray rates = Transforms.min(Transforms.max(intensity, 0.0, true), 1.0, false);
            INDArray repeated = TimeFold.repeat(rates, layerConf().getTimeSteps());
            INDArray uniform = SpikeRandom.uniform(repeated.dataType(), repeated.shape());
            INDArray spikes = uniform.lt(repeated).castTo(repeated.dataType());
            firingRate.record(spikes);
            return spikes;
        }

        @Override
        protected INDArray backward(INDArray gradient) {
            // sampling has no gradient; the encoder is the first layer, so nothing upstream needs one
            return Nd4j.zeros(gradient.dataType(), input.shape());
        }
    }
}
