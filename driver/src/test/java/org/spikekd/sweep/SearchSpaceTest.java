package org.spikekd.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;

/** Search spaces: expansion, seeded sampling, and specs rejected before anything runs. */
class SearchSpaceTest {
    static SearchSpace space(String hocon) {
        return SearchSpace.of(ConfigFactory.parseString(hocon));
    }

    static final String SPACE = "space {\n"
            + "  \"encoding.time-steps\" { grid = [2, 4, 8] }\n"
            + "  \"train.learning-rate\" { loguniform = [1e-4, 1e-2] }\n"
            + "  distill { temperature { choice = [2, 4] }, alpha { uniform = [0.3, 0.9] } }\n"
            + "  \"model.vgg.hidden\" { choice = [[128], [256]] }\n"
            + "  \"train.batch-size\" { randint = [32, 65] }\n"
            + "}";

    @Test
    void gridPointsAreCrossedWithRandomSamples() {
        SearchSpace s = space(SPACE);
        assertEquals(List.of("distill.alpha", "distill.temperature", "encoding.time-steps", "model.vgg.hidden",
                "train.batch-size", "train.learning-rate"), s.keys(), "quoted and nested keys alike");
        assertEquals(3, s.gridSize());
        List<Map<String, ConfigValue>> trials = s.trials(4, 11);
        assertEquals(12, trials.size());
        Map<Object, Integer> perStep = new HashMap<>();
        for (Map<String, ConfigValue> t : trials) {
            perStep.merge(t.get("encoding.time-steps").unwrapped(), 1, Integer::sum);
            double lr = SearchSpace.number(t.get("train.learning-rate"));
            assertTrue(lr >= 1e-4 && lr <= 1e-2, "loguniform in range: " + lr);
            double alpha = SearchSpace.number(t.get("distill.alpha"));
            assertTrue(alpha >= 0.3 && alpha <= 0.9);
            long batch = ((Number) t.get("train.batch-size").unwrapped()).longValue();
            assertTrue(batch >= 32 && batch <= 64, "randint excludes high: " + batch);
            assertTrue(List.of(2, 4).contains(((Number) t.get("distill.temperature").unwrapped()).intValue()));
            // each trial is a valid job
            new JobSettings(JobConfig.defaults().with(SearchSpace.overrides(t).toArray(new String[0])));
        }
        assertEquals(Map.of(2, 4, 4, 4, 8, 4), perStep, "each grid point once per sample");
    }

    @Test
    void samplingIsReproducibleBySeed() {
        SearchSpace s = space(SPACE);
        assertEquals(SearchSpace.overrides(s.trials(3, 7).get(5)), SearchSpace.overrides(s.trials(3, 7).get(5)));
        assertNotEquals(s.trials(3, 7).toString(), s.trials(3, 8).toString());
        // loguniform spreads over decades: about as many draws below 1e-3 as above
        long below = space("space { \"train.learning-rate\" { loguniform = [1e-4, 1e-2] } }").trials(2000, 1).stream()
                .filter(t -> SearchSpace.number(t.get("train.learning-rate")) < 1e-3).count();
        assertTrue(below > 900 && below < 1100, below + " of 2000 below the geometric middle");
    }

    @Test
    void badSpecsAreRejectedNamingTheKey() {
        assertMessage("space.train.learning-rate.uniform", "empty range",
                () -> space("space { \"train.learning-rate\" { uniform = [0.1, 0.01] } }"));
        assertMessage("space.encoding.time-steps.grid", "non-empty list",
                () -> space("space { \"encoding.time-steps\" { grid = [] } }"));
        assertMessage("space.train.learning-rate.uniform", "two numbers",
                () -> space("space { \"train.learning-rate\" { uniform = [\"a\", 1] } }"));
        assertMessage("space.train.learning-rate.loguniform", "low > 0",
                () -> space("space { \"train.learning-rate\" { loguniform = [0, 1] } }"));
        assertMessage("space.train.batch-size.randint", "integers",
                () -> space("space { \"train.batch-size\" { randint = [1.5, 8] } }"));
        assertMessage("space.distill.temperature", "must be a domain", () -> space("space { \"distill.temperature\" = 4 }"));
        assertMessage("space", "is empty", () -> space("space {}"));
        // checked against the job: unknown keys and values the job refuses
        assertMessage("space.train.learning-rat", "did you mean 'train.learning-rate'",
                () -> space("space { \"train.learning-rat\" { grid = [0.1] } }").check(JobConfig.defaults()));
        assertMessage("space.encoding.time-steps", "grid value 0",
                () -> space("space { \"encoding.time-steps\" { grid = [0, 4] } }").check(JobConfig.defaults()));
        assertMessage("space.train.optimizer", "choice value \"adamw\"",
                () -> space("space { \"train.optimizer\" { choice = [adam, adamw] } }").check(JobConfig.defaults()));
        space(SPACE).check(JobConfig.defaults());
    }

    private static void assertMessage(String key, String problem, org.junit.jupiter.api.function.Executable bad) {
        ConfigException e = assertThrows(ConfigException.class, bad);
        assertTrue(e.getMessage().contains(key) && e.getMessage().contains(problem), e.getMessage());
    }
}
