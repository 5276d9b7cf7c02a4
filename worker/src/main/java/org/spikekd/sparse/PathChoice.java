package org.spikekd.sparse;

/**
 * One layer's choice between a dense and a sparse way of computing the same thing, by measurement:
 * under {@link Mode#AUTO} its first {@value #WINDOW} pairs of calls alternate between the two, then
 * it takes the path whose median over its last {@value #WINDOW} timed calls is lower, and now and
 * then times the other one again (so a firing rate that drifts during training moves the choice
 * with it): every {@value #PROBE_EVERY} calls, stretched by how many times slower the other path
 * was (up to {@value #MAX_STRETCH} times), so that probes cost at most about 1/{@value #PROBE_EVERY}
 * of the faster path's time however slow the other one is (libnd4j's backward pass of the
 * student's s1.2 took five times the split one's). Medians, because single calls of libnd4j's ops vary by a
 * factor of several on a busy 2-core machine. The crossover is therefore
 * measured on the machine and the layer it runs on, never assumed. {@link Mode#DENSE} and
 * {@link Mode#SPARSE} fix the path. The two paths agree to float rounding, not bit for bit, and a
 * spiking network can turn a rounding difference into a different spike, so under AUTO two runs
 * of one job (an uninterrupted one and a resumed one, say) may take different paths and end
 * measurably apart; a run that must repeat another fixes the path.
 *
 * <p>Not thread-safe: a layer runs on one thread at a time.
 */
public final class PathChoice {
    /** How a layer picks its path; {@code -Dspikekd.convolution=auto|dense|sparse}, auto by default. */
    public enum Mode {
        AUTO, DENSE, SPARSE;

        /** The JVM property that sets the mode of layers made from now on. */
        public static final String PROPERTY = "spikekd.convolution";

        /** The JVM's setting ({@value #PROPERTY}, auto when unset), read when a layer is made. */
        public static Mode configured() {
            return parse(System.getProperty(PROPERTY, "auto"), "-D" + PROPERTY);
        }

        /** {@code value} (auto, dense or sparse, any case); an error names {@code setting} otherwise. */
        public static Mode parse(String value, String setting) {
            for (Mode m : values()) {
                if (m.name().equalsIgnoreCase(value.trim())) {
                    return m;
                }
            }
            throw new IllegalArgumentException(setting + " must be auto, dense or sparse, not '" + value + "'");
        }
    }

    /** Calls between probes of the slower path when the two are about as fast. */
    static final int PROBE_EVERY = 32;
    /** The most the interval between probes is stretched for a much slower path. */
    static final int MAX_STRETCH = 8;
    /** Timed calls per path that the estimates are medians of. */
    static final int WINDOW = 5;

    private final Mode mode;
    private final Timings dense = new Timings();
    private final Timings sparse = new Timings();
    private long calls;
    private long sparseCalls;
    private long sinceProbe;
    private double lastRate = Double.NaN;

    public PathChoice(Mode mode) {
        this.mode = mode;
    }

    /** Whether the next call should take the sparse path. */
    public boolean sparse() {
        calls++;
        if (mode != Mode.AUTO) {
            return mode == Mode.SPARSE;
        }
        if (calls <= 2 * WINDOW) {
            return calls % 2 == 0;
        }
        double s = sparse.median();
        double d = dense.median();
        boolean faster = s < d;
        if (++sinceProbe >= probeInterval(Math.max(s, d) / Math.min(s, d))) {
            sinceProbe = 0;
            return !faster;
        }
        return faster;
    }

    /** Calls between probes when the slower path takes {@code ratio} times the faster one's time. */
    static long probeInterval(double ratio) {
        double stretch = ratio >= 1 ? Math.min(MAX_STRETCH, ratio) : 1; // NaN (a 0 ns timing): 1
        return (long) Math.ceil(PROBE_EVERY * stretch);
    }

    /** What the call that {@link #sparse()} answered took, and (sparse path) the input's firing rate. */
    public void took(boolean sparse, long nanos, double rate) {
        if (sparse) {
            sparseCalls++;
            this.sparse.add(nanos);
            lastRate = rate;
        } else {
            dense.add(nanos);
        }
    }

    public Mode mode() {
        return mode;
    }

    /** Calls so far, and how many took the sparse path. */
    public long calls() {
        return calls;
    }

    public long sparseCalls() {
        return sparseCalls;
    }

    /** The estimates (medians of the last timed calls) in milliseconds; NaN until timed. */
    public double denseMillis() {
        return dense.median() / 1e6;
    }

    public double sparseMillis() {
        return sparse.median() / 1e6;
    }

    /** The share of non-zero inputs the last sparse call saw (NaN before one). */
    public double lastRate() {
        return lastRate;
    }

    /** The last {@link #WINDOW} timings of one path. */
    private static final class Timings {
        private final long[] last = new long[WINDOW];
        private int count;

        void add(long nanos) {
            last[count++ % WINDOW] = nanos;
        }

        /** NaN before the first timing. */
        double median() {
            int n = Math.min(count, WINDOW);
            if (n == 0) {
                return Double.NaN;
            }
            long[] sorted = java.util.Arrays.copyOf(last, n);
            java.util.Arrays.sort(sorted);
            return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
        }
    }
}
