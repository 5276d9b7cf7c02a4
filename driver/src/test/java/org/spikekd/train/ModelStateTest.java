package org.spikekd.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;
import org.spikekd.run.ModelFile;
import org.spikekd.run.RunDirectory;
import org.spikekd.run.TrainingRun;

/**
 * A student's whole training state (parameters with batch-norm statistics, Adam's two moment
 * estimates, the iteration count) survives, bit for bit, the two trips distributed training and
 * resuming depend on: through {@link ModelState} into a fresh network, and through a checkpoint.
 * (The distributed-vs-local tests train with SGD; this is where Adam's state is checked.)
 */
class ModelStateTest {
    @TempDir Path runs;

    @Test
    void adamStateSurvivesModelStateAndCheckpointsExactly() throws Exception {
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        JobConfig config = JobConfig.load(null, List.of(
                "data.path=/usr/share/datasets/fashion-mnist", "data.train-limit=256", "data.test-limit=64",
                "model.role=student", "model.vgg.stages=[[8],[16]]", "model.vgg.hidden=[32]",
                "encoding.time-steps=2", "train.epochs=1", "train.batch-size=32", "train.optimizer=adam",
                "run.dir=\"" + runs + "\"", "run.name=adam"));
        TrainingRun.Result trained = TrainingRun.local(config,
                new Progress(new PrintStream(new ByteArrayOutputStream()), false, 1000)).run();
        ModelState state = ModelState.of(trained.network);
        assertEquals(8, state.iterationCount, "256 examples in minibatches of 32");
        // two moments per trained parameter (batch norm's running statistics have none)
        assertTrue(state.updaterState.length > trained.network.numParams(), "Adam's state: " + state.updaterState.length);

        JobSettings s = new JobSettings(config);
        ComputationGraph fresh = TrainingRun.newNetwork(s, s.data().loader().trainingSplit(256), null);
        state.applyTo(fresh);
        assertSameBits(state, ModelState.of(fresh));

        RunDirectory.Checkpoint checkpoint = RunDirectory.open(trained.runDirectory).lastCheckpoint();
        assertEquals(1, checkpoint.epoch);
        assertSameBits(state, ModelState.of(ModelFile.load(checkpoint.model).network));
    }

    private static void assertSameBits(ModelState expected, ModelState actual) {
        assertEquals(expected.iterationCount, actual.iterationCount);
        assertArrayEquals(expected.parameters, actual.parameters);
        assertArrayEquals(expected.updaterState, actual.updaterState);
    }
}
