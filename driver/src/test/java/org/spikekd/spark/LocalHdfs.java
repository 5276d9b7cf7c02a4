package org.spikekd.spark;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/** A real HDFS for tests: a MiniDFSCluster with one datanode, its storage under a test's directory. */
public final class LocalHdfs {
    public static final String FASHION = "/usr/share/datasets/fashion-mnist";

    private LocalHdfs() {}

    /**
     * Starts it. The datanode names itself {@code localhost}, as local Spark names its executor, so
     * that a task reading blocks from it can be seen to run node-local.
     */
    public static MiniDFSCluster start(Path base) throws IOException {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.resolve("hdfs").toString());
        conf.set("dfs.datanode.hostname", "localhost");
        MiniDFSCluster hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).checkDataNodeHostConfig(true).build();
        hdfs.waitActive();
        return hdfs;
    }

    /** Its root URI, hdfs://localhost:PORT. */
    public static String uri(MiniDFSCluster hdfs) {
        return "hdfs://localhost:" + hdfs.getNameNodePort();
    }

    /** Copies Debian's Fashion-MNIST IDX files into {@code dir} on it. */
    public static void copyFashionMnist(FileSystem fs, String dir) throws IOException {
        for (String f : List.of("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")) {
            fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(FASHION, f), new org.apache.hadoop.fs.Path(dir, f));
        }
    }
}
