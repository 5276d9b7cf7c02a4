package org.spikekd.sweep;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;

/**
 * The search space of a sweep: for each job configuration key searched, a domain, in Ray Tune's
 * vocabulary: {@code grid} (every value, crossed with the other grids), {@code choice} (one value
 * at random), {@code uniform} and {@code loguniform} ([low, high] reals) and {@code randint}
 * ([low, high) integers). Written in a sweep spec as
 * <pre>
 * space {
 *   "encoding.time-steps" { grid = [2, 4, 8] }
 *   "train.learning-rate" { loguniform = [1e-4, 1e-2] }
 *   "distill.tau" { choice = [2, 4, 8] }
 * }
 * </pre>
 * Trials are the grid's points, each {@code samples} times with the random domains drawn anew:
 * the same seed gives the same trials.
 */
public final class SearchSpace {
    static final List<String> DOMAINS = List.of("grid", "choice", "uniform", "loguniform", "randint");

    /** One searched key and its domain. */
    record Dimension(String key, String domain, List<ConfigValue> values, double low, double high) {
        boolean isGrid() {
            return domain.equals("grid");
        }

        ConfigValue sample(Random random) {
            switch (domain) {
                case "choice":
                    return values.get(random.nextInt(values.size()));
                case "uniform":
                    return ConfigValueFactory.fromAnyRef(low + (high - low) * random.nextDouble());
                case "loguniform":
                    return ConfigValueFactory.fromAnyRef(
                            Math.exp(Math.log(low) + (Math.log(high) - Math.log(low)) * random.nextDouble()));
                case "randint":
                    return ConfigValueFactory.fromAnyRef((long) low + (long) Math.floor(random.nextDouble() * (high - low)));
                default:
                    throw new IllegalStateException("a grid is not sampled");
            }
        }

        /** Values that exercise the domain's bounds, to check them against the job configuration. */
        List<ConfigValue> extremes() {
            switch (domain) {
                case "grid":
                case "choice":
                    return values;
                case "randint":
                    return List.of(ConfigValueFactory.fromAnyRef((long) low), ConfigValueFactory.fromAnyRef((long) high - 1));
                default:
                    return List.of(ConfigValueFactory.fromAnyRef(low), ConfigValueFactory.fromAnyRef(high));
            }
        }
    }

    private final List<Dimension> dimensions;

    private SearchSpace(List<Dimension> dimensions) {
        this.dimensions = List.copyOf(dimensions);
    }

    /**
     * Reads the {@code space} object of a sweep spec; a malformed domain is an error naming
     * {@code space.KEY}. Keys may be quoted ({@code "train.learning-rate"}) or nested.
     */
    public static SearchSpace parse(ConfigObject space) {
        List<Dimension> dims = new ArrayList<>();
        collect(space, "", dims);
        if (dims.isEmpty()) {
            throw new ConfigException.BadValue("space", "is empty: name at least one configuration key to search");
        }
        dims.sort((a, b) -> a.key().compareTo(b.key()));
        return new SearchSpace(dims);
    }

    private static void collect(ConfigObject object, String prefix, List<Dimension> out) {
        for (Map.Entry<String, ConfigValue> e : new TreeMap<>(object).entrySet()) {
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue().valueType() != ConfigValueType.OBJECT) {
                throw new ConfigException.BadValue("space." + key, "must be a domain such as { grid = [...] }, one of "
                        + DOMAINS + "; got " + render(e.getValue()));
            }
            ConfigObject o = (ConfigObject) e.getValue();
            if (o.size() == 1 && DOMAINS.contains(o.keySet().iterator().next())) {
                out.add(dimension(key, o.keySet().iterator().next(), o.values().iterator().next()));
            } else {
                collect(o, key, out);
            }
        }
    }

    private static Dimension dimension(String key, String domain, ConfigValue value) {
        String where = "space." + key + "." + domain;
        if (value.valueType() != ConfigValueType.LIST || ((ConfigList) value).isEmpty()) {
            throw new ConfigException.BadValue(where, "must be a non-empty list, got " + render(value));
        }
        List<ConfigValue> values = new ArrayList<>((ConfigList) value);
        if (domain.equals("grid") || domain.equals("choice")) {
            return new Dimension(key, domain, values, 0, 0);
        }
        if (values.size() != 2 || values.stream().anyMatch(v -> v.valueType() != ConfigValueType.NUMBER)) {
            throw new ConfigException.BadValue(where, "must be [low, high], two numbers; got " + render(value));
        }
        double low = ((Number) values.get(0).unwrapped()).doubleValue();
        double high = ((Number) values.get(1).unwrapped()).doubleValue();
        if (!(low < high)) {
            throw new ConfigException.BadValue(where, "is an empty range: low " + low + " is not below high " + high);
        }
        if (domain.equals("loguniform") && low <= 0) {
            throw new ConfigException.BadValue(where, "needs low > 0, got " + low);
        }
        if (domain.equals("randint") && (low != Math.rint(low) || high != Math.rint(high) || high - low < 1)) {
            throw new ConfigException.BadValue(where, "needs integers low < high (high excluded), got " + render(value));
        }
        return new Dimension(key, domain, values, low, high);
    }

    /** The searched keys, sorted. */
    public List<String> keys() {
        return dimensions.stream().map(Dimension::key).toList();
    }

    /** Number of grid points (1 without grids). */
    public int gridSize() {
        return dimensions.stream().filter(Dimension::isGrid).mapToInt(d -> d.values().size()).reduce(1, Math::multiplyExact);
    }

    /**
     * The trials: every grid point {@code samples} times, the other domains drawn by {@code seed}.
     * Each trial is its configuration overrides, key to value, in key order.
     */
    public List<Map<String, ConfigValue>> trials(int samples, long seed) {
        if (samples < 1) {
            throw new ConfigException.BadValue("samples", "must be at least 1, got " + samples);
        }
        Random random = new Random(seed);
        List<Map<String, ConfigValue>> out = new ArrayList<>();
        for (Map<String, ConfigValue> point : gridPoints()) {
            for (int s = 0; s < samples; s++) {
                Map<String, ConfigValue> trial = new LinkedHashMap<>();
                for (Dimension d : dimensions) {
                    trial.put(d.key(), d.isGrid() ? point.get(d.key()) : d.sample(random));
                }
                out.add(trial);
            }
        }
        return out;
    }

    private List<Map<String, ConfigValue>> gridPoints() {
        List<Map<String, ConfigValue>> points = new ArrayList<>();
        points.add(new LinkedHashMap<>());
        for (Dimension d : dimensions) {
            if (!d.isGrid()) {
                continue;
            }
            List<Map<String, ConfigValue>> next = new ArrayList<>();
            for (Map<String, ConfigValue> p : points) {
                for (ConfigValue v : d.values()) {
                    Map<String, ConfigValue> q = new LinkedHashMap<>(p);
                    q.put(d.key(), v);
                    next.add(q);
                }
            }
            points = next;
        }
        return points;
    }

    /**
     * Checks every domain against the job configuration before anything runs: the key must exist,
     * and each grid or choice value and both ends of each range must be a valid value for it.
     */
    public void check(JobConfig base) {
        for (Dimension d : dimensions) {
            for (ConfigValue v : d.extremes()) {
                try {
                    new JobSettings(base.with(override(d.key(), v)));
                } catch (ConfigException | IllegalArgumentException e) {
                    throw new ConfigException.BadValue("space." + d.key(), d.domain() + " value " + render(v)
                            + " is not valid for the job: " + e.getMessage());
                }
            }
        }
    }

    /** A trial as {@code key=value} overrides, as {@code --set} takes them. */
    public static List<String> overrides(Map<String, ConfigValue> trial) {
        return trial.entrySet().stream().map(e -> override(e.getKey(), e.getValue())).toList();
    }

    private static String override(String key, ConfigValue value) {
        return key + "=" + render(value);
    }

    private static String render(ConfigValue value) {
        return value.render(ConfigRenderOptions.concise());
    }

    /** A configuration key's value as a domain reads it (for tests and reports). */
    static double number(ConfigValue value) {
        return ((Number) value.unwrapped()).doubleValue();
    }

    /** Reads a spec's {@code space} from a whole spec. */
    public static SearchSpace of(Config spec) {
        if (!spec.hasPath("space")) {
            throw new ConfigException.Missing("space");
        }
        return parse(spec.getObject("space"));
    }
}
