package org.spikekd.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.spikekd.data.LabeledImages;
import org.spikekd.data.shards.ShardManifest;
import org.spikekd.data.shards.ShardedDataset;
import org.spikekd.data.source.DatasetLoader;
import org.spikekd.ingest.DatasetIngest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Ingest and read throughput of sharded datasets: Fashion-MNIST (60k + 10k images) ingested into a
 * local directory (file://) and into HDFS (a MiniDFSCluster in this JVM with one datanode, or the
 * HDFS given by --hdfs), then read back whole with every check (size, CRC32C, rows, labels, shapes).
 * The raw gzipped IDX files read from the same file system give the baseline a reader had before.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Ingest and read throughput (MB/s, examples/s) of sharded datasets on file:// and HDFS.")
public final class IngestBenchmark implements Callable<Integer> {
    @Option(names = "--data", defaultValue = "/usr/share/datasets/fashion-mnist", description = "IDX dataset directory.")
    String data;

    @Option(names = "--shard-mb", defaultValue = "8") double shardMb;

    @Option(names = "--repeats", defaultValue = "3", description = "Timed repeats of each step; the median is reported.")
    int repeats;

    @Option(names = "--hdfs", paramLabel = "URI",
            description = "An HDFS to write under (e.g. hdfs://namenode:8020/tmp/spikekd-bench); default: a MiniDFSCluster.")
    String hdfs;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> figures = BenchmarkOutput.begin("ingest");
        java.nio.file.Path work = Files.createTempDirectory("spikekd-bench-ingest");
        MiniDFSCluster cluster = null;
        try {
            String hdfsBase = hdfs;
            if (hdfsBase == null) {
                System.err.println("starting a MiniDFSCluster (one datanode) ...");
                Configuration conf = new Configuration();
                conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, work.resolve("hdfs").toString());
                // the metrics loggers want commons-logging's Log4J 1 adapter, which the launcher's
                // classpath (commons-logging over SLF4J) does not have; they are not needed here
                conf.setInt("dfs.namenode.metrics.logger.period.seconds", 0);
                conf.setInt("dfs.datanode.metrics.logger.period.seconds", 0);
                cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
                cluster.waitActive();
                hdfsBase = "hdfs://localhost:" + cluster.getNameNodePort() + "/bench";
            }
            figures.put("file", measure("file://" + work.resolve("local"), "file"));
            figures.put("hdfs", measure(hdfsBase, cluster == null ? hdfsBase : "MiniDFSCluster"));
        } finally {
            if (cluster != null) {
                cluster.shutdown();
            }
            try (var paths = Files.walk(work)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        figures.put("shard_mb", shardMb);
        BenchmarkOutput.print(figures);
        return 0;
    }

    private Map<String, Object> measure(String base, String label) throws IOException {
        Path raw = new Path(base + "/raw");
        FileSystem fs = raw.getFileSystem(new Configuration());
        fs.mkdirs(raw);
        long rawBytes = 0;
        for (String f : List.of("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")) {
            fs.copyFromLocalFile(new Path(data, f), new Path(raw, f));
            rawBytes += fs.getFileStatus(new Path(raw, f)).getLen();
        }
        DatasetLoader idx = new DatasetLoader("idx", raw.toString(), List.of(), 0, true);
        LabeledImages[] splits = new LabeledImages[2];
        double rawRead = median(() -> {
            splits[0] = idx.load("train", 0);
            splits[1] = idx.load("test", 0);
        });
        long examples = splits[0].size() + splits[1].size();
        long pixelBytes = examples * splits[0].imageSize();
        System.err.printf("%s: raw IDX (gzip) read %.2f s%n", label, rawRead);

        String out = base + "/shards";
        ShardManifest[] manifest = new ShardManifest[1];
        double ingest = median(() -> {
            ShardManifest.Source source = new ShardManifest.Source();
            source.format = "idx";
            source.inputs = List.of(raw.toString());
            manifest[0] = new DatasetIngest(out).shardBytes((long) (shardMb * (1 << 20))).overwrite(true)
                    .write(splits[0], splits[1], source);
        });
        long shardBytes = manifest[0].splits.values().stream().flatMap(s -> s.shards.stream()).mapToLong(s -> s.bytes).sum();
        int shards = manifest[0].splits.values().stream().mapToInt(s -> s.shards.size()).sum();
        System.err.printf("%s: ingest %.2f s, %d shards, %.1f MB%n", label, ingest, shards, shardBytes / 1e6);

        double read = median(() -> {
            ShardedDataset ds = ShardedDataset.open(out);
            ds.read("train", 0);
            ds.read("test", 0);
        });
        System.err.printf("%s: shards read and checked %.2f s%n", label, read);

        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file_system", label);
        m.put("examples", examples);
        m.put("pixel_mb", pixelBytes / 1e6);
        m.put("shard_mb", shardBytes / 1e6);
        m.put("shards", shards);
        m.put("raw_idx_gz_mb", rawBytes / 1e6);
        m.put("ingest_seconds", ingest);
        m.put("ingest_pixel_mb_per_s", pixelBytes / 1e6 / ingest);
        m.put("ingest_examples_per_s", examples / ingest);
        m.put("read_seconds", read);
        m.put("read_shard_mb_per_s", shardBytes / 1e6 / read);
        m.put("read_pixel_mb_per_s", pixelBytes / 1e6 / read);
        m.put("read_examples_per_s", examples / read);
        m.put("raw_idx_read_seconds", rawRead);
        m.put("raw_idx_read_examples_per_s", examples / rawRead);
        return m;
    }

    private interface Step {
        void run() throws IOException;
    }

    /** The median of {@code repeats} timings of a step, in seconds. */
    private double median(Step step) throws IOException {
        double[] t = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            long start = System.nanoTime();
            step.run();
            t[r] = (System.nanoTime() - start) / 1e9;
        }
        Arrays.sort(t);
        return t[repeats / 2];
    }
}
