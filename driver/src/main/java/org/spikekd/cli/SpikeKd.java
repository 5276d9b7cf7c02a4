package org.spikekd.cli;

import org.spikekd.cpu.NativeBuild;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code spikekd} command line: train, evaluate, ingest, sweep, bench. */
@Command(name = "spikekd", mixinStandardHelpOptions = true, version = "SpikeKD 0.1.0",
        description = "Spiking neural networks distilled from ANN teachers.",
        subcommands = {QuickstartCommand.class, TrainCommand.class, EvaluateCommand.class, IngestCommand.class,
                SweepCommand.class, ConvertCommand.class, ExportCommand.class, DiagnoseCommand.class, BenchCommand.class,
                ConfigCommand.class})
public final class SpikeKd implements Runnable {

    @Override
    public void run() {
        CommandLine.usage(this, System.err);
    }

    public static void main(String[] args) {
        // ND4J's native build for this processor, chosen before anything starts ND4J
        NativeBuild.select();
        int code = execute(args);
        if (isYarnClusterDriver()) {
            // Spark's YARN application master runs this main in a thread of its own and reports the
            // application's status when it returns or throws; System.exit would run the shutdown
            // hooks first and turn even a finished run into a FAILED application (exit code 16)
            if (code != 0) {
                // (the command's name only: its arguments may hold a store's password)
                throw new IllegalStateException("spikekd " + (args.length > 0 ? args[0] : "") + " failed (exit code "
                        + code + "); its error is in the driver's log above");
            }
            return;
        }
        System.exit(code);
    }

    /** The driver of a {@code spark-submit --master yarn --deploy-mode cluster}, inside YARN's application master. */
    static boolean isYarnClusterDriver() {
        return System.getProperty("spark.yarn.app.id") != null
                && "cluster".equals(System.getProperty("spark.submit.deployMode"));
    }

    /** Runs the command line; returns the exit code (1 for a bad configuration or input). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new SpikeKd());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof com.typesafe.config.ConfigException || e instanceof IllegalArgumentException
                    || e instanceof java.io.IOException || e instanceof java.sql.SQLException
                    || e instanceof org.apache.spark.SparkException) {
                commandLine.getErr().println("spikekd: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return cli.execute(args);
    }
}
