package org.spikekd.model;

import org.deeplearning4j.nn.weights.IWeightInit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * PyTorch's default initialization of convolution and linear weights (Kaiming-uniform with
 * a = sqrt(5)): U(-1/sqrt(fan_in), 1/sqrt(fan_in)). Used so that SpikeKD's networks start where the
 * PyTorch reference's do: for a spiking network the initial scale decides how many neurons fire.
 */
public class TorchDefaultInit implements IWeightInit {

    @Override
    public INDArray init(double fanIn, double fanOut, long[] shape, char order, INDArray paramView) {
        double bound = 1.0 / Math.sqrt(fanIn);
        Nd4j.getDistributions().createUniform(-bound, bound).sample(paramView);
        return paramView.reshape(order, shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TorchDefaultInit;
    }

    @Override
    public int hashCode() {
        return TorchDefaultInit.class.hashCode();
    }
}
