package org.spikekd.nir;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** A DL4J convolution (batch norm folded in) as NIR's Conv2d, with DL4J's padding made symmetric. */
final class Conv2dNode {
    private Conv2dNode() {}

    static NirNode of(ConvolutionLayer conf, org.deeplearning4j.nn.api.Layer layer, InputType before) {
        long[] chw = NirExport.shape(before);
        INDArray w = layer.getParam("W").castTo(DataType.FLOAT); // [out, in, kH, kW]
        int[] k = conf.getKernelSize();
        int[] s = conf.getStride();
        int[] d = conf.getDilation();
        long[] extra = new long[2];
        long[] padding = new long[2];
        for (int axis = 0; axis < 2; axis++) {
            long[] pads = padding(conf.getConvolutionMode(), chw[1 + axis], k[axis], s[axis], d[axis],
                    conf.getPadding()[axis]);
            if (pads[1] == pads[0] + 1 && d[axis] == 1) {
                // one more at the end: a kernel one larger with a zero first tap, padded by the larger amount
                extra[axis] = 1;
                padding[axis] = pads[1];
            } else if (pads[1] == pads[0]) {
                padding[axis] = pads[0];
            } else {
                throw NirExport.refused(conf.getLayerName(), "a convolution padded " + pads[0] + " before and "
                        + pads[1] + " after, which NIR's symmetric padding cannot express");
            }
        }
        if (extra[0] != 0 || extra[1] != 0) {
            w = embedKernel(w, extra[0], extra[1]);
        }
        return new NirNode("Conv2d").field("input_shape", new long[] {chw[1], chw[2]})
                .field("weight", NirExport.tensor(w))
                .field("stride", new long[] {s[0], s[1]}).field("padding", padding)
                .field("dilation", new long[] {d[0], d[1]}).field("groups", 1)
                .field("bias", NirExport.bias(layer, w.size(0)));
    }

    /** {@code w} [out, in, kH, kW] inside a zero kernel {@code extraH} rows and {@code extraW} columns larger, at its end. */
    private static INDArray embedKernel(INDArray w, long extraH, long extraW) {
        INDArray out = Nd4j.zeros(w.dataType(), w.size(0), w.size(1), w.size(2) + extraH, w.size(3) + extraW);
        out.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(extraH, w.size(2) + extraH),
                NDArrayIndex.interval(extraW, w.size(3) + extraW)).assign(w);
        return out;
    }

    /**
     * The padding before and after along one axis. "Same": the output is ceil(in / stride), the
     * padding the smallest that gives it, the odd one at the end (DL4J's rule, as TensorFlow's);
     * otherwise the configured padding on both sides.
     */
    static long[] padding(ConvolutionMode mode, long in, int kernel, int stride, int dilation, int configured) {
        if (mode == ConvolutionMode.Same) {
            long out = (in + stride - 1) / stride;
            long total = Math.max((out - 1) * stride + (long) (kernel - 1) * dilation + 1 - in, 0);
            return new long[] {total / 2, total - total / 2};
        }
        if (mode == ConvolutionMode.Causal) {
            throw new IllegalArgumentException("causal convolutions have no NIR form");
        }
        return new long[] {configured, configured};
    }
}
