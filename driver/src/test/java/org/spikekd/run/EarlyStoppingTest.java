package org.spikekd.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.config.JobConfig;
import org.spikekd.train.Progress;

/** A run asked after each epoch whether to go on (as a sweep's scheduler does) stops when told. */
class EarlyStoppingTest {
    @TempDir Path runs;

    @Test
    void aRunStopsAfterTheEpochItsListenerRejects() throws Exception {
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        JobConfig config = JobConfig.load(null, List.of(
                "data.path=/usr/share/datasets/fashion-mnist", "data.train-limit=128", "data.test-limit=64",
                "model.role=teacher", "model.vgg.stages=[[8],[16]]", "model.vgg.hidden=[32]",
                "train.epochs=4", "train.batch-size=32", "run.dir=\"" + runs + "\"", "run.name=stopped"));
        List<Map<String, Object>> seen = new ArrayList<>();
        TrainingRun.Result result = TrainingRun.local(config,
                new Progress(new PrintStream(new ByteArrayOutputStream()), false, 1000))
                .stoppingWhen((epoch, metrics) -> {
                    seen.add(metrics);
                    return epoch < 2;
                }).run();
        assertEquals(2, seen.size(), "asked after epochs 1 and 2, not after the stop");
        assertEquals(2, seen.get(1).get("epoch"));
        assertTrue(seen.get(1).containsKey("test_accuracy"));
        assertEquals(2, result.epochs.size());
        Path dir = Path.of(result.runDirectory);
        assertEquals(2, Files.readAllLines(dir.resolve("metrics.jsonl")).size());
        String summary = Files.readString(dir.resolve("summary.json"));
        assertTrue(summary.contains("\"stopped_early\" : true") && summary.contains("\"epochs\" : 2"), summary);
        assertEquals(2, RunDirectory.open(result.runDirectory).lastCheckpoint().epoch);
    }
}
