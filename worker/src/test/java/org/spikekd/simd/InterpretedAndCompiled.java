package org.spikekd.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.zip.CRC32;

/**
 * Checks that a kernel gives the same bits interpreted and compiled. Vector API operations whose
 * result the implementation may choose (a floating-point lanewise EXP, the order of reduceLanes)
 * differ between the interpreter's Java fallback and the JIT's intrinsics, so a JVM that just
 * started (a replacement executor, a resumed driver) trained differently from a warm one and a
 * distributed run did not repeat bit for bit after a fault (bench chaos).
 */
public final class InterpretedAndCompiled {
    private InterpretedAndCompiled() {}

    /**
     * {@code digest} (a CRC of a kernel's output bits) on its first, cold call, after the JIT has
     * compiled it, and in a JVM that only interprets ({@code -Xint}) running {@code main}, whose
     * main method prints the same digest.
     */
    public static void assertSameBits(LongSupplier digest, Class<?> main) throws Exception {
        assumeTrue(VectorApi.AVAILABLE, "the Vector API module");
        long cold = digest.getAsLong();
        long warm = 0;
        for (int i = 0; i < 3000; i++) {
            warm = digest.getAsLong();
        }
        Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xint",
                "--add-modules=jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), main.getName())).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertEquals(true, p.waitFor(120, TimeUnit.SECONDS));
        String[] lines = out.split("\n");
        long interpreted = Long.parseLong(lines[lines.length - 1].strip());
        assertEquals(interpreted, cold, "cold call vs -Xint");
        assertEquals(interpreted, warm, "compiled vs -Xint");
    }

    /** Adds the bits of {@code values} to {@code crc}. */
    public static void update(CRC32 crc, float[] values) {
        for (float v : values) {
            int bits = Float.floatToRawIntBits(v);
            crc.update(new byte[] {(byte) bits, (byte) (bits >> 8), (byte) (bits >> 16), (byte) (bits >> 24)});
        }
    }

    /** Adds the bits of {@code values} to {@code crc}. */
    public static void update(CRC32 crc, double[] values) {
        for (double v : values) {
            long bits = Double.doubleToRawLongBits(v);
            for (int i = 0; i < 8; i++) {
                crc.update((int) (bits >> (8 * i)) & 0xff);
            }
        }
    }
}
