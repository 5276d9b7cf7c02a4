package org.spikekd.ingest;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.spikekd.data.HadoopFiles;
import org.spikekd.data.LabeledImages;
import org.spikekd.data.shards.ShardFile;
import org.spikekd.data.shards.ShardManifest;
import org.spikekd.data.shards.ShardedDataset;

/**
 * Writes a dataset's splits as a sharded dataset directory ({@link ShardedDataset}) on any Hadoop
 * file system, so that it appears only when complete: everything is written under a hidden
 * temporary name beside the target, renamed onto the target (one atomic rename on HDFS and local
 * disks), and then {@code _SUCCESS} is written, which readers require (it also covers stores whose
 * rename is not atomic, such as S3). An existing target is refused unless overwriting, and is then
 * replaced only after the new dataset is complete.
 */
public final class DatasetIngest {
    /** Default shard size: raw pixel bytes per shard before compression. */
    public static final long DEFAULT_SHARD_BYTES = 8L << 20;

    private final String output;
    private long shardBytes = DEFAULT_SHARD_BYTES;
    private double validationFraction;
    private long seed = 1;
    private boolean overwrite;
    private Consumer<String> progress = line -> {};

    public DatasetIngest(String output) {
        this.output = output;
    }

    /** Raw pixel bytes per shard (a shard holds at least one image). */
    public DatasetIngest shardBytes(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("the shard size must be positive, got " + bytes + " bytes");
        }
        this.shardBytes = bytes;
        return this;
    }

    /** Carve this fraction of the training split, chosen at random by {@code seed}, out as a validation split. */
    public DatasetIngest validation(double fraction, long seed) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("the validation fraction must be in [0, 1), got " + fraction);
        }
        this.validationFraction = fraction;
        this.seed = seed;
        return this;
    }

    public DatasetIngest overwrite(boolean overwrite) {
        this.overwrite = overwrite;
        return this;
    }

    public DatasetIngest progress(Consumer<String> progress) {
        this.progress = progress;
        return this;
    }

    /** Writes the dataset; returns its manifest. */
    public ShardManifest write(LabeledImages train, LabeledImages test, ShardManifest.Source source) throws IOException {
        if (train.imageSize() != test.imageSize() || train.height() != test.height()
                || !train.classes().equals(test.classes())) {
            throw new IllegalArgumentException("the train and test splits differ in image shape or classes");
        }
        Path target = HadoopFiles.path(output);
        FileSystem fs = HadoopFiles.withoutSideChecksums(HadoopFiles.fileSystem(target));
        target = fs.makeQualified(target);
        String name = HadoopFiles.display(fs, target);
        boolean replacing = fs.exists(target);
        if (replacing && !overwrite) {
            boolean complete = fs.exists(new Path(target, ShardManifest.SUCCESS));
            throw new IOException(name + " already exists" + (complete ? "" : " (incomplete: no "
                    + ShardManifest.SUCCESS + ", perhaps an interrupted ingest)") + "; pass --overwrite to replace it");
        }
        LabeledImages validation = null;
        if (validationFraction > 0) {
            int n = (int) Math.round(train.size() * validationFraction);
            if (n < 1 || n >= train.size()) {
                throw new IllegalArgumentException("a validation fraction of " + validationFraction + " of "
                        + train.size() + " training examples leaves " + n + " for validation");
            }
            int[][] parts = carve(train.size(), n, seed);
            validation = train.select(parts[0]);
            train = train.select(parts[1]);
        }
        source.validationFraction = validationFraction;
        source.seed = seed;

        Path tmp = new Path(target.getParent(), "." + target.getName() + "._ingesting-" + UUID.randomUUID());
        try {
            fs.mkdirs(tmp);
            ShardManifest m = new ShardManifest();
            m.format = ShardManifest.FORMAT;
            m.version = ShardManifest.VERSION;
            m.created = Instant.now().toString();
            m.source = source;
            m.classes = train.classes();
            m.shape = new ShardManifest.Shape(train.channels(), train.height(), train.width());
            double[][] norm = train.channelMeanAndStd();
            m.normalization = new ShardManifest.Normalization();
            m.normalization.mean = norm[0];
            m.normalization.std = norm[1];
            m.splits.put("train", writeSplit(fs, tmp, "train", train));
            if (validation != null) {
                m.splits.put("validation", writeSplit(fs, tmp, "validation", validation));
            }
            m.splits.put("test", writeSplit(fs, tmp, "test", test));
            m.check("the manifest being written");
            writeFile(fs, new Path(tmp, ShardManifest.FILE), m.toJson());
            commit(fs, tmp, target, replacing);
            progress.accept("wrote " + name);
            return m;
        } catch (IOException | RuntimeException e) {
            try {
                fs.delete(tmp, true);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private ShardManifest.Split writeSplit(FileSystem fs, Path dir, String split, LabeledImages images) throws IOException {
        int perShard = (int) Math.max(1, Math.min(Integer.MAX_VALUE, shardBytes / images.imageSize()));
        ShardManifest.Split s = new ShardManifest.Split();
        s.examples = (long) images.size();
        s.classCounts = images.classCounts();
        s.shards = new java.util.ArrayList<>();
        int count = (images.size() + perShard - 1) / perShard;
        for (int k = 0, from = 0; from < images.size(); k++, from += perShard) {
            ShardManifest.Shard shard = new ShardManifest.Shard();
            shard.file = String.format("%s/part-%05d.parquet", split, k);
            byte[] bytes = ShardFile.write(images, from, Math.min(images.size(), from + perShard), shard);
            writeFile(fs, new Path(dir, shard.file), bytes);
            s.shards.add(shard);
            if (k + 1 == count || (k + 1) % 10 == 0) {
                progress.accept(String.format("%s: %d/%d shards, %d examples", split, k + 1, count,
                        Math.min(images.size(), from + perShard)));
            }
        }
        return s;
    }

    private static void writeFile(FileSystem fs, Path file, byte[] bytes) throws IOException {
        try (OutputStream out = fs.create(file, false)) {
            out.write(bytes);
        }
    }

    /** Moves the finished temporary directory onto the target, then marks it complete. */
    private static void commit(FileSystem fs, Path tmp, Path target, boolean replacing) throws IOException {
        Path old = null;
        if (replacing) {
            old = new Path(target.getParent(), "." + target.getName() + "._replaced-" + UUID.randomUUID());
            if (!fs.rename(target, old)) {
                throw new IOException("could not move the old " + HadoopFiles.display(fs, target) + " aside to replace it");
            }
        }
        if (!fs.rename(tmp, target)) {
            throw new IOException("could not rename " + HadoopFiles.display(fs, tmp) + " to "
                    + HadoopFiles.display(fs, target));
        }
        fs.create(new Path(target, ShardManifest.SUCCESS), false).close();
        if (old != null) {
            fs.delete(old, true);
        }
    }

    /** Indices [0, n) split into {@code k} chosen at random by seed and the rest, each in increasing order. */
    public static int[][] carve(int n, int k, long seed) {
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        Random random = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        int[] chosen = Arrays.copyOf(perm, k);
        int[] rest = Arrays.copyOfRange(perm, k, n);
        Arrays.sort(chosen);
        Arrays.sort(rest);
        return new int[][] {chosen, rest};
    }
}
