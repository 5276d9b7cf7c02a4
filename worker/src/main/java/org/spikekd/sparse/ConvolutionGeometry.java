package org.spikekd.sparse;

/**
 * The shape of one 2-D convolution over channels-last images: input [N, H, W, C_in], kernel
 * K_h x K_w, stride, dilation and top/left padding, output [N, H_out, W_out, C_out]. Positions of
 * the kernel that fall outside the input read zeros.
 */
public record ConvolutionGeometry(int images, int height, int width, int inChannels,
                                  int kernelHeight, int kernelWidth, int strideY, int strideX,
                                  int dilationY, int dilationX, int padTop, int padLeft,
                                  int outHeight, int outWidth, int outChannels) {

    public ConvolutionGeometry {
        if (images < 1 || height < 1 || width < 1 || inChannels < 1 || outChannels < 1 || outHeight < 1
                || outWidth < 1 || kernelHeight < 1 || kernelWidth < 1 || strideY < 1 || strideX < 1
                || dilationY < 1 || dilationX < 1 || padTop < 0 || padLeft < 0) {
            throw new IllegalArgumentException("not a convolution: " + this);
        }
    }

    /** Input pixels of one image. */
    public int inPixels() {
        return height * width;
    }

    /** Output pixels of one image. */
    public int outPixels() {
        return outHeight * outWidth;
    }

    /** Multiply-accumulates of the dense convolution over the whole batch. */
    public long denseMacs() {
        return (long) images * outPixels() * outChannels * inChannels * kernelHeight * kernelWidth;
    }

    /** Stride 1 and dilation 1 both ways: a kernel tap is a fixed offset between input and output pixels. */
    public boolean unitStrideAndDilation() {
        return strideY == 1 && strideX == 1 && dilationY == 1 && dilationX == 1;
    }

    /**
     * True when the gradient with respect to the input is itself a convolution of the output
     * gradient with the kernel flipped in space and transposed in channels, with the same padding:
     * stride and dilation 1, odd kernel sizes padded by half, output as large as the input.
     */
    public boolean inputGradientIsConvolution() {
        return unitStrideAndDilation()
                && kernelHeight % 2 == 1 && kernelWidth % 2 == 1
                && padTop == kernelHeight / 2 && padLeft == kernelWidth / 2
                && outHeight == height && outWidth == width;
    }

    /** For logs and benchmark figures: "[256,28,28,32] 3x3 -> 32". */
    public String describe() {
        String s = "[" + images + "," + height + "," + width + "," + inChannels + "] " + kernelHeight + "x"
                + kernelWidth + " -> " + outChannels;
        if (strideY != 1 || strideX != 1) {
            s += " stride " + strideY + (strideX != strideY ? "x" + strideX : "");
        }
        return s;
    }
}
