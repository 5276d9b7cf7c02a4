package org.spikekd.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import org.spikekd.config.JobSettings;
import org.spikekd.eval.EnergyEstimate;
import org.spikekd.eval.EvaluationResult;
import org.spikekd.train.ModelFile;
import org.spikekd.spark.DistributedEvaluator;
import org.spikekd.spark.SparkContexts;
import org.spikekd.train.RunDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spikekd evaluate}: accuracy, confusion matrix, firing rates, operations and energy. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluate a model on a dataset's test (or validation) split: accuracy, confusion matrix, per-layer "
                + "firing rates, MACs / synaptic operations and an energy estimate. Prints a report to "
                + "stderr and one JSON object as the last line of stdout.")
public final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "model.zip of a run")
    String model;

    @Option(names = "--data", paramLabel = "URI",
            description = "Dataset directory; default: the one the model was trained on.")
    String data;

    @Option(names = "--format", paramLabel = "FORMAT", description = "Dataset format; default: the model's.")
    String format;

    @Option(names = "--split", paramLabel = "SPLIT",
            description = "test, or validation (a sharded dataset ingested with --validation-fraction); default: test.")
    String split;

    @Option(names = "--limit", defaultValue = "0", description = "Evaluate the first N examples only.")
    int limit;

    @Option(names = "--batch-size", defaultValue = "500")
    int batchSize;

    @Option(names = "--partitions", defaultValue = "0",
            description = "Split the evaluation over N Spark tasks; 0 = the model's spark.partitions rule "
                    + "(1 on a local master, Spark's default parallelism on a cluster).")
    int partitions;

    @Override
    public Integer call() throws Exception {
        ModelFile m = ModelFile.load(model);
        var job = m.config;
        if (data != null) {
            job = job.with("data.path=\"" + data + "\"");
        }
        if (format != null) {
            job = job.with("data.format=" + format);
        }
        job = job.with("data.test-limit=" + limit);
        job = job.with("data.eval-split=" + (split == null ? "test" : split));
        JobSettings settings = new JobSettings(job);
        settings.dataset();
        settings.evalSplit();
        EvaluationResult r;
        try (JavaSparkContext sc = SparkContexts.start(settings, "SpikeKD evaluate")) {
            r = DistributedEvaluator.evaluate(sc, m.network, job,
                    SparkContexts.partitions(sc, partitions > 0 ? partitions : settings.partitions()), batchSize);
        }
        EnergyEstimate energy = EnergyEstimate.of(m.network, r.input, r.firingRates);
        System.err.printf("model %s on %d examples of %s (%s split)%n", model, r.examples,
                job.raw().getString("data.path"), settings.evalSplit());
        System.err.printf("accuracy %.4f, loss %.4f%n", r.accuracy, r.loss);
        r.firingRates.forEach((layer, rate) -> System.err.printf("  firing rate %-10s %.4f%n", layer, rate));
        System.err.printf("MACs %.3e, synaptic operations %.3e, energy %.3f uJ per image%n",
                energy.macs, energy.synapticOps, energy.microjoules());
        System.err.println("confusion matrix (rows: true class, columns: predicted):");
        for (int i = 0; i < r.confusion.length; i++) {
            StringBuilder row = new StringBuilder(String.format("  %-12s", r.classes.get(i)));
            for (int c : r.confusion[i]) {
                row.append(String.format("%6d", c));
            }
            System.err.println(row);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", model);
        out.put("split", settings.evalSplit());
        out.putAll(r.toMap());
        out.put("energy", energy.toMap());
        System.out.println(RunDirectory.JSON.writeValueAsString(out));
        return 0;
    }
}
