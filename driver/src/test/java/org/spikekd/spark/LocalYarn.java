package org.spikekd.spark;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

/**
 * A real YARN for tests: a MiniYARNCluster (a ResourceManager and one NodeManager in this JVM; the
 * containers it launches, Spark's application master and executors, are processes of their own)
 * over a {@link LocalHdfs}, and a Hadoop configuration directory for {@code spark-submit}'s
 * {@code HADOOP_CONF_DIR}, as a YARN site gives its users.
 */
public final class LocalYarn implements AutoCloseable {
    /** What the NodeManager offers: room for an application master or driver and two executors. */
    static final int NODE_MEMORY_MB = 14 * 1024;

    private final MiniYARNCluster yarn;
    private final Path confDir;

    private LocalYarn(MiniYARNCluster yarn, Path confDir) {
        this.yarn = yarn;
        this.confDir = confDir;
    }

    /** Starts YARN with {@code hdfs} as its default file system (where Spark stages applications). */
    public static LocalYarn start(MiniDFSCluster hdfs, Path base) throws IOException, InterruptedException {
        YarnConfiguration conf = new YarnConfiguration();
        conf.set("fs.defaultFS", LocalHdfs.uri(hdfs));
        // the capacity scheduler's queues: hadoop-client-minicluster carries no capacity-scheduler.xml
        conf.set("yarn.scheduler.capacity.root.queues", "default");
        conf.setInt("yarn.scheduler.capacity.root.default.capacity", 100);
        conf.setInt("yarn.scheduler.capacity.root.default.maximum-capacity", 100);
        conf.setFloat("yarn.scheduler.capacity.root.default.user-limit-factor", 1);
        conf.set("yarn.scheduler.capacity.root.default.state", "RUNNING");
        conf.set("yarn.scheduler.capacity.root.default.acl_submit_applications", "*");
        conf.set("yarn.scheduler.capacity.root.default.acl_administer_queue", "*");
        conf.setInt("yarn.scheduler.capacity.node-locality-delay", -1);
        // a MiniYARNCluster gives its NodeManagers this key's memory (4 GB by default), not NM_PMEM_MB's
        conf.setInt(YarnConfiguration.YARN_MINICLUSTER_NM_PMEM_MB, NODE_MEMORY_MB);
        conf.setInt(YarnConfiguration.NM_VCORES, 4);
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB, NODE_MEMORY_MB);
        // ND4J's off-heap memory and the JVM's reserved address space are not what these checks
        // expect; a development machine's full disk must not mark the only node unhealthy
        conf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
        conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        conf.setFloat(YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 100f);

        System.setProperty("hadoop.log.dir", base.resolve("yarn-logs").toString());
        MiniYARNCluster yarn = new MiniYARNCluster("spikekd-yarn", 1, 1, 1);
        yarn.init(conf);
        yarn.start();
        // start() can return before the ResourceManager has written its bound port into the
        // configuration; the configuration directory must name the real one
        long deadline = System.currentTimeMillis() + 30_000;
        while (yarn.getConfig().get(YarnConfiguration.RM_ADDRESS).endsWith(":0")) {
            if (System.currentTimeMillis() > deadline) {
                yarn.stop();
                throw new IOException("the MiniYARNCluster's ResourceManager did not bind a port within 30 s");
            }
            Thread.sleep(100);
        }

        // and applications submitted before the NodeManager has registered would wait on an empty cluster
        while (yarn.getResourceManager().getRMContext().getRMNodes().isEmpty()) {
            if (System.currentTimeMillis() > deadline) {
                yarn.stop();
                throw new IOException("the MiniYARNCluster's NodeManager did not register within 30 s");
            }
            Thread.sleep(100);
        }

        Path confDir = Files.createDirectories(base.resolve("hadoop-conf"));
        Configuration core = new Configuration(false);
        core.set("fs.defaultFS", LocalHdfs.uri(hdfs));
        write(core, confDir.resolve("core-site.xml"));
        write(yarn.getConfig(), confDir.resolve("yarn-site.xml"));
        return new LocalYarn(yarn, confDir);
    }

    private static void write(Configuration conf, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            conf.writeXml(out);
        }
    }

    /** The directory to give {@code spark-submit} as {@code HADOOP_CONF_DIR}. */
    public Path confDir() {
        return confDir;
    }

    public MiniYARNCluster cluster() {
        return yarn;
    }

    @Override
    public void close() {
        yarn.stop();
    }
}
