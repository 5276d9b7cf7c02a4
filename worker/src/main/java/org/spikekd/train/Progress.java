package org.spikekd.train;

import java.io.PrintStream;

/**
 * Training progress on stderr: a bar redrawn in place when stderr is a terminal, otherwise a line
 * every {@code logEvery} minibatches (so logs of unattended runs stay readable).
 */
public final class Progress {
    private final PrintStream out;
    private final boolean terminal;
    private final int logEvery;
    private final String label;

    public Progress(PrintStream out, boolean terminal, int logEvery) {
        this(out, terminal, logEvery, "");
    }

    private Progress(PrintStream out, boolean terminal, int logEvery, String label) {
        this.out = out;
        this.terminal = terminal;
        this.logEvery = logEvery;
        this.label = label;
    }

    /**
     * The same progress with every line starting with {@code label} (a sweep's trial), as lines
     * even on a terminal: bars of runs side by side would overwrite each other.
     */
    public Progress labeled(String label) {
        return new Progress(out, false, logEvery, label);
    }

    /** Progress to stderr, as a bar if the process has a console. */
    public static Progress toStderr(int logEvery) {
        return new Progress(System.err, System.console() != null, logEvery);
    }

    public void batch(String phase, int epoch, int epochs, int batch, int batches, double loss, double samplesPerSecond) {
        if (terminal) {
            int width = 30;
            int filled = (int) Math.round(width * batch / (double) batches);
            out.printf("\r%s epoch %d/%d [%s%s] %d/%d loss %.4f %.0f samples/s   ", phase, epoch, epochs,
                    "=".repeat(filled), " ".repeat(width - filled), batch, batches, loss, samplesPerSecond);
            if (batch == batches) {
                out.println();
            }
            out.flush();
        } else if (batch % logEvery == 0 || batch == batches) {
            out.printf("%s%s epoch %d/%d batch %d/%d loss %.4f %.0f samples/s%n", label, phase, epoch, epochs, batch,
                    batches, loss, samplesPerSecond);
        }
    }

    public void line(String message) {
        out.println(label + message);
        out.flush();
    }
}
