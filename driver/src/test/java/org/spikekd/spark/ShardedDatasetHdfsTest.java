package org.spikekd.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.cli.SpikeKd;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;
import org.spikekd.data.DatasetFormatException;
import org.spikekd.data.LabeledImages;
import org.spikekd.data.shards.ShardGroup;
import org.spikekd.data.shards.ShardedDataset;
import org.spikekd.data.source.DatasetLoader;
import org.spikekd.eval.Evaluator;
import org.spikekd.run.RunDirectory;
import org.spikekd.run.TrainingRun;
import org.spikekd.train.Progress;
import scala.collection.JavaConverters;

/**
 * Sharded datasets on a real HDFS (MiniDFSCluster): Fashion-MNIST ingested from hdfs:// into
 * hdfs:// by the ingest command, read as Spark partitions placed on the block holders, a KD student
 * trained and evaluated from it, damaged shards failing the job with their names, and an ingest
 * process killed half-way leaving nothing a reader accepts.
 */
class ShardedDatasetHdfsTest {

    @TempDir static Path base;
    static MiniDFSCluster hdfs;
    static FileSystem fs;
    static String root;
    /** Fashion-MNIST ingested with a 10% validation split, 1 MB shards. */
    static String dataset;
    static JsonNode ingestSummary;

    @BeforeAll
    static void start() throws Exception {
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        hdfs = LocalHdfs.start(base); // its datanode is "localhost", as local Spark's executor
        fs = hdfs.getFileSystem();
        root = LocalHdfs.uri(hdfs);
        LocalHdfs.copyFashionMnist(fs, "/raw/fashion-mnist");
        dataset = root + "/datasets/fashion-mnist";
        ingestSummary = RunDirectory.JSON.readTree(cli(0, "ingest", "--format", "idx", "--input", root + "/raw/fashion-mnist",
                "--output", dataset, "--shard-mb", "1", "--validation-fraction", "0.1", "--seed", "3"));
    }

    @AfterAll
    static void stop() {
        if (hdfs != null) {
            hdfs.shutdown();
        }
    }

    @Test
    void ingestWritesACompleteShardedDatasetOnHdfs() throws Exception {
        assertEquals(54000, ingestSummary.at("/splits/train/examples").asInt());
        assertEquals(6000, ingestSummary.at("/splits/validation/examples").asInt());
        assertEquals(10000, ingestSummary.at("/splits/test/examples").asInt());
        assertEquals(41, ingestSummary.at("/splits/train/shards").asInt(), "1 MB of 784-byte images: 1337 per shard");
        assertTrue(fs.exists(new org.apache.hadoop.fs.Path(dataset, "_SUCCESS")));
        ShardedDataset ds = ShardedDataset.open(dataset);
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), ds.manifest().classes);
        LabeledImages raw = new DatasetLoader("idx", LocalHdfs.FASHION, List.of(), 0, true).load("test", 0);
        LabeledImages read = ds.read("test", 0);
        assertEquals(raw.size(), read.size());
        for (int i = 0; i < raw.size(); i += 7) {
            assertEquals(raw.label(i), read.label(i));
            assertArrayEquals(raw.image(i), read.image(i));
        }
        // an existing dataset is not replaced without --overwrite
        String err = cliError("ingest", "--format", "idx", "--input", root + "/raw/fashion-mnist", "--output", dataset);
        assertTrue(err.contains("already exists") && err.contains("--overwrite"), err);
    }

    @Test
    void partitionsAreShardGroupsScheduledWhereTheirBlocksAre() throws Exception {
        JobConfig job = job("data.train-limit=0");
        try (JavaSparkContext sc = SparkContexts.start(new JobSettings(job), "shards")) {
            LongAccumulator reads = sc.sc().longAccumulator("reads");
            JavaRDD<LabeledImages> parts = DatasetPartitions.cache(sc, job.render(), 4, true, reads);
            assertEquals(4, parts.getNumPartitions());
            ShardedDataset ds = ShardedDataset.open(dataset);
            List<ShardGroup> groups = ds.groups("train", 4, 0);
            String datanode = hdfs.getDataNodes().get(0).getDatanodeId().getHostName();
            // the reading RDD is a map over one that carries the hosts; Spark's scheduler follows
            // such narrow dependencies to find where a task should run
            var located = parts.rdd().dependencies().head().rdd();
            for (int i = 0; i < 4; i++) {
                List<String> preferred = JavaConverters.seqAsJavaList(located.preferredLocations(located.partitions()[i]));
                assertEquals(ds.hosts(groups.get(i)), preferred);
                assertEquals(List.of(datanode), preferred, "the one datanode holds every block");
                assertEquals("localhost", datanode);
            }
            List<String> localities = new java.util.concurrent.CopyOnWriteArrayList<>();
            sc.sc().addSparkListener(new org.apache.spark.scheduler.SparkListener() {
                @Override
                public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
                    localities.add(end.taskInfo().taskLocality().toString() + "@" + end.taskInfo().host());
                }
            });
            List<Integer> sizes = DatasetPartitions.sizes(parts);
            // task-end events reach listeners asynchronously
            for (int waited = 0; localities.size() < 4 && waited < 100; waited++) {
                Thread.sleep(50);
            }
            assertEquals(4, localities.size(), localities.toString());
            assertEquals(List.of("NODE_LOCAL@localhost"), localities.stream().distinct().toList(),
                    "every read ran on the datanode's host");
            assertEquals(54000, sizes.stream().mapToInt(Integer::intValue).sum());
            assertEquals(groups.stream().map(g -> (int) g.examples()).toList(), sizes);
            DatasetPartitions.sizes(parts);
            assertEquals(4, reads.value(), "each group read once, then cached");
            // more partitions than shards: one shard each
            assertEquals(8, DatasetPartitions.cache(sc, job("data.test-limit=0").render(), 20, false).getNumPartitions(),
                    "the test split has 8 shards");
        }
    }

    @Test
    void aKdStudentTrainsOnSparkFromShardsAndIsEvaluatedFromThem() throws Exception {
        TrainingRun.Result teacher = TrainingRun.local(job("model.role=teacher", "train.epochs=1", "run.name=teacher"),
                quiet()).run();
        JobConfig student = job("model.role=student", "train.epochs=2", "data.eval-split=validation",
                "distill.teacher=\"" + teacher.model + "\"", "run.name=student");
        TrainingRun.Result kd;
        try (JavaSparkContext sc = SparkContexts.start(new JobSettings(student), "shards")) {
            kd = new TrainingRun(student, quiet(), new EpochAveragingTrainer(sc)).run();
        }
        String metrics = read(kd.runDirectory + "/metrics.jsonl");
        assertTrue(metrics.contains("\"validation_accuracy\"") && !metrics.contains("test_accuracy"), metrics);
        assertTrue(metrics.contains("\"partitions\":2") || metrics.contains("\"partitions\" : 2"), metrics);
        assertTrue(kd.test.accuracy > 0.6, "validation accuracy " + kd.test.accuracy);

        JsonNode evaluated = RunDirectory.JSON.readTree(cli(0, "evaluate", "--model", kd.model, "--split", "test",
                "--limit", "2000", "--partitions", "2"));
        assertEquals("test", evaluated.get("split").asText());
        assertEquals(2000, evaluated.get("examples").asInt());
        double local = Evaluator.evaluate(kd.network, ShardedDataset.open(dataset).read("test", 2000), 500).accuracy;
        assertEquals(local, evaluated.get("accuracy").asDouble(), 1.5 / 2000, "distributed = local evaluation");
        assertTrue(local > 0.6, "test accuracy " + local);
    }

    @Test
    void damagedShardsOnHdfsFailTheJobNamingTheShard() throws Exception {
        String bad = root + "/datasets/damaged";
        cli(0, "ingest", "--format", "idx", "--input", root + "/raw/fashion-mnist", "--output", bad, "--shard-mb", "4");
        org.apache.hadoop.fs.Path flipped = new org.apache.hadoop.fs.Path(bad + "/train/part-00002.parquet");
        byte[] bytes = readBytes(flipped);
        bytes[bytes.length / 3] ^= 1;
        writeBytes(flipped, bytes);
        JobConfig job = job("data.path=\"" + bad + "\"", "data.train-limit=0", "spark.task-max-failures=1",
                "model.role=teacher", "run.name=never");
        try (JavaSparkContext sc = SparkContexts.start(new JobSettings(job), "shards")) {
            Exception e = assertThrows(Exception.class, () -> new EpochAveragingTrainer(sc)
                    .prepare(new org.spikekd.run.TrainingJob(job, new JobSettings(job),
                            new JobSettings(job).data().loader().trainingSplit(0), null, List.of(), quiet())));
            assertTrue(e.getMessage().contains(bad + "/train/part-00002.parquet: checksum mismatch"), e.getMessage());
        }

        org.apache.hadoop.fs.Path cut = new org.apache.hadoop.fs.Path(bad + "/test/part-00000.parquet");
        byte[] whole = readBytes(cut);
        writeBytes(cut, Arrays.copyOf(whole, whole.length - 100));
        String err = cliError("evaluate", "--model", trainedTeacher(), "--data", bad, "--format", "shards");
        assertTrue(err.contains(bad + "/test/part-00000.parquet: has " + (whole.length - 100) + " bytes, the manifest says "
                + whole.length + " (truncated)"), err);

        fs.delete(new org.apache.hadoop.fs.Path(bad, "_SUCCESS"), false);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ShardedDataset.open(bad));
        assertTrue(e.getMessage().startsWith(bad + ": has no _SUCCESS marker"), e.getMessage());
    }

    @Test
    void anIngestKilledHalfWayLeavesNothingAReaderAccepts() throws Exception {
        String target = root + "/datasets/killed";
        // the ingest holds still once it has written 20 training shards (25 images each), so the
        // kill lands at a known point whatever the machine's speed (a timer raced a fast ingest)
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), IngestHeldMidWay.class.getName(),
                root + "/raw/fashion-mnist", target, "0.02", "20"));
        java.io.File log = base.resolve("killed-ingest.log").toFile();
        Process ingest = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
        try {
            ProjectScripts.waitFor(log, IngestHeldMidWay.HELD + 20, 120);
        } finally {
            ingest.destroyForcibly();
            ingest.waitFor(30, TimeUnit.SECONDS);
        }
        List<org.apache.hadoop.fs.Path> temporaries = new ArrayList<>();
        for (FileStatus s : fs.listStatus(new org.apache.hadoop.fs.Path("/datasets"))) {
            if (s.getPath().getName().startsWith(".killed._ingesting-")) {
                temporaries.add(s.getPath());
            }
        }
        assertEquals(1, temporaries.size(), temporaries.toString());
        org.apache.hadoop.fs.Path temporary = temporaries.get(0);
        assertEquals(20, fs.listStatus(new org.apache.hadoop.fs.Path(temporary, "train")).length,
                "the shards written before the kill, under the temporary name");
        assertFalse(fs.exists(new org.apache.hadoop.fs.Path(target)), "the target appears only when complete");
        assertThrows(DatasetFormatException.class, () -> ShardedDataset.open(target));
        assertFalse(fs.exists(new org.apache.hadoop.fs.Path(temporary, "_SUCCESS")));
        String leftover = root + temporary.toUri().getPath();
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ShardedDataset.open(leftover));
        assertTrue(e.getMessage().contains("_SUCCESS"), e.getMessage());
        // the leftover does not stand in the way of the next ingest
        cli(0, "ingest", "--format", "idx", "--input", root + "/raw/fashion-mnist", "--output", target);
        assertEquals(10000, ShardedDataset.open(target).read("test", 0).size());
    }

    // ---- helpers

    private static String teacherModel;

    /** A small teacher trained on the shards (once per class). */
    private static synchronized String trainedTeacher() throws IOException {
        if (teacherModel == null) {
            teacherModel = TrainingRun.local(job("model.role=teacher", "train.epochs=1", "run.name=small-teacher",
                    "data.train-limit=500"), quiet()).run().model;
        }
        return teacherModel;
    }

    static JobConfig job(String... more) {
        List<String> all = new ArrayList<>(List.of(
                "data.format=shards", "data.path=\"" + dataset + "\"", "data.train-limit=3000", "data.test-limit=1000",
                "model.vgg.stages=[[8],[16]]", "model.vgg.hidden=[32]", "encoding.time-steps=2",
                "train.batch-size=32", "train.seed=5", "spark.master=\"local[2]\"", "spark.partitions=2",
                "spark.task-max-failures=2", "run.dir=\"" + root + "/runs\""));
        all.addAll(List.of(more));
        return JobConfig.load(null, all);
    }

    static Progress quiet() {
        return new Progress(new PrintStream(new ByteArrayOutputStream()), false, 1000);
    }

    /** Runs the command line in this JVM; checks its exit code and returns the last line of its stdout. */
    static String cli(int expectedExit, String... args) {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            exit = SpikeKd.execute(args);
        } finally {
            System.setOut(out);
        }
        String[] lines = captured.toString(StandardCharsets.UTF_8).strip().split("\n");
        assertEquals(expectedExit, exit, String.join(" ", args));
        return lines[lines.length - 1];
    }

    /** Runs a command line that must fail; returns what it printed to stderr. */
    static String cliError(String... args) {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int exit;
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            exit = SpikeKd.execute(args);
        } finally {
            System.setErr(err);
        }
        assertEquals(1, exit, String.join(" ", args));
        return captured.toString(StandardCharsets.UTF_8);
    }

    static String read(String uri) throws IOException {
        return new String(readBytes(new org.apache.hadoop.fs.Path(uri)), StandardCharsets.UTF_8);
    }

    static byte[] readBytes(org.apache.hadoop.fs.Path p) throws IOException {
        try (InputStream in = fs.open(p)) {
            return in.readAllBytes();
        }
    }

    static void writeBytes(org.apache.hadoop.fs.Path p, byte[] bytes) throws IOException {
        try (OutputStream out = fs.create(p, true)) {
            out.write(bytes);
        }
    }
}
