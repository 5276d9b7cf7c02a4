package org.spikekd.dl4j;

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
 * The batch-norm loops against libnd4j's own ops, on arrays that start inside a larger buffer, and
 * their SIMD rows against the plain ones.
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
