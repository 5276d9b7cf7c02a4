package org.spikekd.neuron;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The one parameter of a parametric LIF layer, "w" (leak sigmoid(w)), for DL4J: its place in the
 * network's flat parameter and gradient arrays, and its initial value -ln(tau - 1) from the layer's
 * {@code tau}. It is neither a weight nor a bias to DL4J, so no weight decay applies to it.
 */
final class LeakParameter implements ParamInitializer {
    static final String KEY = "w";
    static final LeakParameter INSTANCE = new LeakParameter();

    private LeakParameter() {}

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        return 1;
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return List.of(KEY);
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return List.of();
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return List.of();
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return false;
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return false;
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        INDArray w = paramsView.reshape(1, 1);
        if (initializeParams) {
            w.assign(ParametricLifNeuron.parameterFor(((SpikingLayer) conf.getLayer()).getTau()));
        }
        return Map.of(KEY, w);
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return Map.of(KEY, gradientView.reshape(1, 1));
    }
}
