package org.spikekd.batchnorm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.spikekd.simd.VectorApi;

/**
 * The batch-norm loops against libnd4j's own ops, on arrays that start inside a larger buffer; the
 * channels-last loops against the channels-first ones; the SIMD rows and columns against the plain
 * ones.
 */
class BatchNormKernelsTest {

    @Test
    void statisticsAndGradientsEqualLibnd4jsOps() {
        Nd4j.getRandom().setSeed(11);
        // rows 2..6 of a larger array: contiguous, but at an offset into the shared buffer
        INDArray x = Nd4j.rand(DataType.FLOAT, 9, 5, 6, 7).muli(4).subi(1).get(NDArrayIndex.interval(2, 7));
        INDArray dy = Nd4j.rand(DataType.FLOAT, 8, 5, 6, 7).subi(0.5).get(NDArrayIndex.interval(1, 6));
        assertTrue(x.offset() > 0 && dy.offset() > 0);
        assertTrue(BatchNormKernels.supports(x, dy));
        INDArray gamma = Nd4j.rand(DataType.FLOAT, 5).addi(0.5);
        INDArray beta = Nd4j.rand(DataType.FLOAT, 5);

        INDArray mean = Nd4j.create(DataType.FLOAT, 5);
        INDArray variance = Nd4j.create(DataType.FLOAT, 5);
        BatchNormKernels.moments(x, mean, variance);
        INDArray opMean = mean.ulike();
        INDArray opVariance = mean.ulike();
        Nd4j.exec(DynamicCustomOp.builder("moments").addInputs(x).addIntegerArguments(0, 2, 3)
                .addOutputs(opMean, opVariance).build());
        assertClose(opMean, mean, "mean");
        assertClose(opVariance, variance, "variance");

        INDArray dx = Nd4j.create(DataType.FLOAT, x.shape());
        INDArray dGamma = Nd4j.create(DataType.FLOAT, 1, 5);
        INDArray dBeta = Nd4j.create(DataType.FLOAT, 1, 5);
        BatchNormKernels.backward(x, mean, variance, gamma, dy, 1e-5, dx, dGamma, dBeta);
        INDArray opDx = dx.ulike();
        INDArray opDGamma = gamma.ulike();
        INDArray opDBeta = gamma.ulike();
        Nd4j.exec(DynamicCustomOp.builder("batchnorm_bp").addInputs(x, mean, variance, gamma, beta, dy)
                .addIntegerArguments(1, 1, 1).addFloatingPointArguments(1e-5)
                .addOutputs(opDx, mean.ulike(), mean.ulike(), opDGamma, opDBeta).build());
        assertClose(opDx, dx, "dL/dx");
        assertClose(opDGamma, dGamma.reshape(5), "dL/dgamma");
        assertClose(opDBeta, dBeta.reshape(5), "dL/dbeta");
    }

    @Test
    void simdRowsEqualThePlainLoops() {
        assertTrue(VectorApi.AVAILABLE, "run with the pom's JVM flags (spikekd.jvm.opens)");
        BatchNormRows simd = BatchNormRows.fastest();
        BatchNormRows plain = new ScalarBatchNormRows();
        assertInstanceOf(VectorBatchNormRows.class, simd);
        Random random = new Random(3);
        // shorter than a vector, whole vectors, a remainder, a 28x28 plane
        for (int length : new int[] {1, 7, 16, 17, 42, 784, 1001}) {
            float[] x = new float[length + 5]; // longer than the row: only the row may count
            float[] dy = new float[length + 5];
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) (random.nextGaussian() * 2 + 0.7);
                dy[j] = (float) random.nextGaussian();
            }
            double[] expected = {0.25, -1.5}; // the rows add to what is there
            double[] actual = expected.clone();
            plain.addMoments(x, length, expected);
            simd.addMoments(x, length, actual);
            assertArrayEquals(expected, actual, 1e-12 * length, "moments of a row of " + length);

            expected = new double[] {0.25, -1.5};
            actual = expected.clone();
            plain.addGradientSums(dy, x, length, 0.6f, expected);
            simd.addGradientSums(dy, x, length, 0.6f, actual);
            assertArrayEquals(expected, actual, 1e-12 * length, "gradient sums of a row of " + length);

            float[] dxExpected = new float[x.length];
            float[] dxActual = new float[x.length];
            plain.writeInputGradient(dy, x, length, 1.3f, -0.2f, 0.6f, 0.05f, dxExpected);
            simd.writeInputGradient(dy, x, length, 1.3f, -0.2f, 0.6f, 0.05f, dxActual);
            assertArrayEquals(dxExpected, dxActual, "dx of a row of " + length);
        }
    }

    @Test
    void channelsLastKernelsEqualTheChannelsFirstOnesOnTheSameValues() {
        Nd4j.getRandom().setSeed(12);
        // 19 channels: a whole SIMD vector and a remainder; 9*13*11 rows: several slices, uneven ends
        INDArray nchw = Nd4j.rand(DataType.FLOAT, 9, 19, 13, 11).muli(3).subi(0.8);
        INDArray dyNchw = Nd4j.rand(DataType.FLOAT, 9, 19, 13, 11).subi(0.5);
        // the same values channels-last, at an offset into a larger buffer
        INDArray nhwc = Nd4j.create(DataType.FLOAT, 11, 13, 11, 19).get(NDArrayIndex.interval(1, 10))
                .assign(nchw.permute(0, 2, 3, 1));
        INDArray dyNhwc = Nd4j.create(DataType.FLOAT, 10, 13, 11, 19).get(NDArrayIndex.interval(1, 10))
                .assign(dyNchw.permute(0, 2, 3, 1));
        assertTrue(nhwc.offset() > 0 && ChannelsLastBatchNormKernels.supports(nhwc, dyNhwc));
        INDArray gamma = Nd4j.rand(DataType.FLOAT, 19).addi(0.5);

        INDArray mean = Nd4j.create(DataType.FLOAT, 19);
        INDArray variance = Nd4j.create(DataType.FLOAT, 19);
        BatchNormKernels.moments(nchw, mean, variance);
        INDArray lastMean = mean.ulike();
        INDArray lastVariance = mean.ulike();
        ChannelsLastBatchNormKernels.moments(nhwc, lastMean, lastVariance);
        assertClose(mean, lastMean, "mean");
        assertClose(variance, lastVariance, "variance");

        INDArray dx = nchw.ulike();
        INDArray dGamma = Nd4j.create(DataType.FLOAT, 1, 19);
        INDArray dBeta = Nd4j.create(DataType.FLOAT, 1, 19);
        BatchNormKernels.backward(nchw, mean, variance, gamma, dyNchw, 1e-5, dx, dGamma, dBeta);
        INDArray lastDx = nhwc.ulike();
        INDArray lastDGamma = dGamma.ulike();
        INDArray lastDBeta = dBeta.ulike();
        ChannelsLastBatchNormKernels.backward(nhwc, mean, variance, gamma, dyNhwc, 1e-5, lastDx, lastDGamma,
                lastDBeta);
        assertClose(dx.permute(0, 2, 3, 1), lastDx, "dL/dx");
        assertClose(dGamma, lastDGamma, "dL/dgamma");
        assertClose(dBeta, lastDBeta, "dL/dbeta");
    }

    @Test
    void simdColumnsEqualThePlainLoops() {
        assertTrue(VectorApi.AVAILABLE, "run with the pom's JVM flags (spikekd.jvm.opens)");
        BatchNormColumns simd = BatchNormColumns.fastest();
        BatchNormColumns plain = new ScalarBatchNormColumns();
        assertInstanceOf(VectorBatchNormColumns.class, simd);
        Random random = new Random(4);
        // fewer channels than a vector, whole vectors, whole vectors and a remainder
        for (int channels : new int[] {3, 16, 32, 64, 37}) {
            int rows = 29;
            float[] x = new float[rows * channels + 7]; // longer than the block: only the block may count
            float[] dy = new float[x.length];
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) (random.nextGaussian() * 2 + 0.7);
                dy[j] = (float) random.nextGaussian();
            }
            float[] center = new float[channels];
            float[] a = new float[channels];
            float[] b = new float[channels];
            float[] k = new float[channels];
            double[] start = new double[channels]; // the blocks add to what is there
            for (int c = 0; c < channels; c++) {
                center[c] = (float) random.nextGaussian();
                a[c] = 1 + random.nextFloat();
                b[c] = -random.nextFloat();
                k[c] = 0.1f * random.nextFloat();
                start[c] = random.nextGaussian();
            }
            double[][] expected = {start.clone(), start.clone()};
            double[][] actual = {start.clone(), start.clone()};
            plain.addMoments(x, rows, channels, expected[0], expected[1]);
            simd.addMoments(x, rows, channels, actual[0], actual[1]);
            assertArrayEquals(expected[0], actual[0], 1e-12 * rows, "sums over " + channels + " channels");
            assertArrayEquals(expected[1], actual[1], 1e-12 * rows, "sums of squares over " + channels + " channels");

            expected = new double[][] {start.clone(), start.clone()};
            actual = new double[][] {start.clone(), start.clone()};
            plain.addGradientSums(dy, x, rows, channels, center, expected[0], expected[1]);
            simd.addGradientSums(dy, x, rows, channels, center, actual[0], actual[1]);
            assertArrayEquals(expected[0], actual[0], 1e-12 * rows, "Σ dy over " + channels + " channels");
            assertArrayEquals(expected[1], actual[1], 1e-12 * rows, "Σ dy (x - mean) over " + channels + " channels");

            float[] dxExpected = new float[x.length];
            float[] dxActual = new float[x.length];
            plain.writeInputGradient(dy, x, rows, channels, a, b, center, k, dxExpected);
            simd.writeInputGradient(dy, x, rows, channels, a, b, center, k, dxActual);
            assertArrayEquals(dxExpected, dxActual, "dx over " + channels + " channels");
        }
    }

    @Test
    void takesOnlyDenseRowMajorFloat() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 4, 4);
        assertTrue(BatchNormKernels.supports(x));
        assertFalse(BatchNormKernels.supports(x.castTo(DataType.DOUBLE)));
        assertFalse(BatchNormKernels.supports(x.permute(0, 2, 3, 1)));
        assertFalse(BatchNormKernels.supports(x.dup('f')));
        assertFalse(BatchNormKernels.supports(x.reshape(2, 48)));
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        double scale = expected.norm2Number().doubleValue();
        assertTrue(scale > 0, what + " is zero: the comparison would be vacuous");
        double diff = actual.sub(expected).norm2Number().doubleValue();
        assertTrue(diff <= 1e-5 * scale, what + " differs by " + diff + " (norm " + scale + ")");
    }
}
