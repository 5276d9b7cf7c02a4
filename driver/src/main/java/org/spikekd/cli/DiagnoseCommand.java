package org.spikekd.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.spikekd.data.HadoopFiles;
import org.spikekd.data.LabeledImages;
import org.spikekd.data.source.DatasetLoader;
import org.spikekd.diagnose.GradientFlow;
import org.spikekd.run.RunDirectory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spikekd diagnose}: looks inside training. */
@Command(name = "diagnose", mixinStandardHelpOptions = true, description = "Diagnostics of spiking networks.",
        subcommands = {DiagnoseCommand.Gradients.class})
public final class DiagnoseCommand implements Runnable {
    @Override
    public void run() {
        CommandLine.usage(this, System.err);
    }

    /** {@code spikekd diagnose gradients}. */
    @Command(name = "gradients", mixinStandardHelpOptions = true,
            description = {"Per-layer weight-gradient norms of deep spiking ResNets at initialization and after a few "
                    + "training steps, across surrogate widths: where gradients vanish or explode (Ledinauskas et al., 2020).",
                    "Prints a table to stderr and one JSON object as the last line of stdout; --out writes the JSON "
                    + "(with every layer's norms, for the notebooks' heat maps) to a file."})
    public static final class Gradients implements Callable<Integer> {
        @Option(names = "--depths", split = ",", defaultValue = "18,34,50", description = "ResNet depths (default ${DEFAULT-VALUE}).")
        List<Integer> depths;

        @Option(names = "--alphas", split = ",", defaultValue = "0.5,1,2,4,8,16,32",
                description = "Surrogate sharpness values; the width is about 1/alpha (default ${DEFAULT-VALUE}).")
        List<Double> alphas;

        @Option(names = "--surrogate", defaultValue = "sigmoid", description = "sigmoid, arctan, fast-sigmoid or triangle.")
        String surrogate;

        @Option(names = "--width", defaultValue = "8", description = "Channels of the first stage (default ${DEFAULT-VALUE}).")
        int width;

        @Option(names = "--time-steps", defaultValue = "4")
        int timeSteps;

        @Option(names = "--batch-size", defaultValue = "16")
        int batchSize;

        @Option(names = "--steps", defaultValue = "3", description = "Training steps before the second measurement.")
        int steps;

        @Option(names = "--data", defaultValue = "/usr/share/datasets/fashion-mnist", paramLabel = "DIR")
        String data;

        @Option(names = "--format", defaultValue = "idx")
        String format;

        @Option(names = "--seed", defaultValue = "0")
        long seed;

        @Option(names = "--out", paramLabel = "FILE", description = "Also write the JSON here (local path).")
        Path out;

        @Override
        public Integer call() throws Exception {
            if (width < 1 || timeSteps < 1 || batchSize < 1 || steps < 0) {
                throw new IllegalArgumentException("--width, --time-steps and --batch-size must be >= 1, --steps >= 0");
            }
            for (double a : alphas) {
                if (!(a > 0) || Double.isInfinite(a)) {
                    throw new IllegalArgumentException("--alphas: each must be a number > 0, got " + a);
                }
            }
            org.spikekd.surrogate.Surrogates.byName(surrogate, 1.0); // names the surrogate if unknown
            LabeledImages images = new DatasetLoader(format, data, List.of(), 64, true)
                    .load("train", batchSize * (steps + 1));
            GradientFlow flow = new GradientFlow(images).width(width).timeSteps(timeSteps).batchSize(batchSize)
                    .steps(steps).surrogate(surrogate).seed(seed);
            List<Map<String, Object>> rows = new ArrayList<>();
            List<GradientFlow.Measurement> all = new ArrayList<>();
            System.err.printf("%-7s %7s %12s %12s %9s %9s %9s %9s  %s%n", "resnet", "alpha", "|g| first", "|g| last",
                    "decades", "trained", "loss", "trained", "verdict");
            for (int depth : depths) {
                for (double alpha : alphas) {
                    GradientFlow.Measurement m = flow.measure(depth, alpha);
                    System.err.printf("%-7d %7.3g %12.4e %12.4e %9.2f %9.2f %9.4f %9.4f  %s%n", depth, alpha,
                            m.initial[0], m.initial[m.initial.length - 1], GradientFlow.Measurement.decades(m.initial),
                            GradientFlow.Measurement.decades(m.trained), m.lossInitial, m.lossTrained, m.verdict());
                    rows.add(m.toMap());
                    all.add(m);
                }
            }
            for (int depth : depths) {
                printPerLayer(depth, all.stream().filter(m -> m.depth == depth).toList());
            }
            System.err.println("decades = log10(first layer's gradient norm / last layer's); below -"
                    + GradientFlow.DECADES + ": vanishing, above " + GradientFlow.DECADES + ": exploding");
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("surrogate", surrogate);
            result.put("width", width);
            result.put("time_steps", timeSteps);
            result.put("batch_size", batchSize);
            result.put("steps", steps);
            result.put("measurements", rows);
            String json = RunDirectory.JSON.writeValueAsString(result);
            if (out != null) {
                Path abs = out.toAbsolutePath();
                HadoopFiles.writeAtomically(abs.toString(), json.getBytes(StandardCharsets.UTF_8));
                System.err.println("wrote " + abs);
            }
            System.out.println(json);
            return 0;
        }

        /** log10 of every layer's gradient norm at initialization: layers down, alphas across. */
        private static void printPerLayer(int depth, List<GradientFlow.Measurement> ms) {
            System.err.printf("ResNet-%d: log10 |grad W| per layer at initialization%n", depth);
            StringBuilder head = new StringBuilder(String.format("  %-20s", "layer"));
            ms.forEach(m -> head.append(String.format(" %8s", "a=" + m.alpha)));
            System.err.println(head);
            for (int i = 0; i < ms.get(0).layers.size(); i++) {
                StringBuilder line = new StringBuilder(String.format("  %-20s", ms.get(0).layers.get(i)));
                for (GradientFlow.Measurement m : ms) {
                    line.append(String.format(" %8.2f", Math.log10(m.initial[i])));
                }
                System.err.println(line);
            }
        }
    }
}
