package org.spikekd.layer;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Turns images from channels-first [N, C, H, W] (how SpikeKD's data readers and a model's callers
 * hand them over) into channels-last [N, H, W, C], in which the rest of the network computes.
 *
 * <p>Why: libnd4j's oneDNN convolutions run their fast direct kernels only on channels-last data.
 * On channels-first data a 32-to-32-channel 3x3 convolution of a student's [256, 32, 28, 28]
 * spikes took 23-28 ms forward, against 11 ms channels-last; a 1-channel stem 5-12 ms against 1-2
 * (this project's 2-core AVX-512 machine). The model's input stays channels-first, so saved models
 * and their callers see no difference; a [N, 1, H, W] input is the same memory in either order.
 */
public class ChannelsLastLayer extends NoParamLayerConf {

    /** For JSON deserialization. */
    public ChannelsLastLayer() {}

    public ChannelsLastLayer(String name) {
        setLayerName(name);
    }

    @Override
    protected NoParamLayerImpl<?> createLayer(NeuralNetConfiguration conf, DataType dataType) {
        return new Impl(conf, dataType);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeConvolutional)
                || ((InputType.InputTypeConvolutional) inputType).getFormat() != CNN2DFormat.NCHW) {
            throw new IllegalArgumentException("layer " + getLayerName()
                    + " turns channels-first images into channels-last; its input is " + inputType);
        }
        InputType.InputTypeConvolutional in = (InputType.InputTypeConvolutional) inputType;
        return InputType.convolutional(in.getHeight(), in.getWidth(), in.getChannels(), CNN2DFormat.NHWC);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelsLastLayer;
    }

    @Override
    public int hashCode() {
        return ChannelsLastLayer.class.hashCode();
    }

    /** The running layer. */
    public static class Impl extends NoParamLayerImpl<ChannelsLastLayer> {
        public Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        protected INDArray forward(INDArray x, boolean training) {
            if (x.rank() != 4) {
                throw new IllegalArgumentException("expected images [N, C, H, W], got an array of rank " + x.rank());
            }
            return x.permute(0, 2, 3, 1).dup('c');
        }

        @Override
        protected INDArray backward(INDArray gradient) {
            return gradient.permute(0, 3, 1, 2).dup('c');
        }
    }
}
