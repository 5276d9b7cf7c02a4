package org.spikekd.surrogate;

import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.spikekd.simd.InterpretedAndCompiled;

/** The surrogate kernels give the same bits interpreted and compiled (see {@link InterpretedAndCompiled}). */
class SurrogateKernelsRepeatTest {
    static final int N = 4096;

    /** A CRC of every surrogate kernel's derivative bits over fixed inputs. */
    static long digest() {
        float[] x = new float[N];
        for (int i = 0; i < N; i++) {
            x[i] = (float) ((i * 0.6180339887) % 1.0 * 8 - 4);
        }
        float[] into = new float[N];
        CRC32 crc = new CRC32();
        for (String name : Surrogates.NAMES) {
            Surrogates.byName(name, 4.0).kernel().derivative(x, 0.5f, into, N);
            InterpretedAndCompiled.update(crc, into);
        }
        return crc.getValue();
    }

    /** Prints the digest: run by the test in a JVM that only interprets. */
    public static void main(String[] args) {
        System.out.println(digest());
    }

    @Test
    void interpretedColdAndCompiledKernelsAgreeBitForBit() throws Exception {
        InterpretedAndCompiled.assertSameBits(SurrogateKernelsRepeatTest::digest, SurrogateKernelsRepeatTest.class);
    }
}
