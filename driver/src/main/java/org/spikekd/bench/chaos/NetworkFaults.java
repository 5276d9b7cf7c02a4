package org.spikekd.bench.chaos;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Network faults on the links of a cluster {@code deploy/cluster start --link RATE} made: each worker
 * in a network namespace ({@code spikekd-wN}) joined to the host's bridge by a veth pair whose host
 * end is {@code skdhN}, each end shaped by a token bucket. A worker is cut off by taking its host end
 * down, and slowed by lowering both ends' rate (this kernel's tc has no netem for delay and loss).
 */
public final class NetworkFaults {
    private final String rate;

    /** {@code rate}: the links' rate as the cluster was started with it, to restore. */
    public NetworkFaults(String rate) {
        this.rate = rate;
    }

    public void cut(int worker) throws IOException {
        run("ip", "link", "set", "skdh" + worker, "down");
    }

    public void reconnect(int worker) throws IOException {
        run("ip", "link", "set", "skdh" + worker, "up");
    }

    public void slow(int worker, String slowRate) throws IOException {
        shape(worker, slowRate);
    }

    public void restore(int worker) throws IOException {
        shape(worker, rate);
    }

    private static void shape(int worker, String rate) throws IOException {
        run("tc", "qdisc", "change", "dev", "skdh" + worker, "root", "tbf", "rate", rate, "burst", "256kb", "latency", "100ms");
        run("tc", "-n", "spikekd-w" + worker, "qdisc", "change", "dev", "eth0", "root", "tbf", "rate", rate, "burst", "256kb",
                "latency", "100ms");
    }

    private static void run(String... command) throws IOException {
        try {
            Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
    }
}
