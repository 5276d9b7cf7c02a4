package org.spikekd.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;
import org.spikekd.data.LabeledImages;

/**
 * A split of the job's dataset (training or test) as an RDD of {@code k} partitions, each read by the executor that first
 * computes it (through the Hadoop FileSystem API, so from hdfs:// as well as file://) and then kept
 * in that executor's memory: later epochs run where the data already is, and nothing is shuffled.
 * {@code train.limit} / {@code test.limit} apply.
 * Partition i holds examples [i*n/k, (i+1)*n/k) of the split, the same slices wherever computed.
 */
final class DatasetPartitions {
    private DatasetPartitions() {}

    static JavaRDD<LabeledImages> cache(JavaSparkContext sc, String renderedConfig, int k, boolean train) {
        return cache(sc, renderedConfig, k, train, null);
    }

    /** As above, counting each read of a partition from the file system in {@code reads}. */
    static JavaRDD<LabeledImages> cache(JavaSparkContext sc, String renderedConfig, int k, boolean train,
                                        LongAccumulator reads) {
        List<Integer> indices = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            indices.add(i);
        }
        JavaRDD<LabeledImages> rdd = sc.parallelize(indices, k).mapPartitionsWithIndex((index, ignored) -> {
            JobSettings s = new JobSettings(JobConfig.parse(renderedConfig, "the job configuration"));
            LabeledImages all = s.dataset().load(train).first(train ? s.trainLimit() : s.testLimit());
            if (reads != null) {
                reads.add(1);
            }
            return List.of(all.partition(index, k)).iterator();
        }, true);
        rdd.setName((train ? "training" : "test") + " data, " + k + " partitions");
        return rdd.persist(StorageLevel.MEMORY_ONLY());
    }

    /** Example counts of the partitions, in order; computing them caches the partitions. */
    static List<Integer> sizes(JavaRDD<LabeledImages> partitions) {
        return partitions.map(LabeledImages::size).collect();
    }

}
