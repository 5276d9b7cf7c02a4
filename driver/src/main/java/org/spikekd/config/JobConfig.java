package org.spikekd.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.io.File;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A job's configuration: the job file and command-line overrides over {@code reference.conf},
 * which declares every key with its default and documentation (Typesafe Config's convention).
 * Loading checks that every key given is declared, so a typo is an error naming the key, not a
 * silently ignored setting; {@link JobSettings} checks types and ranges.
 */
public final class JobConfig {
    /** reference.conf: every key and its default, read once (it is immutable). */
    private static final Config REFERENCE = ConfigFactory.parseResources(JobConfig.class.getClassLoader(), "reference.conf");

    private final Config config;
    private final String origin;

    private JobConfig(Config config, String origin) {
        this.config = config;
        this.origin = origin;
    }

    /** The defaults alone. */
    public static JobConfig defaults() {
        return load(null, List.of());
    }

    /**
     * @param file a HOCON job file, or null
     * @param overrides "key=value" strings, applied over the file in order
     * @throws ConfigException naming the bad key
     */
    public static JobConfig load(File file, List<String> overrides) {
        Config user = ConfigFactory.empty();
        String origin = "defaults";
        if (file != null) {
            if (!file.isFile()) {
                throw new ConfigException.Generic("configuration file " + file + " does not exist");
            }
            user = ConfigFactory.parseFile(file, ConfigParseOptions.defaults().setAllowMissing(false));
            checkKeys(user, REFERENCE, "in " + file);
            origin = file.getPath();
        }
        user = applyOverrides(user, overrides, REFERENCE);
        return new JobConfig(user.withFallback(REFERENCE).resolve(), origin);
    }

    /** {@code user} with "key=value" overrides applied in order, each key checked against the reference. */
    private static Config applyOverrides(Config user, List<String> overrides, Config reference) {
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException.BadValue("--set", "'" + o + "' is not key=value");
            }
            String key = o.substring(0, eq).trim();
            Config one;
            try {
                one = ConfigFactory.parseString(key + " = " + o.substring(eq + 1));
            } catch (ConfigException e) {
                // an unquoted string that HOCON cannot parse: take it as a string
                one = ConfigFactory.empty().withValue(key,
                        com.typesafe.config.ConfigValueFactory.fromAnyRef(o.substring(eq + 1)));
            }
            checkKeys(one, reference, "in --set " + o);
            user = one.withFallback(user);
        }
        return user;
    }

    /** Parses a resolved configuration written by {@link #render()} (a run's config.conf). */
    public static JobConfig parse(String rendered, String origin) {
        Config user = ConfigFactory.parseString(rendered);
        checkKeys(user, REFERENCE, "in " + origin);
        return new JobConfig(user.withFallback(REFERENCE).resolve(), origin);
    }

    private static void checkKeys(Config user, Config reference, String where) {
        for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
            String key = e.getKey();
            if (!reference.hasPathOrNull(key)) {
                throw new ConfigException.BadPath(key, "unknown configuration key '" + key + "' " + where
                        + suggestion(key, reference) + "; every key is listed in docs/configuration.md");
            }
        }
    }

    private static String suggestion(String key, Config reference) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Map.Entry<String, ConfigValue> e : reference.entrySet()) {
            int d = editDistance(key, e.getKey());
            if (d < bestDistance) {
                bestDistance = d;
                best = e.getKey();
            }
        }
        return best != null && bestDistance <= Math.max(2, key.length() / 4) ? " (did you mean '" + best + "'?)" : "";
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    public Config raw() {
        return config;
    }

    public String origin() {
        return origin;
    }

    /** The whole resolved configuration as HOCON, the way a run directory records it. */
    public String render() {
        return config.root().render(ConfigRenderOptions.defaults().setOriginComments(false).setJson(false));
    }

    /** All keys, for the command line's help. */
    public static Set<String> keys() {
        Set<String> keys = new TreeSet<>();
        JobConfig.defaults().config.entrySet().forEach(e -> keys.add(e.getKey()));
        return keys;
    }

    /**
     * A copy with the keys of {@code overlay} (a HOCON object of job keys, such as a sweep spec's
     * {@code base}) set over this configuration; an unknown key is an error naming it and {@code where}.
     */
    public JobConfig overlaid(Config overlay, String where) {
        checkKeys(overlay, REFERENCE, where);
        return new JobConfig(overlay.withFallback(config).resolve(), origin);
    }

    /**
     * A copy with {@code key} set to {@code value} (a String, number, boolean or List of them): the
     * value is set as it is, never parsed, so a path with quotes or a '#' stays that path.
     */
    public JobConfig withValue(String key, Object value) {
        Config one = ConfigFactory.empty().withValue(key, ConfigValueFactory.fromAnyRef(value));
        checkKeys(one, REFERENCE, "");
        return new JobConfig(one.withFallback(config).resolve(), origin);
    }

    /**
     * One {@code --set}-style override, {@code key=value}, with {@code value} (a String, number,
     * boolean or List) rendered as HOCON: a path with quotes, spaces or a '#' stays that path. For
     * code that composes a list of overrides in order, as the benchmarks do with their users' own.
     */
    public static String setting(String key, Object value) {
        return key + "=" + ConfigValueFactory.fromAnyRef(value).render(ConfigRenderOptions.concise());
    }

    /**
     * The job configuration saved with an SNN converted from the teacher this configuration
     * trained: a direct-encoded student of IF neurons with soft reset at {@code timeSteps}, without
     * distillation, marked as converted from {@code teacherPath}.
     */
    public JobConfig convertedToSnn(int timeSteps, String teacherPath) {
        return withValue("model.role", "student").withValue("neuron.type", "if").withValue("neuron.reset", "soft")
                .withValue("encoding.type", "direct").withValue("encoding.time-steps", timeSteps)
                .withValue("distill.teacher", "").withValue("distill.feature.stages", List.of())
                .withValue("model.converted-from", teacherPath);
    }

    /** A copy with more overrides applied. */
    public JobConfig with(String... overrides) {
        Config user = applyOverrides(ConfigFactory.empty(), List.of(overrides), REFERENCE);
        return new JobConfig(user.withFallback(config).resolve(), origin);
    }
}
