package org.spikekd.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.spikekd.config.JobSettings;
import org.spikekd.data.LabeledImages;
import org.spikekd.model.TimeSteps;
import org.spikekd.nir.NirExport;
import org.spikekd.nir.NirFile;
import org.spikekd.nir.NirGraph;
import org.spikekd.run.ModelFile;
import org.spikekd.run.RunDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spikekd export}: a trained spiking network in a format other tools read. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write a trained spiking network (a student or a converted SNN) as a NIR graph "
                + "(Neuromorphic Intermediate Representation, HDF5), which Lava, snnTorch, Norse, SpikingJelly, "
                + "Sinabs and neuromorphic hardware read. Batch norm is folded into the layer before it; "
                + "docs/export.md says how each layer and neuron maps.",
                "Prints one JSON object as the last line of stdout."})
public final class ExportCommand implements Callable<Integer> {
    /** The formats a model exports to. */
    enum Format { nir }

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "model.zip of a student run, or a converted SNN")
    String model;

    @Option(names = "--format", defaultValue = "nir", description = "Output format: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    Format format;

    @Option(names = "--out", required = true, paramLabel = "FILE",
            description = "The file to write (local path); written under a temporary name, then renamed.")
    Path out;

    @Option(names = "--input-shape", paramLabel = "C,H,W", split = ",",
            description = "The images the model takes; default: read off one image of the model's dataset.")
    List<Integer> inputShape;

    @Option(names = "--time-steps", paramLabel = "T",
            description = "The number of steps the graph is meant to run (graph metadata); default: the model's.")
    Integer timeSteps;

    @Override
    public Integer call() throws Exception {
        if (out.getParent() != null && !Files.isDirectory(out.toAbsolutePath().getParent())) {
            throw new IllegalArgumentException("--out " + out + ": directory " + out.toAbsolutePath().getParent()
                    + " does not exist");
        }
        ModelFile file = ModelFile.load(model);
        ComputationGraph net = file.network;
        if (timeSteps != null) {
            net = TimeSteps.retimed(net, timeSteps);
        }
        InputType input = inputType(file);
        NirGraph graph;
        try {
            graph = NirExport.of(net, input);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(model + ": " + e.getMessage(), e);
        }
        NirFile.write(graph, out);
        Map<String, Integer> kinds = new TreeMap<>();
        graph.nodes().values().forEach(n -> kinds.merge(n.type(), 1, Integer::sum));
        List<String> subtractive = graph.nodes().entrySet().stream()
                .filter(e -> "subtract".equals(e.getValue().metadata().get("reset"))).map(Map.Entry::getKey).toList();
        System.err.printf("wrote %s: %d nodes %s, %d edges, %d time steps%n", out, graph.nodes().size(), kinds,
                graph.edges().size(), TimeSteps.of(net));
        if (!subtractive.isEmpty()) {
            System.err.println("note: " + subtractive.size() + " neuron layers reset by subtraction, which NIR has no "
                    + "field for: they carry metadata reset = \"subtract\"; a reader that ignores it resets to v_reset");
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("model", model);
        result.put("format", format.name());
        result.put("out", out.toString());
        result.put("nir_version", NirFile.NIR_VERSION);
        result.put("time_steps", TimeSteps.of(net));
        result.put("nodes", graph.nodes().size());
        result.put("edges", graph.edges().size());
        result.put("node_types", kinds);
        result.put("subtractive_reset", subtractive);
        result.put("bytes", Files.size(out));
        System.out.println(RunDirectory.JSON.writeValueAsString(result));
        return 0;
    }

    private InputType inputType(ModelFile file) throws Exception {
        if (inputShape != null) {
            if (inputShape.size() != 3 || inputShape.stream().anyMatch(d -> d < 1)) {
                throw new IllegalArgumentException("--input-shape must be three positive numbers C,H,W, got " + inputShape);
            }
            return InputType.convolutional(inputShape.get(1), inputShape.get(2), inputShape.get(0));
        }
        LabeledImages one = new JobSettings(file.config).data().loader().load("test", 1);
        return InputType.convolutional(one.height(), one.width(), one.channels());
    }
}
