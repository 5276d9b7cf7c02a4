package org.spikekd.layer;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A parameter-free layer written as a plain forward and backward function.
 *
 * <p>{@link #forward} runs inside DL4J's activations workspace and {@link #backward} inside its
 * activation-gradients workspace. During training the activations workspace stays open from the
 * forward pass until the backward pass is done, so whatever a layer keeps from its forward pass
 * for its backward pass (a spiking layer's membrane trace) stays valid; both workspaces are reset
 * every iteration, so the temporaries of the time loops are reclaimed at once instead of piling up
 * off-heap until the garbage collector happens to run (which, with a large heap, it rarely does).
 * The arrays returned are handed to DL4J without a copy; DL4J's layers do not write into their
 * inputs, so a layer may keep what it returned (the spikes) for its own backward pass.
 */
public abstract class NoParamLayerImpl<C extends NoParamLayerConf>
        extends AbstractLayer<C> {

    protected NoParamLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** The layer's output for {@code input}; keeps what {@link #backward} needs when training. */
    protected abstract INDArray forward(INDArray input, boolean training);

    /** dL/d input from dL/d output, using what the last training forward pass kept. */
    protected abstract INDArray backward(INDArray outputGradient);

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        INDArray out;
        try (MemoryWorkspace ignored = workspaceMgr.notifyScopeBorrowed(ArrayType.ACTIVATIONS)) {
            out = forward(input, training);
        }
        return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, apartFrom(input, out));
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        INDArray inputGradient;
        try (MemoryWorkspace ignored = workspaceMgr.notifyScopeBorrowed(ArrayType.ACTIVATION_GRAD)) {
            inputGradient = backward(epsilon);
        }
        return new Pair<>(new DefaultGradient(),
                workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, apartFrom(epsilon, inputGradient)));
    }

    /**
     * {@code result}, or a copy of it if it shares memory with {@code argument}. What forward and
     * backward create inside the borrowed workspace is already where DL4J wants it, so it is handed
     * over as is (leverageTo copies only arrays from elsewhere): a copy of every output and gradient
     * had been a tenth of a student's step.
     */
    private static INDArray apartFrom(INDArray argument, INDArray result) {
        return result == argument || result.data() == argument.data() ? result.dup() : result;
    }

    @Override
    public double calcRegularizationScore(boolean backpropParamsOnly) {
        return 0;
    }

    @Override
    public Type type() {
        return Type.FEED_FORWARD;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public void clearNoiseWeightParams() {
        // no parameters, no weight noise
    }

    @Override
    public INDArray params() {
        return null;
    }
}
