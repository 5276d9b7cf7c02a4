package org.spikekd.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sweep specs: read with their defaults, and every kind of bad spec rejected naming the key. */
class SweepSpecTest {
    @TempDir Path dir;

    static final String GOOD = "job = conf/fashion-mnist-kd-student.conf\n"
            + "set = [\"train.epochs=9\", \"data.train-limit=2000\"]\n"
            + "space { \"encoding.time-steps\" { grid = [2, 4] }, \"distill.temperature\" { loguniform = [1, 8] } }\n"
            + "samples = 3\n"
            + "budget { trials = 5, wall-time = 2h }\n"
            + "metric = test_loss\n"
            + "mode = min\n"
            + "scheduler { grace-period = 1, reduction-factor = 3 }\n";

    private File write(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text.replace("conf/", projectConf() + "/"));
        return f.toFile();
    }

    /** The project's conf/ directory, found from wherever the tests run. */
    private static String projectConf() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("conf/fashion-mnist-kd-student.conf"))) {
                return p.resolve("conf").toString();
            }
        }
        throw new IllegalStateException("no conf/fashion-mnist-kd-student.conf above " + Path.of("").toAbsolutePath());
    }

    @Test
    void aSpecIsReadWithItsDefaults() throws Exception {
        SweepSpec spec = SweepSpec.load(write("tsteps.conf", GOOD));
        assertEquals("tsteps", spec.name, "named after its file");
        assertEquals(9, spec.job.raw().getInt("train.epochs"), "the base job with its overrides");
        assertEquals("student", spec.job.raw().getString("model.role"));
        assertEquals(5, spec.trials().size(), "2 grid points x 3 samples, cut to the budget of 5");
        assertEquals(Duration.ofHours(2), spec.wallTime);
        assertFalse(spec.maximize);
        assertEquals(new AshaScheduler.Settings(9, 1, 3, false), spec.scheduler);
        assertTrue(spec.trialParallel);
        assertEquals(Path.of("sweeps/tsteps").toAbsolutePath().toString(), spec.directory, "sweeps/NAME by default");
        assertEquals("jdbc:sqlite:" + spec.directory + "/trials.db", spec.store, "SQLite in the sweep directory");
        SweepSpec none = SweepSpec.load(write("plain.conf", GOOD + "scheduler.type = none\nname = mine\n"));
        assertNull(none.scheduler);
        assertEquals("mine", none.name);
    }

    @Test
    void theExampleSpecsInConfAreValid() throws Exception {
        try (var specs = Files.list(Path.of(projectConf(), "sweeps"))) {
            for (Path spec : specs.filter(p -> p.toString().endsWith(".conf")).toList()) {
                // their job paths are relative to the project's root; write() makes them absolute
                SweepSpec s = SweepSpec.load(write(spec.getFileName().toString(), Files.readString(spec)));
                assertTrue(s.trials().size() > 1, spec.toString());
            }
        }
    }

    @Test
    void theRenderedSpecIsSelfContained() throws Exception {
        SweepSpec spec = SweepSpec.load(write("tsteps.conf", GOOD + "base { train { batch-size = 16 } }\n"));
        assertEquals(16, spec.job.raw().getInt("train.batch-size"), "base sets job keys inline");
        assertEquals(2000, spec.job.raw().getInt("data.train-limit"), "set applies over base and job");
        // what --resume reads: no job file, the whole base job inline, the same sweep again
        SweepSpec again = SweepSpec.parse(ConfigFactory.parseString(spec.rendered), "other");
        assertEquals(spec.rendered, again.rendered);
        assertEquals("tsteps", again.name);
        assertEquals(spec.job.raw(), again.job.raw());
        assertEquals(spec.trials(), again.trials());
        SweepSpec onHdfs = SweepSpec.load(write("h.conf", GOOD + "directory = \"hdfs://nn:8020/sweeps/h\"\n"
                + "store = \"jdbc:postgresql://db/sweeps?user=me\"\n"));
        assertEquals("hdfs://nn:8020/sweeps/h", onHdfs.directory);
        assertEquals("jdbc:postgresql://db/sweeps?user=me", onHdfs.store);
    }

    @Test
    void badSpecsAreRejectedBeforeAnythingRuns() throws Exception {
        assertBad("scheduler.type", "unknown sweep spec key 'schedular.type'", GOOD + "schedular.type = asha\n");
        assertBad("samples", "samples has type STRING rather than NUMBER", GOOD + "samples = many\n");
        assertBad("samples", "must be at least 1", GOOD + "samples = 0\n");
        assertBad("metric", "must be one of", GOOD + "metric = test_acc\n");
        assertBad("mode", "must be one of", GOOD + "mode = up\n");
        assertBad("scheduler.grace-period", "more than the job's 9 epochs", GOOD + "scheduler.grace-period = 10\n");
        assertBad("space.encoding.time-steps.grid", "non-empty list",
                GOOD + "space { \"encoding.time-steps\" { grid = [] } }\n");
        assertBad("space.distill.temperature.loguniform", "empty range",
                GOOD + "space { \"distill.temperature\" { loguniform = [8, 1] } }\n");
        assertBad("space.distill.temprature", "did you mean 'distill.temperature'",
                GOOD + "space { \"distill.temprature\" { grid = [2] } }\n");
        assertBad("set", "train.epoch", GOOD + "set = [\"train.epoch=3\"]\n");
        assertBad("parallelism.mode", "must be one of", GOOD + "parallelism.mode = both\n");
        assertBad("budget.wall-time", "wall-time", GOOD + "budget.wall-time = soon\n");
        assertBad("metric", "the base job evaluates the test split", GOOD + "metric = validation_accuracy\n");
        assertBad("store", "not on the local disk", GOOD + "directory = \"hdfs://nn/sweeps/x\"\n");
        assertBad("store", "must be a JDBC URL", GOOD + "store = \"postgres://db\"\n");
        assertBad("space.run.dir", "set by the sweep", GOOD + "space { \"run.dir\" { grid = [a, b] } }\n");
        assertBad("base", "unknown configuration key 'train.epoch'", "job = conf/fashion-mnist-kd-student.conf\n"
                + "base { train.epoch = 3 }\nspace { \"encoding.time-steps\" { grid = [2, 4] } }\n");
    }

    private void assertBad(String key, String problem, String spec) throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> SweepSpec.load(write("bad.conf", spec)));
        assertTrue(e.getMessage().contains(key) || e.getMessage().contains(problem), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }
}
