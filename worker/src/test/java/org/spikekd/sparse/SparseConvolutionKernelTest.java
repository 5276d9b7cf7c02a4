package org.spikekd.sparse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.cpu.ThreadBudget;
import org.spikekd.layer.DenseConvolution;

/**
 * The sparse kernels compute what libnd4j's dense convolution computes (forward, weight and bias
 * gradients, to float rounding), and so does the input gradient taken as a convolution with the
 * flipped kernel; on spikes, on pooled spikes, on dense inputs, for every number of output vectors
 * and thread budget.
 */
class SparseConvolutionKernelTest {

    @ParameterizedTest(name = "[{0},{1},{1},{2}] {3}x{3} stride {4} pad {5} -> {6}, bias {7}, rate {8}, {9} threads")
    @CsvSource({
            // the reference student's spiking layers, scaled down in batch
            "3, 28, 32, 3, 1, 1, 32, false, 0.2, 2",
            "3, 14, 32, 3, 1, 1, 64, false, 0.15, 1",
            "3, 14, 64, 3, 1, 1, 64, false, 0.3, 2",
            // a stem on a dense image, one input channel
            "2, 28, 1, 3, 1, 1, 32, false, 1.0, 2",
            // C_out not a multiple of any vector length, with bias; 1x1 adapters; stride 2 (ResNet)
            "2, 9, 5, 3, 1, 1, 10, true, 0.4, 2",
            "2, 7, 16, 1, 1, 0, 24, true, 0.5, 1",
            "3, 12, 8, 3, 2, 1, 48, false, 0.25, 2",
            "2, 11, 3, 7, 2, 3, 80, true, 0.6, 2",
            // nothing fires
            "2, 8, 16, 3, 1, 1, 16, false, 0.0, 2"})
    void sameAsTheDenseConvolution(int n, int size, int cIn, int k, int stride, int pad, int cOut, boolean bias,
                                   double rate, int threads) {
        int out = (size + 2 * pad - k) / stride + 1;
        ConvolutionGeometry g = new ConvolutionGeometry(n, size, size, cIn, k, k, stride, stride, 1, 1, pad, pad,
                out, out, cOut);
        Nd4j.getRandom().setSeed(11);
        INDArray x = rate >= 1.0 ? Nd4j.randn(DataType.FLOAT, n, size, size, cIn)
                : Nd4j.rand(DataType.FLOAT, n, size, size, cIn).lt(rate).castTo(DataType.FLOAT);
        if (cIn == 5) {
            x.muli(Nd4j.rand(DataType.FLOAT, x.shape())); // pooled-spike-like values, not only 1
        }
        INDArray w = Nd4j.randn(DataType.FLOAT, cOut, cIn, k, k).muli(0.3);
        INDArray b = bias ? Nd4j.randn(DataType.FLOAT, 1, cOut) : null;
        INDArray dy = Nd4j.randn(DataType.FLOAT, n, out, out, cOut);

        INDArray denseY = Nd4j.create(DataType.FLOAT, n, out, out, cOut);
        DenseConvolution.forward(g, x, w, b, denseY);
        INDArray denseDx = Nd4j.create(DataType.FLOAT, x.shape());
        INDArray denseDw = Nd4j.create(DataType.FLOAT, w.shape());
        INDArray denseDb = bias ? Nd4j.create(DataType.FLOAT, 1, cOut) : null;
        DenseConvolution.backward(g, x, w, b, dy, denseDx, denseDw, denseDb);

        int before = ThreadBudget.threads();
        ThreadBudget.use(threads);
        try {
            INDArray y = Nd4j.create(DataType.FLOAT, n, out, out, cOut);
            double share = SparseConvolutionKernel.forward(g, x, w, b, y);
            assertEquals(x.neq(0).castTo(DataType.DOUBLE).meanNumber().doubleValue(), share, 1e-9);
            assertClose(denseY, y, "output");

            INDArray dw = Nd4j.create(DataType.FLOAT, w.shape()).assign(Double.NaN); // overwritten, not added to
            INDArray db = bias ? Nd4j.create(DataType.FLOAT, 1, cOut).assign(Double.NaN) : null;
            SparseConvolutionKernel.weightGradient(g, x, dy, dw, db);
            assertClose(denseDw, dw, "weight gradient");
            if (bias) {
                assertClose(denseDb, db, "bias gradient");
            }
        } finally {
            ThreadBudget.use(before);
        }
        if (g.inputGradientIsConvolution()) {
            INDArray dx = Nd4j.create(DataType.FLOAT, x.shape());
            DenseConvolution.inputGradient(g, w, dy, dx);
            assertClose(denseDx, dx, "input gradient");
        }
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        double scale = Math.max(1e-3, expected.amaxNumber().doubleValue());
        double worst = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(worst <= 1e-5 * scale * 10, what + ": largest difference " + worst + " at scale " + scale);
    }
}
