package org.spikekd.sweep;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
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
    /** The sweep directory: an absolute local path, or a URI. */
    public final String directory;
    /** The trial store's JDBC URL: the spec's, or SQLite in the sweep directory. */
    public final String store;
    /**
     * The spec made self-contained: the base job inlined whole ({@code base}, with {@code job} and
     * {@code set} emptied), the name and directory filled in. The sweep directory keeps it as
     * spec.conf (what {@code --resume} reads) and the trial store keeps it to recognize the sweep.
     * The store URL in it has no password (see {@link StoreUrl}).
     */
    public final String rendered;
    /**
     * As {@link #rendered}, but with the store URL's password: what sweeps started before passwords
     * were left out kept, recognized so that they continue (and are then rewritten without it).
     */
    final String renderedWithPassword;

    private SweepSpec(Config c, String name, JobConfig job, SearchSpace space) {
        this.name = name;
        this.job = job;
        this.space = space;
        for (String key : space.keys()) {
            if (key.equals("run.dir") || key.equals("run.name")) {
                throw new ConfigException.BadValue("space." + key, "is set by the sweep for each trial "
                        + "(DIRECTORY/trials/trial-NNNN); it cannot be searched");
            }
        }
        this.samples = atLeast(c, "samples", 1);
        this.seed = c.getLong("seed");
        this.maxTrials = atLeast(c, "budget.trials", 0);
        this.wallTime = c.getDuration("budget.wall-time");
        this.metric = oneOf(c, "metric", METRICS);
        String evalSplit = new JobSettings(job).data().evalSplit();
        if (!metric.startsWith("train_") && !metric.startsWith(evalSplit + "_")) {
            throw new ConfigException.BadValue("metric", metric + " is not recorded: the base job evaluates the "
                    + evalSplit + " split (data.eval-split), so its metrics are " + evalSplit + "_accuracy and "
                    + evalSplit + "_loss");
        }
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
        this.directory = absolute(c.getString("directory").isEmpty() ? "sweeps/" + name : c.getString("directory"));
        if (c.getString("store").isEmpty()) {
            if (!directory.startsWith("/")) {
                throw new ConfigException.BadValue("store", "the sweep directory " + directory + " is not on the local "
                        + "disk, where the default SQLite store lives; give store a JDBC URL (jdbc:postgresql://...)");
            }
            this.store = TrialStore.sqliteIn(java.nio.file.Path.of(directory));
        } else if (!c.getString("store").startsWith("jdbc:")) {
            throw new ConfigException.BadValue("store", "must be a JDBC URL (jdbc:postgresql://HOST/DB?user=U) or \"\", "
                    + "got '" + StoreUrl.redacted(c.getString("store")) + "'");
        } else {
            this.store = c.getString("store");
        }
        Config whole = c.withValue("name", ConfigValueFactory.fromAnyRef(name))
                .withValue("directory", ConfigValueFactory.fromAnyRef(directory))
                .withValue("job", ConfigValueFactory.fromAnyRef(""))
                .withValue("set", ConfigValueFactory.fromIterable(List.of()))
                .withValue("base", job.raw().root());
        this.rendered = render(whole.withValue("store",
                ConfigValueFactory.fromAnyRef(StoreUrl.withoutPassword(c.getString("store")))));
        this.renderedWithPassword = StoreUrl.hasPassword(c.getString("store")) ? render(whole) : rendered;
    }

    private static String render(Config c) {
        return c.root().render(ConfigRenderOptions.defaults().setOriginComments(false).setJson(false));
    }

    /** A local path made absolute (so that a resumed sweep finds it from any directory); a URI as it is. */
    private static String absolute(String directory) {
        if (directory.matches("[A-Za-z][A-Za-z0-9+.-]*:.*")) {
            return directory.startsWith("file:") ? new File(java.net.URI.create(directory)).getAbsolutePath() : directory;
        }
        return new File(directory).getAbsoluteFile().toPath().normalize().toString();
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
            if (!key.startsWith("space.") && !key.startsWith("base.") && !reference.hasPathOrNull(key)) {
                throw new ConfigException.BadPath(key, "unknown sweep spec key '" + key + "'; the keys are "
                        + reference.root().keySet() + " (see README, Sweeps)");
            }
        }
        Config c = user.withFallback(reference).resolve();
        String jobFile = c.getString("job");
        JobConfig job;
        try {
            job = JobConfig.load(jobFile.isEmpty() ? null : new File(jobFile), List.of())
                    .overlaid(c.getConfig("base"), "in the sweep spec's base")
                    .with(c.getStringList("set").toArray(String[]::new));
            new JobSettings(job);
        } catch (ConfigException e) {
            String where = !c.getStringList("set").isEmpty() ? "set" : !c.getConfig("base").isEmpty() ? "base" : "job";
            throw new ConfigException.BadValue(where, "the base job is not valid: " + e.getMessage());
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
