package org.spikekd.sweep;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import java.io.File;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;

/**
 * A sweep spec (HOCON, every key in {@code sweep-reference.conf}): the base job, the search space,
 * the budget, the metric and its direction, the early-stopping scheduler and the parallelism mode.
 * {@link #load} checks all of it, the space against the base job included, before anything runs;
 * every error names its key.
 */
public final class SweepSpec {
    /** The figures a run's metrics.jsonl holds per epoch that a sweep can optimize. */
    public static final List<String> METRICS = List.of("test_accuracy", "test_loss", "validation_accuracy",
            "validation_loss", "train_accuracy", "train_loss");

    public final String name;
    public final JobConfig job;
    public final SearchSpace space;
    public final int samples;
    public final long seed;
    public final int maxTrials;
    public final Duration wallTime;
    public final String metric;
    public final boolean maximize;
    /** Null for scheduler.type = none. */
    public final AshaScheduler.Settings scheduler;
    public final boolean trialParallel;
    public final int trialsAtOnce;
    public final String store;
    /** The spec as written, resolved: what the trial store keeps to recognize the sweep. */
    public final String rendered;

    private SweepSpec(Config c, String name, JobConfig job, SearchSpace space) {
        this.name = name;
        this.job = job;
        this.space = space;
        this.samples = atLeast(c, "samples", 1);
        this.seed = c.getLong("seed");
        this.maxTrials = atLeast(c, "budget.trials", 0);
        this.wallTime = c.getDuration("budget.wall-time");
        this.metric = oneOf(c, "metric", METRICS);
        this.maximize = oneOf(c, "mode", List.of("max", "min")).equals("max");
        int epochs = new JobSettings(job).epochs();
        if (oneOf(c, "scheduler.type", List.of("asha", "none")).equals("asha")) {
            int grace = atLeast(c, "scheduler.grace-period", 1);
            if (grace > epochs) {
                throw new ConfigException.BadValue("scheduler.grace-period", grace + " is more than the job's "
                        + epochs + " epochs (train.epochs)");
            }
            this.scheduler = new AshaScheduler.Settings(epochs, grace, atLeast(c, "scheduler.reduction-factor", 2), maximize);
        } else {
            this.scheduler = null;
        }
        this.trialParallel = oneOf(c, "parallelism.mode", List.of("trial", "data")).equals("trial");
        this.trialsAtOnce = atLeast(c, "parallelism.trials-at-once", 0);
        this.store = c.getString("store");
        this.rendered = c.root().render(com.typesafe.config.ConfigRenderOptions.concise());
    }

    /**
     * Reads and checks a spec file; {@code job} and {@code set} resolve relative to nothing but the
     * working directory, as on the command line.
     */
    public static SweepSpec load(File file) {
        if (!file.isFile()) {
            throw new ConfigException.Generic("sweep spec " + file + " does not exist");
        }
        Config user = ConfigFactory.parseFile(file, ConfigParseOptions.defaults().setAllowMissing(false));
        String base = file.getName().replaceFirst("\\.conf$", "");
        return parse(user, base);
    }

    /** Checks a spec given as a parsed HOCON object; {@code defaultName} names it if it does not. */
    public static SweepSpec parse(Config user, String defaultName) {
        Config reference = ConfigFactory.parseResources(SweepSpec.class.getClassLoader(), "sweep-reference.conf");
        for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
            String key = e.getKey();
            if (!key.startsWith("space.") && !reference.hasPathOrNull(key)) {
                throw new ConfigException.BadPath(key, "unknown sweep spec key '" + key + "'; the keys are "
                        + reference.root().keySet() + " (see README, Sweeps)");
            }
        }
        Config c = user.withFallback(reference).resolve();
        String jobFile = c.getString("job");
        JobConfig job;
        try {
            job = JobConfig.load(jobFile.isEmpty() ? null : new File(jobFile), c.getStringList("set"));
            new JobSettings(job).validate();
        } catch (ConfigException e) {
            throw new ConfigException.BadValue(jobFile.isEmpty() ? "set" : "job", "the base job is not valid: " + e.getMessage());
        }
        SearchSpace space = SearchSpace.of(c);
        space.check(job);
        String name = c.getString("name").isEmpty() ? defaultName : c.getString("name");
        return new SweepSpec(c, name, job, space);
    }

    /** The trials to run, in order: the space's, cut to the trial budget. */
    public List<Map<String, ConfigValue>> trials() {
        List<Map<String, ConfigValue>> all = space.trials(samples, seed);
        return maxTrials > 0 && maxTrials < all.size() ? all.subList(0, maxTrials) : all;
    }

    private static int atLeast(Config c, String key, int min) {
        int v = c.getInt(key);
        if (v < min) {
            throw new ConfigException.BadValue(key, "must be at least " + min + ", got " + v);
        }
        return v;
    }

    private static String oneOf(Config c, String key, List<String> options) {
        String v = c.getString(key);
        if (!options.contains(v)) {
            throw new ConfigException.BadValue(key, "must be one of " + options + ", got '" + v + "'");
        }
        return v;
    }
}
