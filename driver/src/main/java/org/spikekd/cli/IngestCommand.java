package org.spikekd.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.spikekd.data.LabeledImages;
import org.spikekd.data.shards.ShardManifest;
import org.spikekd.data.source.DatasetLoader;
import org.spikekd.ingest.DatasetIngest;
import org.spikekd.run.RunDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spikekd ingest}: a dataset in a raw format into a sharded dataset directory. */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Convert a dataset (IDX, CIFAR binary batches or an image-folder tree, from any Hadoop "
                + "file system) into a sharded dataset directory: Parquet shards, manifest.json and _SUCCESS. "
                + "Train with data.format = shards and data.path = the output. Progress on stderr, one JSON "
                + "object on the last line of stdout.")
public final class IngestCommand implements Callable<Integer> {
    @Option(names = "--format", required = true, paramLabel = "FORMAT",
            description = "idx (MNIST, Fashion-MNIST), cifar (CIFAR-10 or -100, told apart by their files) or imagefolder.")
    String format;

    @Option(names = "--input", required = true, arity = "1..*", paramLabel = "URI",
            description = "Dataset directories in the format's standard layout (see README, Datasets); "
                    + "several are concatenated split by split.")
    List<String> inputs;

    @Option(names = "--output", required = true, paramLabel = "URI", description = "The dataset directory to create.")
    String output;

    @Option(names = "--overwrite", description = "Replace an existing output (only once the new one is complete).")
    boolean overwrite;

    @Option(names = "--shard-mb", defaultValue = "8", paramLabel = "MB",
            description = "Uncompressed pixel megabytes per shard (default ${DEFAULT-VALUE}); a Spark partition reads whole shards.")
    double shardMb;

    @Option(names = "--validation-fraction", defaultValue = "0", paramLabel = "F",
            description = "Carve this fraction of the training split out as a validation split (default: none).")
    double validationFraction;

    @Option(names = "--seed", defaultValue = "1", description = "Chooses the validation examples (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--classes", split = ",", paramLabel = "NAME",
            description = "Class names in label order (default: the format's own).")
    List<String> classes = new ArrayList<>();

    @Option(names = "--image-size", defaultValue = "64", description = "imagefolder: resize to this square size.")
    int imageSize;

    @Option(names = "--cifar100-labels", defaultValue = "fine", description = "cifar (CIFAR-100): fine or coarse.")
    String cifar100Labels;

    @Override
    public Integer call() throws IOException {
        if (!List.of("idx", "cifar", "imagefolder").contains(format)) {
            throw new IllegalArgumentException("--format must be idx, cifar or imagefolder, got '" + format + "'");
        }
        if (!List.of("fine", "coarse").contains(cifar100Labels)) {
            throw new IllegalArgumentException("--cifar100-labels must be fine or coarse, got '" + cifar100Labels + "'");
        }
        if (!(shardMb > 0)) {
            throw new IllegalArgumentException("--shard-mb must be positive, got " + shardMb);
        }
        long start = System.nanoTime();
        List<LabeledImages> trains = new ArrayList<>();
        List<LabeledImages> tests = new ArrayList<>();
        for (String input : inputs) {
            DatasetLoader loader = new DatasetLoader(loaderFormat(input), input, classes, imageSize,
                    cifar100Labels.equals("fine"));
            System.err.println("reading " + input + " (" + loader.format() + ")");
            trains.add(loader.load("train", 0));
            tests.add(loader.load("test", 0));
        }
        LabeledImages train = LabeledImages.concat(trains, "the inputs");
        LabeledImages test = LabeledImages.concat(tests, "the inputs");
        double readSeconds = (System.nanoTime() - start) / 1e9;
        System.err.printf("read %d train / %d test images, %dx%dx%d, %d classes (%.1f s)%n", train.size(), test.size(),
                train.channels(), train.height(), train.width(), train.classes().size(), readSeconds);

        ShardManifest.Source source = new ShardManifest.Source();
        source.format = format;
        source.inputs = inputs;
        ShardManifest m = new DatasetIngest(output).shardBytes((long) (shardMb * (1 << 20)))
                .validation(validationFraction, seed).overwrite(overwrite).progress(System.err::println)
                .write(train, test, source);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.println(RunDirectory.JSON.writeValueAsString(summary(m, seconds)));
        return 0;
    }

    /** The loader format of one input: cifar is CIFAR-10 or CIFAR-100 by the files present. */
    private String loaderFormat(String input) throws IOException {
        return format.equals("cifar") ? DatasetLoader.cifarFormatOf(input) : format;
    }

    private Map<String, Object> summary(ShardManifest m, double seconds) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("output", output);
        long bytes = 0;
        long raw = 0;
        Map<String, Object> splits = new LinkedHashMap<>();
        for (var e : m.splits.entrySet()) {
            long b = e.getValue().shards.stream().mapToLong(s -> s.bytes).sum();
            bytes += b;
            raw += e.getValue().examples * m.shape.imageBytes();
            splits.put(e.getKey(), Map.of("examples", e.getValue().examples, "shards", e.getValue().shards.size(),
                    "bytes", b));
        }
        out.put("splits", splits);
        out.put("classes", m.classes.size());
        out.put("shape", m.shape.toString());
        out.put("bytes", bytes);
        out.put("pixel_bytes", raw);
        out.put("seconds", seconds);
        return out;
    }
}
