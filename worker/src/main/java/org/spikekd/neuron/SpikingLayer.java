package org.spikekd.neuron;

import java.util.Objects;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.params.EmptyParamInitializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.nd4j.shade.jackson.annotation.JsonInclude;
import org.spikekd.layer.NoParamLayerConf;
import org.spikekd.layer.NoParamLayerImpl;
import org.spikekd.surrogate.Surrogates;
import org.spikekd.timefold.TimeStepped;

/**
 * DL4J layer configuration of a population of spiking neurons: the activation of a spiking network.
 * Takes time-folded input currents [T*N, ...] (typically batch-normalized convolution outputs) and
 * gives spikes of the same shape. The field names are part of the saved-model format.
 *
 * <p>A parametric LIF layer ({@code neuron = "plif"}) has one parameter, "w" (its leak is
 * sigmoid(w); {@code tau} is then the initial time constant), trained with the {@link #getUpdater
 * updater} the network gives it: DL4J hands its global updater only to its own layers with
 * weights, so the network builder sets it here.
 */
public class SpikingLayer extends NoParamLayerConf implements TimeStepped {
    /** "lif", "plif" or "if". */
    private String neuron = "lif";
    private double tau = 2.0;
    private boolean decayInput = false;
    private double vThreshold = 1.0;
    /** "hard" or "soft". */
    private String reset = "hard";
    private double vReset = 0.0;
    private boolean detachReset = false;
    private String surrogate = "sigmoid";
    private double surrogateAlpha = 4.0;
    private int timeSteps = 4;
    /**
     * Fire through the surrogate's primitive instead of the step, so that finite differences see
     * the gradient backpropagation computes: for gradient checks only, and never saved (a model
     * written with it would not be a spiking network).
     */
    @JsonIgnore
    private boolean smoothForward = false;
    /** The updater of a PLIF layer's parameter; null (and not written) for the others. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    private IUpdater updater;

    public SpikingLayer() {}

    /** Builds the neuron this configuration describes, checking every setting; a PLIF at its initial tau. */
    public SpikingNeuron createNeuron() {
        return createNeuron(neuron.equals("plif") ? ParametricLifNeuron.parameterFor(tau) : Double.NaN);
    }

    /** Builds the neuron, a PLIF with the learned parameter {@code w} (ignored by the others). */
    public SpikingNeuron createNeuron(double w) {
        SpikingNeuron.Reset resetMode;
        switch (reset) {
            case "hard": resetMode = SpikingNeuron.Reset.HARD; break;
            case "soft": resetMode = SpikingNeuron.Reset.SOFT; break;
            default: throw new IllegalArgumentException("neuron reset must be 'hard' or 'soft', got '" + reset + "'");
        }
        var surrogateFunction = Surrogates.byName(surrogate, surrogateAlpha);
        switch (neuron) {
            case "lif":
                return new LifNeuron(tau, decayInput, vThreshold, resetMode, vReset, detachReset,
                        surrogateFunction, smoothForward);
            case "plif":
                return new ParametricLifNeuron(w, decayInput, vThreshold, resetMode, vReset, detachReset,
                        surrogateFunction, smoothForward);
            case "if":
                return new IfNeuron(vThreshold, resetMode, vReset, detachReset, surrogateFunction,
                        smoothForward);
            default:
                throw new IllegalArgumentException("neuron type must be 'lif', 'plif' or 'if', got '" + neuron + "'");
        }
    }

    /** Whether the layer learns its leak (PLIF), and so has a parameter. */
    @JsonIgnore
    public boolean isParametric() {
        return neuron.equals("plif");
    }

    @Override
    public ParamInitializer initializer() {
        return isParametric() ? LeakParameter.INSTANCE : EmptyParamInitializer.getInstance();
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }

    /** No weight decay on a PLIF layer's parameter (it is neither a weight nor a bias). */
    @Override
    public java.util.List<org.nd4j.linalg.learning.regularization.Regularization> getRegularizationByParam(String p) {
        return java.util.List.of();
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        if (updater == null) {
            throw new IllegalStateException("PLIF layer " + getLayerName() + " has no updater for its parameter "
                    + paramName + " (SpikingLayer.setUpdater)");
        }
        return updater;
    }

    @Override
    protected NoParamLayerImpl<?> createLayer(NeuralNetConfiguration conf, DataType dataType) {
        return new SpikingLayerImpl(conf, dataType);
    }

    public String getNeuron() { return neuron; }
    public SpikingLayer setNeuron(String neuron) { this.neuron = neuron; return this; }
    public double getTau() { return tau; }
    public SpikingLayer setTau(double tau) { this.tau = tau; return this; }
    public boolean isDecayInput() { return decayInput; }
    public SpikingLayer setDecayInput(boolean decayInput) { this.decayInput = decayInput; return this; }
    public double getVThreshold() { return vThreshold; }
    public SpikingLayer setVThreshold(double vThreshold) { this.vThreshold = vThreshold; return this; }
    public String getReset() { return reset; }
    public SpikingLayer setReset(String reset) { this.reset = reset; return this; }
    public double getVReset() { return vReset; }
    public SpikingLayer setVReset(double vReset) { this.vReset = vReset; return this; }
    public boolean isDetachReset() { return detachReset; }
    public SpikingLayer setDetachReset(boolean detachReset) { this.detachReset = detachReset; return this; }
    public String getSurrogate() { return surrogate; }
    public SpikingLayer setSurrogate(String surrogate) { this.surrogate = surrogate; return this; }
    public double getSurrogateAlpha() { return surrogateAlpha; }
    public SpikingLayer setSurrogateAlpha(double alpha) { this.surrogateAlpha = alpha; return this; }
    public IUpdater getUpdater() { return updater; }
    public SpikingLayer setUpdater(IUpdater updater) { this.updater = updater; return this; }
    public int getTimeSteps() { return timeSteps; }
    public SpikingLayer setTimeSteps(int timeSteps) { this.timeSteps = timeSteps; return this; }

    @Override
    public void retime(int timeSteps) { this.timeSteps = timeSteps; }
    @JsonIgnore
    public boolean isSmoothForward() { return smoothForward; }
    @JsonIgnore
    public SpikingLayer setSmoothForward(boolean smoothForward) { this.smoothForward = smoothForward; return this; }

    @Override
    public SpikingLayer clone() {
        SpikingLayer copy = (SpikingLayer) super.clone();
        copy.updater = updater == null ? null : updater.clone();
        return copy;
    }

    public SpikingLayer name(String name) {
        setLayerName(name);
        return this;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof SpikingLayer)) return false;
        SpikingLayer that = (SpikingLayer) o;
        return Double.compare(tau, that.tau) == 0 && decayInput == that.decayInput
                && Double.compare(vThreshold, that.vThreshold) == 0 && reset.equals(that.reset)
                && Double.compare(vReset, that.vReset) == 0 && detachReset == that.detachReset
                && Double.compare(surrogateAlpha, that.surrogateAlpha) == 0
                && timeSteps == that.timeSteps && smoothForward == that.smoothForward
                && neuron.equals(that.neuron) && surrogate.equals(that.surrogate)
                && Objects.equals(updater, that.updater) && Objects.equals(layerName, that.layerName);
    }

    @Override
    public int hashCode() {
        return Objects.hash(neuron, tau, decayInput, vThreshold, reset, vReset, detachReset,
                surrogate, surrogateAlpha, timeSteps, smoothForward, updater, layerName);
    }
}
