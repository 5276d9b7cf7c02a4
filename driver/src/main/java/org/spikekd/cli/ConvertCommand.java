package org.spikekd.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;
import org.spikekd.convert.AnnToSnnConverter;
import org.spikekd.data.LabeledImages;
import org.spikekd.model.NetworkRole;
import org.spikekd.model.TimeSteps;
import org.spikekd.run.ModelFile;
import org.spikekd.run.RunDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spikekd convert}: a trained ANN teacher to an SNN of integrate-and-fire neurons. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Convert a trained ANN teacher to a spiking network of integrate-and-fire neurons with soft "
                + "reset (ANN-to-SNN conversion): batch norm folded in, activations normalized by their percentile on "
                + "calibration images from the teacher's training split. The result is a model file that evaluate "
                + "reads like any student, e.g. evaluate --model FILE --time-steps 8,16,32,...,1024.",
                "Prints each layer's percentile to stderr and one JSON object as the last line of stdout."})
public final class ConvertCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "model.zip of a teacher run")
    String model;

    @Option(names = "--out", required = true, paramLabel = "FILE",
            description = "The converted model file to write (local path or Hadoop URI); written under a temporary name, then renamed.")
    String out;

    @Option(names = "--time-steps", defaultValue = "256",
            description = "The T the converted model runs when evaluated without --time-steps (default ${DEFAULT-VALUE}).")
    int timeSteps;

    @Option(names = "--percentile", defaultValue = "99.9",
            description = "Percentile of each ReLU's positive activations that one spike per step stands for (default ${DEFAULT-VALUE}).")
    double percentile;

    @Option(names = "--normalization", defaultValue = "weights",
            description = "weights (scale weights, threshold 1) or thresholds (scale thresholds); the same spikes (default ${DEFAULT-VALUE}).")
    String normalization;

    @Option(names = "--calibration-examples", defaultValue = "1000",
            description = "Training examples whose activations set the percentiles (default ${DEFAULT-VALUE}).")
    int calibrationExamples;

    @Option(names = "--data", paramLabel = "URI", description = "Dataset directory; default: the teacher's.")
    String data;

    @Override
    public Integer call() throws Exception {
        if (!normalization.equals("weights") && !normalization.equals("thresholds")) {
            throw new IllegalArgumentException("--normalization must be weights or thresholds, got '" + normalization + "'");
        }
        if (calibrationExamples < 1) {
            throw new IllegalArgumentException("--calibration-examples must be >= 1, got " + calibrationExamples);
        }
        ModelFile teacher = ModelFile.load(model);
        JobConfig job = data == null ? teacher.config : teacher.config.withValue("data.path", data);
        JobSettings settings = new JobSettings(job);
        if (settings.role() != NetworkRole.TEACHER) {
            throw new IllegalArgumentException(model + " is a " + settings.role().name().toLowerCase()
                    + "; conversion takes a trained ANN teacher (model.role = teacher)");
        }
        LabeledImages calibration = settings.data().loader().load("train", calibrationExamples);
        System.err.printf("converting %s with %d calibration images, %s percentile of activations, %s normalization%n",
                model, calibration.size(), percentile, normalization);
        AnnToSnnConverter.Result r = new AnnToSnnConverter().percentile(percentile).timeSteps(timeSteps)
                .normalization(AnnToSnnConverter.Normalization.valueOf(normalization.toUpperCase()))
                .convert(teacher.network, calibration);
        r.lambdas.forEach((layer, lambda) -> System.err.printf("  %-14s lambda %.4f%n", layer, lambda));
        ModelFile.save(r.snn, job.convertedToSnn(TimeSteps.of(r.snn), model), out);
        System.err.println("wrote " + out);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("model", out);
        result.put("converted_from", model);
        result.put("time_steps", timeSteps);
        result.put("percentile", percentile);
        result.put("normalization", normalization);
        result.put("calibration_examples", calibration.size());
        result.put("lambdas", r.lambdas);
        System.out.println(RunDirectory.JSON.writeValueAsString(result));
        return 0;
    }
}
