package org.spikekd.spark;

import java.io.IOException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.spikekd.config.JobConfig;
import org.spikekd.cpu.ThreadBudget;
import org.spikekd.data.LabeledImages;
import org.spikekd.eval.EvaluationResult;
import org.spikekd.eval.EvaluationTally;
import org.spikekd.eval.EvaluationPlan;
import java.util.ArrayList;
import java.util.List;

/**
 * Evaluates a model over a dataset's test split on the cluster: the model is broadcast once, each
 * executor reads and evaluates its partitions, and the counts (correct predictions, loss, confusion
 * matrix, spikes per layer) are added up in a tree. The result equals evaluating in one JVM.
 */
public final class DistributedEvaluator {
    private DistributedEvaluator() {}

    /**
     * @param data a job configuration whose data.* keys name the dataset (test split, data.test-limit)
     */
    public static EvaluationResult evaluate(JavaSparkContext sc, ComputationGraph model, JobConfig data,
                                            int partitions, int batchSize) throws IOException {
        return evaluate(sc, model, data, partitions, batchSize, EvaluationPlan.plain()).get(0);
    }

    /**
     * Evaluates a plan (corruptions of the data, time steps) in one pass over the partitions; the
     * results come in the plan's order.
     */
    public static List<EvaluationResult> evaluate(JavaSparkContext sc, ComputationGraph model, JobConfig data,
                                                  int partitions, int batchSize, EvaluationPlan plan) throws IOException {
        long start = System.nanoTime();
        Broadcast<byte[]> shipped = ExecutorModels.broadcast(sc, model);
        String key = java.util.UUID.randomUUID() + "-model";
        JavaRDD<LabeledImages> parts = DatasetPartitions.cache(sc, data.render(), partitions, false);
        int threads = SparkContexts.threadsPerTask(sc, parts.getNumPartitions());
        try {
            sc.setJobDescription("evaluate");
            List<EvaluationTally> tallies = parts.map(part -> {
                ThreadBudget.use(threads);
                ComputationGraph net = ExecutorModels.borrowRestored(key, shipped.value());
                try {
                    return plan.tally(net, part, batchSize);
                } finally {
                    ExecutorModels.giveBack(key, net);
                }
            }).treeAggregate((List<EvaluationTally>) new ArrayList<EvaluationTally>(), EvaluationPlan::merge, EvaluationPlan::merge);
            return EvaluationPlan.results(tallies, (System.nanoTime() - start) / 1e9);
        } finally {
            parts.unpersist(false);
            shipped.destroy();
        }
    }
}
