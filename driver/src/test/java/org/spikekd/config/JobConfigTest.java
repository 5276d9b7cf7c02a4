package org.spikekd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.spikekd.averaging.AveragingSettings;
import org.spikekd.averaging.OuterOptimizer;
import org.spikekd.train.LearningRateSchedule;
import org.spikekd.train.TrainingSettings;

/** Job configuration: unknown keys and bad values are errors naming the key; every key is documented. */
class JobConfigTest {
    @TempDir
    Path dir;

    File job(String text) throws IOException {
        Path p = dir.resolve("job.conf");
        Files.writeString(p, text);
        return p.toFile();
    }

    @Test
    void aMisspelledKeyInAFileIsAnErrorNamingKeyFileAndTheLikelyKey() throws IOException {
        File file = job("train { epochs = 3, learning-rat = 0.01 }\n");
        ConfigException e = assertThrows(ConfigException.class, () -> JobConfig.load(file, List.of()));
        assertTrue(e.getMessage().contains("'train.learning-rat'"), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'train.learning-rate'"), e.getMessage());
    }

    @Test
    void anUnknownKeyInSetIsAnError() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> JobConfig.load(null, List.of("neuron.threshold=0.5")));
        assertTrue(e.getMessage().contains("'neuron.threshold'"), e.getMessage());
        assertTrue(e.getMessage().contains("--set"), e.getMessage());
    }

    @Test
    void setOverridesTheFileAndLaterSetsOverrideEarlierOnes() throws IOException {
        File file = job("train.epochs = 3\nmodel.vgg.stages = [[8], [16]]\n");
        JobConfig c = JobConfig.load(file, List.of("train.epochs=5", "train.epochs=7", "model.arch=resnet"));
        assertEquals(7, c.raw().getInt("train.epochs"));
        assertEquals("resnet", c.raw().getString("model.arch"));
        assertEquals(List.of(List.of(8), List.of(16)), c.raw().getList("model.vgg.stages").unwrapped());
        assertEquals(0.001, c.raw().getDouble("train.learning-rate")); // from reference.conf
    }

    @Test
    void aMissingFileIsAnErrorNamingIt() {
        File missing = dir.resolve("nope.conf").toFile();
        ConfigException e = assertThrows(ConfigException.class, () -> JobConfig.load(missing, List.of()));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void theRenderedConfigurationParsesBackToTheSameSettings() {
        JobConfig c = JobConfig.load(null, List.of("distill.feature.stages=[1,2]", "surrogate.type=arctan"));
        JobConfig back = JobConfig.parse(c.render(), "config.conf");
        assertEquals(c.raw().root().unwrapped(), back.raw().root().unwrapped());
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        "train.learning-rate | -0.1",
        "train.learning-rate | NaN",
        "train.epochs | 0",
        "train.batch-size | many",
        "train.optimizer | rmsprop",
        "train.schedule | linear",
        "model.role | professor",
        "model.arch | alexnet",
        "model.resnet.depth | 101",
        "model.vgg.pooling | median",
        "neuron.type | izhikevich",
        "neuron.tau | 0.5",
        "neuron.reset | partial",
        "surrogate.type | gaussian",
        "surrogate.alpha | 0",
        "encoding.type | latency",
        "encoding.time-steps | 0",
        "distill.alpha | 1.5",
        "distill.temperature | 0",
        "distill.feature.beta | -1",
        "distill.feature.stages | [0]",
        "distill.feature.stages | [2]",
        "data.format | parquet",
        "data.train-limit | -5",
        "data.augment.random-crop-padding | -1",
        "spark.master | ''",
        "spark.partitions | -2",
        "spark.averaging-every | -1",
        "spark.task-max-failures | 0",
        "spark.outer.momentum | 1",
        "spark.outer.optimizer | adam",
        "spark.learning-rate-scaling | cubic",
    })
    void aBadValueIsAnErrorNamingTheKey(String key, String value) {
        JobConfig c = JobConfig.load(null, List.of(key + "=" + value));
        // a ConfigException, whichever concept checked it: what the command line and sweeps report
        Exception e = assertThrows(ConfigException.class, () -> new JobSettings(c));
        assertTrue(e.getMessage().contains(key), "message should name " + key + ": " + e.getMessage());
    }

    @Test
    void valuesSetInCodeAreTakenAsTheyAreNeverParsed() {
        String path = "/data/a \"quoted\" dir #1/model.zip";
        assertEquals(path, JobConfig.load(null, List.of(JobConfig.setting("distill.teacher", path)))
                .raw().getString("distill.teacher"));
        assertEquals(path, JobConfig.defaults().withValue("distill.teacher", path).raw().getString("distill.teacher"));
        assertEquals(16, JobConfig.defaults().withValue("encoding.time-steps", 16).raw().getInt("encoding.time-steps"));
        assertThrows(ConfigException.class, () -> JobConfig.defaults().withValue("encoding.steps", 16));
    }

    @Test
    void eachConceptsSettingsAreBoundOnceIntoTheirTypedValues() {
        JobSettings s = new JobSettings(JobConfig.load(null, List.of("spark.outer.optimizer=nesterov",
                "spark.outer.learning-rate=0.5", "spark.outer.learning-rate-scaling=linear", "spark.outer.momentum=0.6",
                "spark.partitions=4", "train.optimizer=sgd", "train.schedule=cosine", "train.batch-size=16")));
        assertEquals(new AveragingSettings(4, 0, 0, 1, AveragingSettings.Scaling.SQRT, OuterOptimizer.Kind.NESTEROV,
                0.5, AveragingSettings.Scaling.LINEAR, 0.6, 1), s.averaging());
        assertEquals(2.0, s.averaging().outerOptimizer(4).learningRate());
        assertEquals(new TrainingSettings(TrainingSettings.Optimizer.SGD, 0.001, 0.9, 0.0,
                LearningRateSchedule.Kind.COSINE, 30, 0.1, 2, 16, 0), s.training());
    }

    @Test
    void theDefaultsAndEveryShippedJobFileAreValid() throws IOException {
        new JobSettings(JobConfig.defaults());
        Path conf = projectRoot().resolve("conf");
        int checked = 0;
        try (var files = Files.list(conf)) {
            for (Path p : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".conf")
                    && !f.getFileName().toString().startsWith("spark"))::iterator) {
                JobConfig job = JobConfig.load(p.toFile(), List.of());
                if (!job.raw().getIntList("distill.feature.stages").isEmpty()) {
                    // feature KD recipes name their teacher on the command line
                    job = JobConfig.load(p.toFile(), List.of("distill.teacher=teacher.zip"));
                }
                new JobSettings(job);
                checked++;
            }
        }
        assertTrue(checked >= 3, "expected the job files in " + conf);
    }

    @Test
    void theConfigurationReferenceDocumentsEveryKey() throws IOException {
        String readme = Files.readString(projectRoot().resolve("docs/configuration.md"));
        Set<String> missing = new TreeSet<>();
        for (String key : JobConfig.keys()) {
            if (!readme.contains("`" + key + "`")) {
                missing.add(key);
            }
        }
        assertTrue(missing.isEmpty(), "docs/configuration.md lacks " + missing);
    }

    static Path projectRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("conf")) ) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("no conf/ directory above " + Path.of("").toAbsolutePath());
        }
        return p;
    }
}
