package org.spikekd.encoding;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.spikekd.layer.NoParamLayerConf;
import org.spikekd.layer.NoParamLayerImpl;
import org.spikekd.timefold.TimeFold;
import org.spikekd.timefold.TimeStepped;

/**
 * Direct encoding: the analog (normalized) image is the input at every one of the T steps, so the
 * first convolution sees the same image T times and the first spiking layer does the encoding.
 * [N, ...] to time-folded [T*N, ...].
 */
public class DirectEncodingLayer extends NoParamLayerConf implements TimeStepped {
    private int timeSteps = 4;

    public DirectEncodingLayer() {}

    public DirectEncodingLayer(int timeSteps, String name) {
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
        return o instanceof DirectEncodingLayer && ((DirectEncodingLayer) o).timeSteps == timeSteps
                && java.util.Objects.equals(((DirectEncodingLayer) o).layerName, layerName);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(timeSteps, layerName);
    }

    /** The running layer. */
    public static class Impl extends NoParamLayerImpl<DirectEncodingLayer> {
        public Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        protected INDArray forward(INDArray x, boolean training) {
            return TimeFold.repeat(x, layerConf().getTimeSteps());
        }

        @Override
        protected INDArray backward(INDArray gradient) {
            return TimeFold.sumOverTime(gradient, layerConf().getTimeSteps());
        }
    }
}
