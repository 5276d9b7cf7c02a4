package org.spikekd.data.source;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.spikekd.data.CifarReader;
import org.spikekd.data.DatasetFormatException;
import org.spikekd.data.HadoopFiles;
import org.spikekd.data.IdxReader;
import org.spikekd.data.ImageFolderReader;
import org.spikekd.data.LabeledImages;
import org.spikekd.data.shards.ShardedDataset;

/**
 * Finds and reads the train or test split of a dataset directory in one of the standard layouts:
 * <ul>
 *   <li>{@code idx}: {@code train-images-idx3-ubyte[.gz]}, {@code train-labels-idx1-ubyte[.gz]},
 *       {@code t10k-...} (MNIST, Fashion-MNIST);
 *   <li>{@code cifar10}: {@code data_batch_1..5.bin}, {@code test_batch.bin};
 *       {@code cifar100}: {@code train.bin}, {@code test.bin};
 *   <li>{@code imagefolder}: {@code train/CLASS/*.jpg} and {@code val/} or {@code test/};
 *   <li>{@code shards}: a sharded dataset directory made by {@code deploy/spikekd ingest}
 *       ({@link ShardedDataset}), with a validation split if one was carved out.
 * </ul>
 */
public final class DatasetLoader {
    /** The formats {@link #load} reads. */
    public static final List<String> FORMATS = List.of("idx", "cifar10", "cifar100", "imagefolder", "shards");

    private final String format;
    private final String root;
    private final List<String> classes;
    private final int imageSize;
    private final boolean cifar100Fine;

    /**
     * @param classes class names, or empty for the format's own (digits for IDX, CIFAR's indices,
     *     folder names for image folders)
     */
    public DatasetLoader(String format, String root, List<String> classes, int imageSize, boolean cifar100Fine) {
        checkFormat(format);
        this.format = format;
        this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
        this.classes = classes;
        this.imageSize = imageSize;
        this.cifar100Fine = cifar100Fine;
    }

    /** @throws IllegalArgumentException naming data.format unless {@code format} is one of {@link #FORMATS} */
    public static void checkFormat(String format) {
        if (!FORMATS.contains(format)) {
            throw new IllegalArgumentException("data.format must be one of " + FORMATS + ", got '" + format + "'");
        }
    }

    public String format() {
        return format;
    }

    /** The dataset directory, as configured. */
    public String root() {
        return root;
    }

    /**
     * The first {@code limit} examples (all if 0) of split {@code train}, {@code test} or
     * {@code validation} (sharded datasets only). A sharded dataset reads only the shards it needs.
     */
    public LabeledImages load(String split, int limit) throws IOException {
        if (format.equals("shards")) {
            ShardedDataset dataset = ShardedDataset.open(root);
            checkClasses(dataset);
            return dataset.read(split, limit);
        }
        if (!split.equals("train") && !split.equals("test")) {
            throw new IllegalArgumentException("a " + split + " split needs a sharded dataset (data.format = shards, "
                    + "made by deploy/spikekd ingest --validation-fraction); " + format + " has train and test only");
        }
        return loadRaw(split.equals("train")).first(limit);
    }

    /**
     * The first {@code limit} examples (all if 0) of the training split, as the driver of a run
     * needs it: a sharded dataset's is summarized from its manifest and read only when needed.
     */
    public TrainingSplit trainingSplit(int limit) throws IOException {
        if (format.equals("shards")) {
            ShardedDataset dataset = ShardedDataset.open(root);
            checkClasses(dataset);
            return TrainingSplit.of(dataset, limit);
        }
        return TrainingSplit.of(load("train", limit));
    }

    /**
     * CIFAR-10 or CIFAR-100, told apart by the binary batches a directory holds: {@code cifar10}
     * or {@code cifar100}.
     */
    public static String cifarFormatOf(String root) throws IOException {
        Path dir = HadoopFiles.path(root);
        FileSystem fs = HadoopFiles.fileSystem(dir);
        if (fs.exists(new Path(dir, "data_batch_1.bin"))) {
            return "cifar10";
        }
        if (fs.exists(new Path(dir, "train.bin"))) {
            return "cifar100";
        }
        throw new DatasetFormatException(root, "has neither data_batch_1.bin (CIFAR-10) nor train.bin (CIFAR-100)");
    }

    /** The whole train or test split of a dataset in one of the raw formats. */
    private LabeledImages loadRaw(boolean train) throws IOException {
        switch (format) {
            case "idx":
                return IdxReader.read(find(train ? "train-images-idx3-ubyte" : "t10k-images-idx3-ubyte"),
                        find(train ? "train-labels-idx1-ubyte" : "t10k-labels-idx1-ubyte"), classesOr(10));
            case "cifar10": {
                List<Path> batches = new ArrayList<>();
                if (train) {
                    for (int i = 1; i <= 5; i++) {
                        batches.add(existing("data_batch_" + i + ".bin"));
                    }
                } else {
                    batches.add(existing("test_batch.bin"));
                }
                return CifarReader.read(batches, false, false, classesOr(10));
            }
            case "cifar100":
                return CifarReader.read(List.of(existing(train ? "train.bin" : "test.bin")), true, cifar100Fine,
                        classesOr(cifar100Fine ? 100 : 20));
            default: {
                Path dir = train ? existing("train") : firstExisting("val", "test");
                List<String> names = classes.isEmpty() ? ImageFolderReader.classes(existing("train")) : classes;
                return ImageFolderReader.read(dir, names, imageSize);
            }
        }
    }

    private void checkClasses(ShardedDataset dataset) {
        if (!classes.isEmpty() && !classes.equals(dataset.manifest().classes)) {
            throw new IllegalArgumentException("data.classes " + classes + " differ from the classes of "
                    + dataset.name() + ": " + dataset.manifest().classes + "; set data.classes = [] (a sharded dataset "
                    + "names its classes), or ingest it again with --classes " + String.join(",", classes));
        }
    }

    private List<String> classesOr(int count) {
        if (!classes.isEmpty()) {
            return classes;
        }
        return IntStream.range(0, count).mapToObj(String::valueOf).collect(Collectors.toList());
    }

    private Path find(String baseName) throws IOException {
        Path plain = HadoopFiles.path(root + "/" + baseName);
        Path gz = HadoopFiles.path(root + "/" + baseName + ".gz");
        FileSystem fs = HadoopFiles.fileSystem(plain);
        if (fs.exists(gz)) {
            return gz;
        }
        if (fs.exists(plain)) {
            return plain;
        }
        throw new DatasetFormatException(root, "has neither " + baseName + " nor " + baseName
                + ".gz (data.format = idx expects the MNIST file names)");
    }

    private Path existing(String name) throws IOException {
        Path p = HadoopFiles.path(root + "/" + name);
        if (!HadoopFiles.fileSystem(p).exists(p)) {
            throw new DatasetFormatException(p.toString(), "does not exist (data.format = " + format
                    + " expects the standard file layout; see README, Datasets)");
        }
        return p;
    }

    private Path firstExisting(String... names) throws IOException {
        for (String n : names) {
            Path p = HadoopFiles.path(root + "/" + n);
            if (HadoopFiles.fileSystem(p).exists(p)) {
                return p;
            }
        }
        throw new DatasetFormatException(root, "has no test split folder (tried " + String.join(", ", names) + ")");
    }
}
