package org.spikekd.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;
import org.spikekd.eval.EnergyEstimate;
import org.spikekd.eval.EvaluationResult;
import org.spikekd.noise.Corruption;
import org.spikekd.run.RunDirectory;
import org.spikekd.spark.DistributedEvaluator;
import org.spikekd.spark.SparkContexts;
import org.spikekd.study.StudiedModel;
import org.spikekd.study.Study;
import org.spikekd.study.StudyReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spikekd evaluate}: one model's accuracy, confusion matrix, firing rates, operations and
 * energy; or, with several models, --noise or --time-steps, a study comparing them.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Evaluate a model on a dataset's test (or validation) split: accuracy, confusion matrix, "
                + "per-layer firing rates, MACs / synaptic operations and an energy estimate.",
                "With several --model, --noise or --time-steps: a table comparing the models under each corruption "
                + "level and (spiking models) at each number of time steps.",
                "Prints a report to stderr and one JSON object as the last line of stdout."})
public final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "[NAME=]FILE",
            description = "model.zip of a run (repeatable); NAME labels its column (default: the run directory's name)")
    List<String> models;

    @Option(names = "--data", paramLabel = "URI",
            description = "Dataset directory; default: the one the (first) model was trained on.")
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

    @Option(names = "--noise", paramLabel = "KIND:LEVEL[,LEVEL...]",
            description = "Evaluate under image corruption too (repeatable). Kinds and levels: gaussian:SIGMA, "
                    + "salt-pepper:FRACTION, poisson:1/PHOTONS, uniform:HALF-WIDTH, blur:KERNEL (odd), "
                    + "contrast:REDUCTION (0..1), occlusion:PATCH (pixels). E.g. gaussian:0.05,0.1,0.2")
    List<String> noise = new ArrayList<>();

    @Option(names = "--noise-seed", defaultValue = "0", description = "Seed of the corruptions (default ${DEFAULT-VALUE}).")
    long noiseSeed;

    @Option(names = "--time-steps", paramLabel = "LIST",
            description = "Evaluate spiking models at each of these T (independent of the T they were trained "
                    + "with), e.g. 1-16 or 8,16,32,64: accuracy, firing rates and energy per T, in one "
                    + "simulation of the largest T.")
    String timeSteps;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Also write evaluation.json, robustness.csv and time_steps.csv into this local directory "
                    + "(an evaluation directory, which the notebooks read).")
    Path out;

    @Override
    public Integer call() throws Exception {
        List<StudiedModel> loaded = new ArrayList<>();
        for (String m : models) {
            loaded.add(StudiedModel.load(m));
        }
        List<Corruption> corruptions = new ArrayList<>();
        for (String n : noise) {
            corruptions.addAll(Corruption.parse(n, noiseSeed));
        }
        int[] steps = timeSteps == null ? new int[0] : Study.parseTimeSteps(timeSteps);
        JobConfig job = loaded.get(0).file.config;
        if (data != null) {
            job = job.withValue("data.path", data);
        }
        if (format != null) {
            job = job.withValue("data.format", format);
        }
        job = job.withValue("data.test-limit", limit);
        job = job.withValue("data.eval-split", split == null ? "test" : split);
        JobSettings settings = new JobSettings(job);
        boolean study = loaded.size() > 1 || !corruptions.isEmpty() || steps.length > 0 || out != null;
        try (JavaSparkContext sc = SparkContexts.start(settings, "SpikeKD evaluate")) {
            int parts = SparkContexts.partitions(sc, partitions > 0 ? partitions : settings.averaging().partitions());
            if (!study) {
                return single(loaded.get(0), DistributedEvaluator.evaluate(sc, loaded.get(0).file.network, job, parts,
                        batchSize), job, settings);
            }
            StudyReport report = new Study(sc, job, parts, batchSize).run(loaded, corruptions, steps, System.err);
            report.printTables(System.err);
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("split", settings.data().evalSplit());
            result.putAll(report.toMap());
            if (out != null) {
                report.writeTo(out);
                result.put("out", out.toAbsolutePath().toString());
                System.err.println("wrote " + out.resolve("evaluation.json") + ", robustness.csv, time_steps.csv");
            }
            System.out.println(RunDirectory.JSON.writeValueAsString(result));
            return 0;
        }
    }

    private int single(StudiedModel m, EvaluationResult r, JobConfig job, JobSettings settings) throws Exception {
        EnergyEstimate energy = EnergyEstimate.of(m.file.network, r.input, r.firingRates);
        System.err.printf("model %s on %d examples of %s (%s split)%n", m.path, r.examples,
                job.raw().getString("data.path"), settings.data().evalSplit());
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
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("model", m.path);
        result.put("split", settings.data().evalSplit());
        result.putAll(r.toMap());
        result.put("energy", energy.toMap());
        System.out.println(RunDirectory.JSON.writeValueAsString(result));
        return 0;
    }
}
