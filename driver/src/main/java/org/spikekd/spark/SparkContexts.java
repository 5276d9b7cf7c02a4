package org.spikekd.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.serializer.KryoSerializer;
import org.spikekd.config.JobSettings;

/**
 * Starts the Spark context of a SpikeKD job. Under {@code spark-submit} the master and every
 * {@code --conf} come from spark-submit; run directly, the job's {@code spark.master} is used (an
 * embedded {@code local[*]} Spark by default). Either way Kryo serializes everything the job ships,
 * with registration required so that an unregistered class is an error, not a slow surprise.
 */
public final class SparkContexts {
    private SparkContexts() {}

    public static JavaSparkContext start(JobSettings settings, String appName) {
        return start(settings, appName, java.util.Map.of());
    }

    /** As {@link #start(JobSettings, String)}, with more Spark settings (they win over the job's). */
    public static JavaSparkContext start(JobSettings settings, String appName, java.util.Map<String, String> more) {
        SparkConf conf = new SparkConf(true); // spark.* system properties, as spark-submit sets them
        more.forEach(conf::set);
        conf.setIfMissing("spark.master", settings.sparkMaster());
        conf.setIfMissing("spark.app.name", appName);
        conf.set("spark.serializer", KryoSerializer.class.getName());
        conf.set("spark.kryo.registrationRequired", "true");
        conf.set("spark.kryo.registrator", SpikeKdKryoRegistrator.class.getName());
        // each executor loads the ND4J native build for its own processor (beside any plugins set)
        String plugins = conf.get("spark.plugins", "");
        if (!plugins.contains(NativeBuildPlugin.class.getName())) {
            conf.set("spark.plugins", (plugins.isBlank() ? "" : plugins + ",") + NativeBuildPlugin.class.getName());
        }
        // a model's state (parameters and optimizer moments) is one Kryo object of many MB
        conf.setIfMissing("spark.kryoserializer.buffer.max", "1g");
        conf.setIfMissing("spark.driver.maxResultSize", "0");
        conf.setIfMissing("spark.task.maxFailures", Integer.toString(settings.taskMaxFailures()));
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        String master = conf.get("spark.master");
        if (master.matches("local\\[(\\*|\\d+)]")) {
            // a local master retries a failed task only if its URL says so: local[N,maxFailures]
            conf.set("spark.master", master.replace("]", "," + conf.get("spark.task.maxFailures") + "]"));
        } else if (master.equals("local")) {
            conf.set("spark.master", "local[1," + conf.get("spark.task.maxFailures") + "]");
        }
        return new JavaSparkContext(conf);
    }

    /**
     * The number of partitions for {@code configured} (spark.partitions): itself if set, else 1 on
     * a local master (ND4J already uses every core) and Spark's default parallelism on a cluster.
     */
    public static int partitions(JavaSparkContext sc, int configured) {
        return configured > 0 ? configured : (sc.sc().isLocal() ? 1 : sc.defaultParallelism());
    }

    /**
     * The threads each task may use when {@code concurrentTasks} tasks would like to run at once: on
     * a cluster, the cores Spark gives a task ({@code spark.task.cpus}); on a local master
     * {@code local[N]}, an equal share of its N cores among the tasks that run side by side.
     */
    public static int threadsPerTask(JavaSparkContext sc, int concurrentTasks) {
        if (!sc.sc().isLocal()) {
            return sc.getConf().getInt("spark.task.cpus", 1);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("local\\[(\\*|\\d+)").matcher(sc.master());
        int cores = m.find() && !m.group(1).equals("*") ? Integer.parseInt(m.group(1))
                : sc.master().startsWith("local[") ? Runtime.getRuntime().availableProcessors() : 1;
        return Math.max(1, cores / Math.max(1, Math.min(concurrentTasks, cores)));
    }
}
