package org.spikekd.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;
import org.spikekd.data.LabeledImages;
import org.spikekd.data.shards.ShardGroup;
import org.spikekd.data.shards.ShardedDataset;
import org.spikekd.data.source.DatasetLoader;
import scala.Tuple2;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * A split of the job's dataset (training, or the evaluated split) as an RDD of partitions, each read by the
 * executor that first computes it (through the Hadoop FileSystem API, so from hdfs:// as well as
 * file://) and then kept in that executor's memory: later epochs run where the data already is,
 * and nothing is shuffled. {@code data.train-limit} / {@code data.test-limit} apply.
 * <ul>
 *   <li>A sharded dataset ({@code data.format = shards}) gives one partition per group of
 *       consecutive whole shards (at most {@code k}, fewer if there are fewer shards); each task reads
 *       only its shards, and Spark is told which hosts hold their HDFS blocks, so it runs the task
 *       there when it can.
 *   <li>A dataset in a raw format (IDX, CIFAR, image folder) cannot be read in pieces: each task
 *       reads the split and keeps examples [i*n/k, (i+1)*n/k).
 * </ul>
 */
final class DatasetPartitions {
    private DatasetPartitions() {}

    static JavaRDD<LabeledImages> cache(JavaSparkContext sc, String renderedConfig, int k, boolean train) {
        return cache(sc, renderedConfig, k, train, null);
    }

    /** As above, counting each read of a partition from the file system in {@code reads}. */
    static JavaRDD<LabeledImages> cache(JavaSparkContext sc, String renderedConfig, int k, boolean train,
                                        LongAccumulator reads) {
        JobSettings settings = new JobSettings(JobConfig.parse(renderedConfig, "the job configuration"));
        String split = train ? "train" : settings.data().evalSplit();
        int limit = train ? settings.data().trainLimit() : settings.data().testLimit();
        DatasetLoader loader = settings.data().loader();
        JavaRDD<LabeledImages> rdd = loader.format().equals("shards")
                ? shardGroups(sc, loader.root(), split, k, limit, reads)
                : slices(sc, renderedConfig, split, k, limit, reads);
        rdd.setName(split + " data, " + rdd.getNumPartitions() + " partitions");
        return rdd.persist(StorageLevel.MEMORY_ONLY());
    }

    private static JavaRDD<LabeledImages> shardGroups(JavaSparkContext sc, String root, String split, int k, int limit,
                                                      LongAccumulator reads) {
        List<ShardGroup> groups;
        List<Tuple2<Integer, scala.collection.immutable.List<String>>> located = new ArrayList<>();
        try {
            ShardedDataset dataset = ShardedDataset.open(root);
            groups = dataset.groups(split, k, limit);
            for (int i = 0; i < groups.size(); i++) {
                located.add(new Tuple2<>(i, JavaConverters.asScalaBuffer(dataset.hosts(groups.get(i))).toList()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ClassTag<Integer> tag = ClassTag$.MODULE$.apply(Integer.class);
        // makeRDD with locations: one partition per element, each with its preferred hosts. It takes
        // a scala.collection.Seq on Spark 3.5 (Scala 2.12), an immutable one on Spark 4 (Scala 2.13):
        // immutable Lists are both, and the raw type lets this one source compile against either
        @SuppressWarnings({"unchecked", "rawtypes"})
        RDD<Integer> indices = sc.sc().makeRDD((scala.collection.immutable.List) JavaConverters.asScalaBuffer(located)
                .toList(), tag);
        return new JavaRDD<>(indices, tag).map(i -> {
            LabeledImages part = ShardedDataset.open(root).read(groups.get(i));
            if (reads != null) {
                reads.add(1);
            }
            return part;
        });
    }

    private static JavaRDD<LabeledImages> slices(JavaSparkContext sc, String renderedConfig, String split, int k,
                                                 int limit, LongAccumulator reads) {
        List<Integer> indices = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            indices.add(i);
        }
        return sc.parallelize(indices, k).mapPartitionsWithIndex((index, ignored) -> {
            JobSettings s = new JobSettings(JobConfig.parse(renderedConfig, "the job configuration"));
            LabeledImages all = s.data().loader().load(split, limit);
            if (reads != null) {
                reads.add(1);
            }
            return List.of(all.partition(index, k)).iterator();
        }, true);
    }

    /** Example counts of the partitions, in order; computing them caches the partitions. */
    static List<Integer> sizes(JavaRDD<LabeledImages> partitions) {
        return partitions.map(LabeledImages::size).collect();
    }
}
