package org.spikekd.batchnorm;

import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.spikekd.simd.InterpretedAndCompiled;

/** Batch norm's vector row sums give the same bits interpreted and compiled (see {@link InterpretedAndCompiled}). */
class BatchNormRowsRepeatTest {
    static final int N = 4099; // a remainder after the whole vectors

    static long digest() {
        float[] x = new float[N];
        float[] dy = new float[N];
        for (int i = 0; i < N; i++) {
            x[i] = (float) ((i * 0.6180339887) % 1.0 * 8 - 4);
            dy[i] = (float) ((i * 0.4142135623) % 1.0 - 0.5);
        }
        BatchNormRows rows = new VectorBatchNormRows();
        double[] moments = new double[2];
        double[] gradients = new double[2];
        rows.addMoments(x, N, moments);
        rows.addGradientSums(dy, x, N, 0.25f, gradients);
        CRC32 crc = new CRC32();
        InterpretedAndCompiled.update(crc, moments);
        InterpretedAndCompiled.update(crc, gradients);
        return crc.getValue();
    }

    /** Prints the digest: run by the test in a JVM that only interprets. */
    public static void main(String[] args) {
        System.out.println(digest());
    }

    @Test
    void interpretedColdAndCompiledRowSumsAgreeBitForBit() throws Exception {
        InterpretedAndCompiled.assertSameBits(BatchNormRowsRepeatTest::digest, BatchNormRowsRepeatTest.class);
    }
}
