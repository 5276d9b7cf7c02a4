package org.spikekd.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spikekd.config.JobConfig;
import org.spikekd.train.Progress;
import org.spikekd.testing.ConvolutionPath;

/**
 * A run is decided by its configuration: the same job twice trains the same student, bit for bit,
 * with the convolutions on one fixed path (the automatic choice times its way between two paths
 * that agree only to float rounding; see sparse.PathChoice).
 */
@ConvolutionPath("sparse")
class ReproducibilityTest {
    @TempDir Path runs;


    @Test
    void theSameJobTwiceTrainsTheSameStudent() throws Exception {
        TrainingRun.Result first = run("first", "encoding.type=direct");
        TrainingRun.Result second = run("second", "encoding.type=direct");
        assertEquals(first.network.params(), second.network.params());
        assertEquals(first.test.accuracy, second.test.accuracy);
    }

    @Test
    void soWithPoissonSpikes() throws Exception {
        TrainingRun.Result first = run("poisson-first", "encoding.type=poisson");
        TrainingRun.Result second = run("poisson-second", "encoding.type=poisson");
        assertEquals(first.network.params(), second.network.params(), "the same spikes in the same passes");
        TrainingRun.Result reseeded = run("poisson-seed-1", "encoding.type=poisson", "train.seed=1");
        org.junit.jupiter.api.Assertions.assertNotEquals(first.network.params(), reseeded.network.params());
    }

    private TrainingRun.Result run(String name, String... more) throws Exception {
        JobConfig c = JobConfig.load(null, List.of("data.train-limit=256", "data.test-limit=200",
                "model.vgg.stages=[[8],[16]]", "model.vgg.hidden=[32]", "encoding.time-steps=2", "train.epochs=2",
                "train.batch-size=32", "train.train-eval-limit=100", "train.optimizer=sgd", "train.learning-rate=0.1",
                "run.dir=\"" + runs + "\"", "run.name=" + name)).with(more);
        return TrainingRun.local(c, new Progress(new PrintStream(new ByteArrayOutputStream()), false, 1000)).run();
    }
}
