package org.spikekd.timefold;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.spikekd.layer.NoParamLayerConf;
import org.spikekd.layer.NoParamLayerImpl;

/**
 * Unfolds time by averaging over the T steps: [T*N, ...] to [N, ...]. On output currents this is
 * the SNN's prediction (the mean of its per-step outputs); on spikes it is the firing-rate map that
 * feature distillation matches to the teacher's features.
 */
public class TimeAverageLayer extends NoParamLayerConf implements TimeStepped {
    private int timeSteps = 4;

    public TimeAverageLayer() {}

    public TimeAverageLayer(int timeSteps, String name) {
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
        return o instanceof TimeAverageLayer && ((TimeAverageLayer) o).timeSteps == timeSteps
                && java.util.Objects.equals(((TimeAverageLayer) o).layerName, layerName);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(timeSteps, layerName);
    }

    /** The running layer. */
    public static class Impl extends NoParamLayerImpl<TimeAverageLayer> {
        public Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        protected INDArray forward(INDArray folded, boolean training) {
            return TimeFold.meanOverTime(folded, layerConf().getTimeSteps());
        }

        @Override
        protected INDArray backward(INDArray gradient) {
            int t = layerConf().getTimeSteps();
            return TimeFold.repeat(gradient, t).divi(t);
        }
    }
}
