package org.spikekd.cli;

import picocli.CommandLine.Command;

/** {@code spikekd bench NAME}: benchmarks that print progress to stderr and JSON last on stdout. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks: progress on stderr, one JSON object of figures as the last stdout line.",
        subcommands = {org.spikekd.bench.ThroughputBenchmark.class, org.spikekd.bench.AccuracyBenchmark.class,
                org.spikekd.bench.ScalingBenchmark.class, org.spikekd.bench.IngestBenchmark.class,
                org.spikekd.bench.RobustnessBenchmark.class, org.spikekd.bench.ConversionBenchmark.class,
                org.spikekd.bench.KernelsBenchmark.class, org.spikekd.bench.ChaosBenchmark.class})
public final class BenchCommand implements Runnable {
    @Override
    public void run() {
        picocli.CommandLine.usage(this, System.err);
    }
}
