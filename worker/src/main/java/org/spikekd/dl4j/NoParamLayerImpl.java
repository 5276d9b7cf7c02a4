package org.spikekd.dl4j;

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
import org.nd4j.linalg.factory.Nd4j;

/**
 * A parameter-free layer written as a plain forward and backward function.
 *
 * <p>{@link #forward} and {@link #backward} run outside DL4J's workspaces, so whatever a layer keeps
 * from its forward pass for its backward pass stays valid however DL4J recycles its workspaces in
 * between; only the results are copied into the workspace DL4J expects them in.
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
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            out = forward(input, training);
        }
        return workspaceMgr.dup(ArrayType.ACTIVATIONS, out);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        INDArray inputGradient;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            inputGradient = backward(epsilon);
        }
        return new Pair<>(new DefaultGradient(), workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, inputGradient));
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
