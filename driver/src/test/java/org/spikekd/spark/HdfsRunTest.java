package org.spikekd.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;
import org.spikekd.run.TrainingRun;
import org.spikekd.sparse.PathChoice;
import org.spikekd.train.ModelState;
import org.spikekd.train.Progress;

/**
 * Data, teacher, run directory and checkpoints on a real HDFS (MiniDFSCluster): a KD student trained
 * on Spark from hdfs:// data, its run killed in the second epoch and resumed from the checkpoint on
 * HDFS.
 */
class HdfsRunTest {

    @TempDir static Path base;
    static MiniDFSCluster hdfs;
    static FileSystem fs;
    static String root;
    static JavaSparkContext sc;

    @BeforeAll
    static void start() throws Exception {
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        // runs compared with each other take one fixed convolution path: under the automatic
        // choice two runs may time their way onto different paths (see sparse.PathChoice)
        System.setProperty(PathChoice.Mode.PROPERTY, "sparse");
        hdfs = LocalHdfs.start(base);
        fs = hdfs.getFileSystem();
        root = LocalHdfs.uri(hdfs);
        LocalHdfs.copyFashionMnist(fs, "/datasets/fashion-mnist");
    }

    @AfterAll
    static void stop() {
        System.clearProperty(PathChoice.Mode.PROPERTY);
        if (sc != null) {
            sc.stop();
        }
        if (hdfs != null) {
            hdfs.shutdown();
        }
    }

    static Progress quiet() {
        return new Progress(new PrintStream(new ByteArrayOutputStream()), false, 1000);
    }

    static JobConfig job(String... more) {
        List<String> all = new java.util.ArrayList<>(List.of(
                "data.path=\"" + root + "/datasets/fashion-mnist\"", "data.train-limit=600", "data.test-limit=200",
                "model.vgg.stages=[[8],[16]]", "model.vgg.hidden=[32]", "encoding.time-steps=2",
                "train.batch-size=32", "train.seed=5", "spark.master=\"local[1]\"", "spark.partitions=2",
                "spark.task-max-failures=2", "run.dir=\"" + root + "/runs\""));
        all.addAll(List.of(more));
        return JobConfig.load(null, all);
    }

    static String read(String path) throws Exception {
        try (var in = fs.open(new org.apache.hadoop.fs.Path(path))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aKdRunOnHdfsIsKilledAndResumedFromItsCheckpoint() throws Exception {
        TrainingRun.Result teacher = TrainingRun.local(job("model.role=teacher", "train.epochs=1",
                "run.name=teacher"), quiet()).run();
        assertEquals(root + "/runs/teacher/model.zip", teacher.model, "the teacher's model is on HDFS");
        sc = SparkContexts.start(new JobSettings(job()), "HdfsRunTest");

        // SGD: see EpochAveragingTrainerTest.TOLERANCE
        List<String> student = List.of("model.role=student", "train.epochs=2", "train.optimizer=sgd",
                "train.learning-rate=0.2",
                "distill.teacher=\"" + teacher.model + "\"");
        TrainingRun.Result uninterrupted = new TrainingRun(job(concat(student, "run.name=whole")), quiet(),
                new EpochAveragingTrainer(sc)).run();

        JobConfig killed = job(concat(student, "run.name=killed"));
        assertThrows(Exception.class, () -> new TrainingRun(killed, quiet(),
                new EpochAveragingTrainer(sc).withMinibatchListener(new FailingTask(2, 1, 99))).run());
        String dir = root + "/runs/killed";
        assertTrue(read(dir + "/checkpoint.json").contains("\"epoch\" : 1"));
        assertTrue(fs.exists(new org.apache.hadoop.fs.Path(dir + "/checkpoint-epoch-0001.zip")));
        assertTrue(!fs.exists(new org.apache.hadoop.fs.Path(dir + "/summary.json")));

        TrainingRun.Result resumed = new TrainingRun(TrainingRun.configOf(dir), quiet(), new EpochAveragingTrainer(sc))
                .resumeFrom(dir).run();
        EpochAveragingTrainerTest.assertSameState(ModelState.of(uninterrupted.network), resumed.network);
        assertEquals(2, read(dir + "/metrics.jsonl").strip().split("\n").length);
        assertTrue(read(dir + "/summary.json").contains("\"accuracy\""));
        assertEquals(uninterrupted.test.accuracy, resumed.test.accuracy, 0.02);
        assertTrue(resumed.test.accuracy > 0.2, "above chance (0.1): " + resumed.test.accuracy);
    }

    static String[] concat(List<String> a, String b) {
        List<String> all = new java.util.ArrayList<>(a);
        all.add(b);
        return all.toArray(new String[0]);
    }
}
