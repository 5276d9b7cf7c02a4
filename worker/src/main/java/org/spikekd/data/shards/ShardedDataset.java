package org.spikekd.data.shards;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.BlockLocation;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.spikekd.data.DatasetFormatException;
import org.spikekd.data.HadoopFiles;
import org.spikekd.data.LabeledImages;

/**
 * A sharded dataset directory written by {@code deploy/spikekd ingest} (the driver's ingest.DatasetIngest), on any Hadoop file system:
 * {@code manifest.json}, the splits' Parquet shards ({@code train/part-00000.parquet}, ...), and
 * {@code _SUCCESS}, written last. A directory without the marker is refused (an ingest that did not
 * finish), and every shard is checked against the manifest as it is read, so a damaged dataset is
 * an error naming the shard, never a silently smaller dataset.
 */
public final class ShardedDataset {
    private final FileSystem fs;
    private final Path dir;
    private final String name;
    private final ShardManifest manifest;

    private ShardedDataset(FileSystem fs, Path dir, ShardManifest manifest) {
        this.fs = fs;
        this.dir = dir;
        this.name = HadoopFiles.display(fs, dir);
        this.manifest = manifest;
    }

    /** Opens a complete dataset directory and checks its manifest. */
    public static ShardedDataset open(String uri) throws IOException {
        Path dir = HadoopFiles.path(uri);
        FileSystem fs = HadoopFiles.withoutSideChecksums(HadoopFiles.fileSystem(dir));
        String name = HadoopFiles.display(fs, dir);
        if (!fs.exists(dir)) {
            throw new DatasetFormatException(name, "does not exist");
        }
        Path manifestFile = new Path(dir, ShardManifest.FILE);
        if (!fs.exists(new Path(dir, ShardManifest.SUCCESS))) {
            throw new DatasetFormatException(name, "has no " + ShardManifest.SUCCESS + " marker, so it is not a complete "
                    + "sharded dataset (an interrupted ingest, or not made by deploy/spikekd ingest); ingest it again "
                    + "with --overwrite");
        }
        if (!fs.exists(manifestFile)) {
            throw new DatasetFormatException(name, "has no " + ShardManifest.FILE + "; ingest it again with --overwrite");
        }
        String manifestName = HadoopFiles.display(fs, manifestFile);
        ShardManifest manifest = ShardManifest.parse(readAll(fs, manifestFile, manifestName), manifestName)
                .check(manifestName);
        return new ShardedDataset(fs, dir, manifest);
    }

    /** True if {@code uri} looks like a sharded dataset directory (it has a manifest), complete or not. */
    public static boolean looksSharded(String uri) throws IOException {
        Path dir = HadoopFiles.path(uri);
        return HadoopFiles.fileSystem(dir).exists(new Path(dir, ShardManifest.FILE));
    }

    public ShardManifest manifest() {
        return manifest;
    }

    public String name() {
        return name;
    }

    /** The split's entry in the manifest, or an error saying which splits there are. */
    public ShardManifest.Split split(String split) throws DatasetFormatException {
        ShardManifest.Split s = manifest.split(split);
        if (s == null) {
            throw new DatasetFormatException(name, "has no " + split + " split (it has " + manifest.splits.keySet()
                    + (split.equals("validation") ? "; ingest with --validation-fraction to carve one out" : "") + ")");
        }
        return s;
    }

    /** The first {@code limit} examples of a split (all if limit is 0), read and checked. */
    public LabeledImages read(String split, int limit) throws IOException {
        return read(groups(split, 1, limit).get(0));
    }

    /**
     * The first {@code limit} examples of a split (all if 0) in at most {@code k} groups of whole,
     * consecutive shards with near-equal example counts: one per Spark partition. There are fewer
     * groups than {@code k} if there are fewer shards.
     */
    public List<ShardGroup> groups(String split, int k, int limit) throws DatasetFormatException {
        ShardManifest.Split s = split(split);
        long total = limit > 0 ? Math.min(limit, s.examples) : s.examples;
        List<ShardManifest.Shard> used = new ArrayList<>();
        List<Integer> takes = new ArrayList<>();
        long left = total;
        for (ShardManifest.Shard shard : s.shards) {
            if (left == 0) {
                break;
            }
            int t = (int) Math.min(shard.examples, left);
            if (t > 0) {
                used.add(shard);
                takes.add(t);
                left -= t;
            }
        }
        if (used.isEmpty()) {
            throw new DatasetFormatException(name, "the " + split + " split is empty");
        }
        int groups = Math.max(1, Math.min(k, used.size()));
        // each shard goes to the group its middle example falls in: contiguous, balanced groups
        List<List<Integer>> members = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            members.add(new ArrayList<>());
        }
        long before = 0;
        for (int i = 0; i < used.size(); i++) {
            double middle = before + takes.get(i) / 2.0;
            members.get((int) Math.min(groups - 1, Math.floor(middle * groups / total))).add(i);
            before += takes.get(i);
        }
        List<ShardGroup> out = new ArrayList<>();
        for (List<Integer> m : members) {
            if (!m.isEmpty()) {
                out.add(new ShardGroup(split, m.stream().map(used::get).toList(),
                        m.stream().mapToInt(takes::get).toArray()));
            }
        }
        return out;
    }

    /** Reads a group's shards, checking each against the manifest. */
    public LabeledImages read(ShardGroup group) throws IOException {
        List<LabeledImages> parts = new ArrayList<>();
        for (int i = 0; i < group.shards.size(); i++) {
            ShardManifest.Shard shard = group.shards.get(i);
            Path file = new Path(dir, shard.file);
            String shardName = HadoopFiles.display(fs, file);
            byte[] bytes = readAll(fs, file, shardName);
            parts.add(ShardFile.read(bytes, shard, manifest, shardName, group.take[i]));
        }
        return LabeledImages.concat(parts, "shards of " + name);
    }

    /**
     * The hosts holding most of a group's bytes (at most three), best first: where a task reading
     * it runs without fetching blocks over the network. None on the local file system.
     */
    public List<String> hosts(ShardGroup group) throws IOException {
        if ("file".equals(fs.makeQualified(dir).toUri().getScheme())) {
            return List.of();
        }
        Map<String, Long> bytes = new HashMap<>();
        for (ShardManifest.Shard shard : group.shards) {
            FileStatus status = fs.getFileStatus(new Path(dir, shard.file));
            for (BlockLocation block : fs.getFileBlockLocations(status, 0, status.getLen())) {
                for (String host : block.getHosts()) {
                    bytes.merge(host, block.getLength(), Long::sum);
                }
            }
        }
        return bytes.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(Map.Entry.comparingByKey()))
                .limit(3).map(Map.Entry::getKey).toList();
    }

    private static byte[] readAll(FileSystem fs, Path file, String name) throws IOException {
        FileStatus status;
        try {
            status = fs.getFileStatus(file);
        } catch (FileNotFoundException e) {
            throw new DatasetFormatException(name, "is missing (the manifest lists it); re-ingest the dataset");
        }
        if (status.getLen() > Integer.MAX_VALUE - 8) {
            throw new DatasetFormatException(name, "is larger than 2 GB; ingest with a smaller --shard-mb");
        }
        byte[] bytes = new byte[(int) status.getLen()];
        try (InputStream in = fs.open(file)) {
            HadoopFiles.readFully(in, bytes, name, "the file");
        } catch (DatasetFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new DatasetFormatException(name, "cannot be read: " + e);
        }
        return bytes;
    }
}
