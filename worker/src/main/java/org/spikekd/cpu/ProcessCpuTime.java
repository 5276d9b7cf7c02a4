package org.spikekd.cpu;

import java.lang.management.ManagementFactory;

/** The CPU time this JVM has used: every thread, native ones, JIT and GC included. */
public final class ProcessCpuTime {
    private ProcessCpuTime() {}

    /** CPU nanoseconds of this JVM so far, user and system, or -1 where the platform does not say. */
    public static long nanos() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean
                ? ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() : -1;
    }
}
