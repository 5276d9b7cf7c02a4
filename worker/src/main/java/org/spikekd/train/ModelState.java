package org.spikekd.train;

import java.io.Serializable;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Everything training changes in a network, as plain arrays: the parameters (which in DL4J include
 * batch norm's running mean and variance), the optimizer's state (Adam's moments, SGD's momentum)
 * and the iteration count (Adam's bias correction reads it). This is what the driver ships to
 * executors each round and what executors' results are averaged into.
 */
public final class ModelState implements Serializable {
    private static final long serialVersionUID = 1L;

    public final float[] parameters;
    public final float[] updaterState;
    public final int iterationCount;

    public ModelState(float[] parameters, float[] updaterState, int iterationCount) {
        this.parameters = parameters;
        this.updaterState = updaterState;
        this.iterationCount = iterationCount;
    }

    public static ModelState of(ComputationGraph net) {
        INDArray updater = net.getUpdater().getStateViewArray();
        return new ModelState(net.params().toFloatVector(),
                updater == null ? new float[0] : updater.toFloatVector(),
                net.getConfiguration().getIterationCount());
    }

    /** Overwrites the network's parameters, optimizer state and iteration count with this state. */
    public void applyTo(ComputationGraph net) {
        if (net.numParams() != parameters.length) {
            throw new IllegalArgumentException("state has " + parameters.length + " parameters, the network "
                    + net.numParams());
        }
        net.params().assign(Nd4j.createFromArray(parameters));
        INDArray updater = net.getUpdater().getStateViewArray();
        long updaterLength = updater == null ? 0 : updater.length();
        if (updaterLength != updaterState.length) {
            throw new IllegalArgumentException("state has " + updaterState.length + " optimizer values, the network "
                    + updaterLength);
        }
        if (updater != null) {
            updater.assign(Nd4j.createFromArray(updaterState));
        }
        net.getConfiguration().setIterationCount(iterationCount);
    }
}
