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

    public Progress(PrintStream out, boolean terminal, int logEvery) {
        this.out = out;
        this.terminal = terminal;
        this.logEvery = logEvery;
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
            out.printf("%s epoch %d/%d batch %d/%d loss %.4f %.0f samples/s%n", phase, epoch, epochs, batch,
                    batches, loss, samplesPerSecond);
        }
    }

    public void line(String message) {
        out.println(message);
        out.flush();
    }
}
