package org.spikekd.data.shards;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.Serializable;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.spikekd.data.DatasetFormatException;

/**
 * {@code manifest.json} of a sharded dataset directory: what the dataset is (classes, image shape,
 * the training split's per-channel mean and standard deviation) and what it is made of (per split:
 * example and class counts, and its shards in order with their example counts, byte sizes and
 * CRC32C checksums). A reader trusts nothing in a shard that the manifest does not vouch for.
 *
 * <p>Fields are public for Jackson and boxed so that a missing one is noticed by {@link #check}.
 */
public final class ShardManifest {
    public static final String FILE = "manifest.json";
    /** Hadoop's marker of a complete output directory, written last. */
    public static final String SUCCESS = "_SUCCESS";
    public static final String FORMAT = "spikekd-shards";
    public static final int VERSION = 1;
    public static final List<String> SPLITS = List.of("train", "validation", "test");

    static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public String format;
    public Integer version;
    public String created;
    public Source source;
    public List<String> classes;
    public Shape shape;
    /** Of the training split, pixels scaled to [0, 1]: what the networks normalize their input by. */
    public Normalization normalization;
    public Map<String, Split> splits = new LinkedHashMap<>();

    /** Where the examples came from. */
    public static final class Source {
        public String format;
        public List<String> inputs;
        /** The fraction of the source's training split carved out as the validation split; 0 = none. */
        public Double validationFraction;
        public Long seed;
    }

    public static final class Shape {
        public Integer channels;
        public Integer height;
        public Integer width;

        public Shape() {}

        public Shape(int channels, int height, int width) {
            this.channels = channels;
            this.height = height;
            this.width = width;
        }

        public int imageBytes() {
            return channels * height * width;
        }

        @Override
        public String toString() {
            return channels + "x" + height + "x" + width;
        }
    }

    public static final class Normalization {
        public double[] mean;
        public double[] std;
    }

    public static final class Split {
        public Long examples;
        public int[] classCounts;
        public List<Shard> shards;
    }

    /** One Parquet file of a split. */
    public static final class Shard implements Serializable {
        private static final long serialVersionUID = 1L;
        /** Its path relative to the dataset directory. */
        public String file;
        public Integer examples;
        public Long bytes;
        /** CRC32C of the whole file, 8 hex digits (the checksum HDFS itself uses for blocks). */
        public String crc32c;
        public int[] classCounts;
    }

    public Split split(String name) {
        return splits.get(name);
    }

    static ShardManifest parse(byte[] json, String file) throws DatasetFormatException {
        try {
            return JSON.readValue(json, ShardManifest.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new DatasetFormatException(file, "is not a valid manifest: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new DatasetFormatException(file, "is not a valid manifest: " + e.getMessage());
        }
    }

    public byte[] toJson() throws IOException {
        return JSON.writeValueAsBytes(this);
    }

    /**
     * Checks that the manifest is complete and consistent with itself (counts add up, every shard
     * named once, inside the directory); whether the shards match it is checked as they are read.
     */
    public ShardManifest check(String file) throws DatasetFormatException {
        require(FORMAT.equals(format), file, "format is '" + format + "', not " + FORMAT);
        require(version != null && version == VERSION, file, "format version " + version
                + " is not the supported " + VERSION + " (re-ingest the dataset with this SpikeKD)");
        require(classes != null && !classes.isEmpty(), file, "has no classes");
        require(shape != null && shape.channels != null && shape.height != null && shape.width != null
                && shape.channels > 0 && shape.height > 0 && shape.width > 0, file, "has no valid image shape");
        require(normalization != null && normalization.mean != null && normalization.std != null
                && normalization.mean.length == shape.channels && normalization.std.length == shape.channels,
                file, "normalization must give a mean and a std for each of the " + shape.channels + " channels");
        require(splits != null && splits.containsKey("train") && splits.containsKey("test"), file,
                "must have a train and a test split");
        Set<String> files = new HashSet<>();
        for (Map.Entry<String, Split> e : splits.entrySet()) {
            String name = e.getKey();
            Split split = e.getValue();
            require(SPLITS.contains(name), file, "unknown split '" + name + "' (splits are " + SPLITS + ")");
            String where = "split " + name + ": ";
            require(split != null && split.examples != null && split.shards != null && split.classCounts != null,
                    file, where + "needs examples, class_counts and shards");
            require(split.classCounts.length == classes.size(), file, where + "class_counts has "
                    + split.classCounts.length + " entries for " + classes.size() + " classes");
            long examples = 0;
            long[] perClass = new long[classes.size()];
            for (Shard shard : split.shards) {
                require(shard != null && shard.file != null && shard.examples != null && shard.bytes != null
                        && shard.crc32c != null && shard.classCounts != null, file,
                        where + "every shard needs file, examples, bytes, crc32c and class_counts");
                require(!shard.file.startsWith("/") && !shard.file.contains("..") && !shard.file.contains(":"),
                        file, where + "shard path '" + shard.file + "' must be relative to the dataset directory");
                require(files.add(shard.file), file, "shard " + shard.file + " is listed twice");
                require(shard.classCounts.length == classes.size(), file, where + shard.file + " has "
                        + shard.classCounts.length + " class counts for " + classes.size() + " classes");
                require(sum(shard.classCounts) == shard.examples, file,
                        where + shard.file + "'s class counts do not add up to its " + shard.examples + " examples");
                examples += shard.examples;
                for (int c = 0; c < perClass.length; c++) {
                    perClass[c] += shard.classCounts[c];
                }
            }
            require(examples == split.examples, file, where + "its shards hold " + examples
                    + " examples, the split says " + split.examples);
            for (int c = 0; c < perClass.length; c++) {
                require(perClass[c] == split.classCounts[c], file, where + "class " + classes.get(c)
                        + " has " + split.classCounts[c] + " examples, its shards " + perClass[c]);
            }
        }
        return this;
    }

    private static long sum(int[] counts) {
        long s = 0;
        for (int c : counts) {
            s += c;
        }
        return s;
    }

    private static void require(boolean ok, String file, String problem) throws DatasetFormatException {
        if (!ok) {
            throw new DatasetFormatException(file, problem);
        }
    }
}
