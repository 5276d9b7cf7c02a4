package org.spikekd.layer;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.sparse.ConvolutionGeometry;

/**
 * libnd4j's dense 2-D convolution ops (oneDNN where available) on channels-last arrays, for a
 * {@link ConvolutionGeometry}: the reference the sparse kernels are held to, and the path a layer
 * takes when its input is not sparse enough.
 */
public final class DenseConvolution {
    private DenseConvolution() {}

    /** libnd4j's integer arguments: kH, kW, sH, sW, pH, pW, dH, dW, explicit padding (0), NHWC (1), weights [oC, iC, kH, kW] (1). */
    private static int[] arguments(ConvolutionGeometry g) {
        return new int[] {g.kernelHeight(), g.kernelWidth(), g.strideY(), g.strideX(), g.padTop(), g.padLeft(),
                g.dilationY(), g.dilationX(), 0, 1, 1};
    }

    /** output = conv(input, weights) + bias; bias may be null. */
    public static void forward(ConvolutionGeometry g, INDArray input, INDArray weights, INDArray bias,
                               INDArray output) {
        DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder("conv2d").addIntegerArguments(arguments(g));
        if (bias != null) {
            op.addInputs(input, weights, bias.reshape(bias.length()));
        } else {
            op.addInputs(input, weights);
        }
        Nd4j.exec(op.addOutputs(output).build());
    }

    /** Both gradients at once ({@code conv2d_bp}); bias and biasGradient may be null. */
    public static void backward(ConvolutionGeometry g, INDArray input, INDArray weights, INDArray bias,
                                INDArray outputGradient, INDArray inputGradient, INDArray weightGradient,
                                INDArray biasGradient) {
        DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder("conv2d_bp").addIntegerArguments(arguments(g));
        if (biasGradient != null) {
            op.addInputs(input, weights, bias.reshape(bias.length()), outputGradient)
                    .addOutputs(inputGradient, weightGradient, biasGradient.reshape(biasGradient.length()));
        } else {
            op.addInputs(input, weights, outputGradient).addOutputs(inputGradient, weightGradient);
        }
        Nd4j.exec(op.build());
    }

    /**
     * The input gradient alone, as a forward convolution of the output gradient with the kernel
     * flipped in space and its channels transposed (valid when
     * {@link ConvolutionGeometry#inputGradientIsConvolution()}). oneDNN's forward kernels are much
     * faster than its channels-last backward ones, and the weight gradient is then left to a
     * kernel that can use the input's sparsity.
     */
    public static void inputGradient(ConvolutionGeometry g, INDArray weights, INDArray outputGradient,
                                     INDArray inputGradient) {
        if (!g.inputGradientIsConvolution()) {
            throw new IllegalArgumentException("the input gradient of " + g.describe() + " is not a convolution");
        }
        Nd4j.exec(DynamicCustomOp.builder("conv2d").addIntegerArguments(arguments(g))
                .addInputs(outputGradient, flippedTransposed(weights)).addOutputs(inputGradient).build());
    }

    /** [C_out, C_in, K_h, K_w] -> [C_in, C_out, K_h, K_w], each kernel rotated by 180 degrees. */
    static INDArray flippedTransposed(INDArray weights) {
        int cOut = (int) weights.size(0);
        int cIn = (int) weights.size(1);
        int kh = (int) weights.size(2);
        int kw = (int) weights.size(3);
        float[] w = weights.dup('c').castTo(DataType.FLOAT).data().asFloat(); // small; a fresh copy starts at 0
        float[] flipped = new float[w.length];
        int taps = kh * kw;
        for (int o = 0; o < cOut; o++) {
            for (int i = 0; i < cIn; i++) {
                for (int t = 0; t < taps; t++) {
                    flipped[(i * cOut + o) * taps + (taps - 1 - t)] = w[(o * cIn + i) * taps + t];
                }
            }
        }
        return Nd4j.create(flipped, new long[] {cIn, cOut, kh, kw}, DataType.FLOAT);
    }
}
