package org.spikekd.cli;

import com.typesafe.config.ConfigFactory;
import java.io.File;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import org.spikekd.config.JobSettings;
import org.spikekd.spark.DistributedTrials;
import org.spikekd.spark.ExecutorTrials;
import org.spikekd.spark.SparkContexts;
import org.spikekd.sweep.StoreUrl;
import org.spikekd.sweep.SweepDirectory;
import org.spikekd.sweep.SweepResults;
import org.spikekd.sweep.SweepRunner;
import org.spikekd.sweep.SweepSpec;
import org.spikekd.sweep.TrialStore;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spikekd sweep}: runs a hyperparameter sweep (start it, or continue it: the same command
 * again does), continues one from its directory, or reports one.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Run a hyperparameter sweep on Spark: trials from a search space, early-stopped by ASHA, "
                + "recorded in a durable trial store. Running the same command again continues the sweep "
                + "(cron-safe: a launch finding another one alive does nothing).",
                "Prints the ranked trials; the sweep directory holds results.csv, results.json and best/."})
public final class SweepCommand implements Callable<Integer> {
    static final class Action {
        @Option(names = "--spec", paramLabel = "FILE", required = true,
                description = "Start the sweep this HOCON spec describes, or continue it if it exists.")
        File spec;

        @Option(names = "--resume", paramLabel = "SWEEP_DIR", required = true,
                description = "Continue the sweep in SWEEP_DIR with the spec it was started with.")
        String resume;

        @Option(names = "--report", paramLabel = "SWEEP_DIR|FILE", required = true,
                description = "Print the ranked trials of the sweep in SWEEP_DIR (or of spec FILE) and refresh its "
                        + "results files; trains nothing.")
        String report;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Action action;

    @Option(names = "--retry-failed", description = "Also run the trials that failed before, after their last epoch.")
    boolean retryFailed;

    @Override
    public Integer call() throws Exception {
        SweepSpec spec = action.spec != null ? SweepSpec.load(action.spec)
                : action.report != null && new File(action.report).isFile() ? SweepSpec.load(new File(action.report))
                : fromDirectory(action.resume != null ? action.resume : action.report);
        SweepDirectory dir = SweepDirectory.at(spec.directory); // created first: the default store lives in it
        boolean fromDirectory = action.spec == null && !(action.report != null && new File(action.report).isFile());
        try (TrialStore store = openStore(spec, fromDirectory)) {
            if (action.report == null) {
                SweepRunner runner = new SweepRunner(spec, store, System.err);
                if (retryFailed) {
                    runner.retryingFailed();
                }
                if (!runner.acquire()) {
                    return 0; // another launch is running it: a scheduler's repeated launch ends here
                }
                try {
                    run(spec, runner);
                } finally {
                    runner.release();
                }
            }
            return report(spec, store, dir);
        }
    }

    /** Starts the sweep's Spark context and runs the trials on it. */
    private static void run(SweepSpec spec, SweepRunner runner) throws Exception {
        JobSettings base = new JobSettings(spec.job);
        Map<String, String> conf = spec.trialParallel ? Map.of() : Map.of("spark.scheduler.mode", "FAIR");
        try (JavaSparkContext sc = SparkContexts.start(base, "SpikeKD sweep " + spec.name, conf)) {
            int atOnce = spec.trialsAtOnce > 0 ? spec.trialsAtOnce : spec.trialParallel ? sc.defaultParallelism() : 2;
            runner.run(spec.trialParallel ? new ExecutorTrials(sc, SparkContexts.threadsPerTask(sc, atOnce))
                    : new DistributedTrials(sc), atOnce);
        }
    }

    private static int report(SweepSpec spec, TrialStore store, SweepDirectory dir) throws Exception {
        SweepResults results = SweepResults.of(spec, store);
        results.write(dir);
        System.out.print(results.table());
        System.out.println("results: " + dir.path() + "/results.csv, " + dir.path() + "/results.json");
        var best = results.best();
        if (best.isEmpty()) {
            boolean failed = results.rows().stream().anyMatch(r -> r.state() == TrialStore.State.FAILED);
            System.out.println("no trial has a " + spec.metric + " yet");
            return failed && results.rows().stream().noneMatch(r -> r.state() == TrialStore.State.PENDING) ? 1 : 0;
        }
        System.out.printf("best: trial %d, %s %.4f, model %s/best/model.zip%n", best.get().trial(), spec.metric,
                best.get().metric(), dir.path());
        return 0;
    }

    /**
     * The sweep's trial store. A spec read back from a sweep directory has no password in its store
     * URL (it is never kept): if the server wants one, say where it can come from.
     */
    private static TrialStore openStore(SweepSpec spec, boolean fromDirectory) throws java.sql.SQLException {
        try {
            return TrialStore.open(spec.store);
        } catch (java.sql.SQLException e) {
            String hint = fromDirectory && spec.store.startsWith("jdbc:postgresql:") && !StoreUrl.hasPassword(spec.store)
                    ? "; a sweep directory keeps no password: put it in ~/.pgpass (or the file PGPASSFILE names), "
                    + "or launch again with --spec and the spec that has it" : "";
            throw new java.sql.SQLException("cannot open the trial store " + StoreUrl.redacted(spec.store) + ": "
                    + e.getMessage() + hint, e.getSQLState(), e);
        }
    }

    private static SweepSpec fromDirectory(String directory) throws Exception {
        String text = SweepDirectory.specIn(directory);
        return SweepSpec.parse(ConfigFactory.parseString(text), new File(directory).getName());
    }
}
