package org.spikekd.simd;

/**
 * Whether SpikeKD's SIMD kernels (the fused spiking-neuron loop, batch norm's row loops) can use
 * the JDK's Vector API.
 *
 * <p>The Vector API is an incubator module in Java 17: the JVM must be started with
 * {@code --add-modules=jdk.incubator.vector}. The parent pom's {@code spikekd.jvm.opens} carries the
 * flag, and Surefire, {@code deploy/spikekd} and {@code conf/spark-defaults.conf} pass it. Without it
 * the same arithmetic runs as ND4J operations or plain Java loops, only slower.
 * {@code -Dspikekd.simd=false} forces those paths (to compare, or to rule the kernels out).
 *
 * <p>Classes that mention Vector API types are loaded only when {@link #AVAILABLE}; callers test it
 * first and keep such types out of their own signatures.
 */
public final class VectorApi {
    private VectorApi() {}

    public static final boolean AVAILABLE = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
            && !"false".equals(System.getProperty("spikekd.simd"));
}
