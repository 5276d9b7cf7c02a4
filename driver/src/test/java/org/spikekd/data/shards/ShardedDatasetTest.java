package org.spikekd.data.shards;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spikekd.data.DatasetFormatException;
import org.spikekd.data.LabeledImages;
import org.spikekd.data.source.DatasetLoader;
import org.spikekd.data.source.TrainingSplit;
import org.spikekd.ingest.DatasetIngest;

/**
 * Sharded datasets on the local file system: round trip, splits, groups, atomic output. Damaged
 * datasets are tested in the driver's DamagedShardsTest, on the local disk and on HDFS.
 */
class ShardedDatasetTest {
    static LabeledImages train;
    static LabeledImages test;

    @TempDir
    Path tmp;

    @BeforeAll
    static void readFashionMnist() throws IOException {
        DatasetLoader raw = new DatasetLoader("idx", "/usr/share/datasets/fashion-mnist", List.of(), 0, true);
        train = raw.load("train", 3000);
        test = raw.load("test", 1000);
    }

    /** 200 images per shard: 15 train shards and 5 test shards. */
    private String ingest(String name, double validation) throws IOException {
        String out = tmp.resolve(name).toString();
        new DatasetIngest(out).shardBytes(200L * 784).validation(validation, 7)
                .write(train, test, source());
        return out;
    }

    private static ShardManifest.Source source() {
        ShardManifest.Source s = new ShardManifest.Source();
        s.format = "idx";
        s.inputs = List.of("/usr/share/datasets/fashion-mnist");
        return s;
    }

    @Test
    void ingestedDatasetReadsBackExactly() throws IOException {
        String dir = ingest("fm", 0);
        ShardedDataset ds = ShardedDataset.open(dir);
        ShardManifest m = ds.manifest();
        assertEquals(15, m.split("train").shards.size());
        assertEquals(5, m.split("test").shards.size());
        assertEquals(3000L, m.split("train").examples);
        assertArrayEquals(train.classCounts(), m.split("train").classCounts);
        assertEquals("1x28x28", m.shape.toString());
        assertArrayEquals(train.channelMeanAndStd()[0], m.normalization.mean, 1e-12);
        assertArrayEquals(train.channelMeanAndStd()[1], m.normalization.std, 1e-12);
        assertSame(train, ds.read("train", 0));
        assertSame(test, ds.read("test", 0));
        assertSame(train.first(450), ds.read("train", 450));
        assertTrue(Files.exists(Path.of(dir, "_SUCCESS")));
        // nothing but the dataset is left beside it
        try (var siblings = Files.list(tmp)) {
            assertEquals(List.of("fm"), siblings.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void groupsAreBalancedRunsOfWholeShards() throws IOException {
        ShardedDataset ds = ShardedDataset.open(ingest("fm", 0));
        List<ShardGroup> groups = ds.groups("train", 4, 0);
        assertEquals(4, groups.size());
        List<String> files = new ArrayList<>();
        List<LabeledImages> parts = new ArrayList<>();
        for (ShardGroup g : groups) {
            files.addAll(g.files());
            assertTrue(g.examples() >= 600 && g.examples() <= 800, g.toString());
            parts.add(ds.read(g));
        }
        assertEquals(ds.manifest().split("train").shards.stream().map(s -> s.file).toList(), files);
        assertSame(train, LabeledImages.concat(parts, "groups"));
        // more groups than shards: one shard each; a limit cuts the last shard used
        assertEquals(15, ds.groups("train", 40, 0).size());
        List<ShardGroup> limited = ds.groups("train", 2, 500);
        assertEquals(List.of(200L, 300L), limited.stream().map(ShardGroup::examples).toList());
        assertTrue(ds.hosts(groups.get(0)).isEmpty(), "no host preference on the local file system");
    }

    @Test
    void validationIsCarvedOutBySeed() throws IOException {
        ShardedDataset ds = ShardedDataset.open(ingest("fm", 0.1));
        LabeledImages val = ds.read("validation", 0);
        LabeledImages rest = ds.read("train", 0);
        assertEquals(300, val.size());
        assertEquals(2700, rest.size());
        int[][] carved = DatasetIngest.carve(3000, 300, 7);
        assertSame(train.select(carved[0]), val);
        assertSame(train.select(carved[1]), rest);
        Set<Integer> all = new HashSet<>();
        for (int[] part : carved) {
            for (int i : part) {
                all.add(i);
            }
        }
        assertEquals(3000, all.size());
        assertArrayEquals(carved[0], DatasetIngest.carve(3000, 300, 7)[0]);
        assertFalse(java.util.Arrays.equals(carved[0], DatasetIngest.carve(3000, 300, 8)[0]));
        // the normalization is the remaining training split's
        assertArrayEquals(rest.channelMeanAndStd()[0], ds.manifest().normalization.mean, 1e-12);
        // the loader reads it by split name; raw formats have no validation split
        assertSame(val, new DatasetLoader("shards", ds.name(), List.of(), 0, true).load("validation", 0));
        assertThrows(IllegalArgumentException.class,
                () -> new DatasetLoader("idx", "/usr/share/datasets/fashion-mnist", List.of(), 0, true).load("validation", 0));
        var noValidation = assertThrows(DatasetFormatException.class,
                () -> ShardedDataset.open(ingest("plain", 0)).read("validation", 0));
        assertTrue(noValidation.getMessage().contains("--validation-fraction"), noValidation.getMessage());
    }

    @Test
    void theTrainingSplitIsKnownFromTheManifestAndReadOnlyAsFarAsNeeded() throws IOException {
        String dir = ingest("fm", 0);
        DatasetLoader loader = new DatasetLoader("shards", dir, List.of(), 0, true);
        TrainingSplit split = loader.trainingSplit(2500);
        ShardManifest m = ShardedDataset.open(dir).manifest();
        assertEquals(2500, split.size());
        assertEquals(m.classes, split.classes());
        assertEquals(28, split.height());
        assertArrayEquals(m.normalization.mean, split.channelMeanAndStd()[0]);
        // the last shard holds examples 2800..2999: neither a 2500-example split nor its first 400 need it
        Files.delete(Path.of(dir, "train/part-00014.parquet"));
        assertSame(train.first(400), split.first(400));
        assertSame(train.first(2500), split.images());
        String msg = assertThrows(DatasetFormatException.class, () -> loader.trainingSplit(0).images()).getMessage();
        assertTrue(msg.contains("train/part-00014.parquet") && msg.contains("missing"), msg);
    }

    @Test
    void existingOutputIsRefusedUnlessOverwriting() throws IOException {
        String dir = ingest("fm", 0);
        IOException e = assertThrows(IOException.class, () -> ingest("fm", 0));
        assertTrue(e.getMessage().contains("--overwrite"), e.getMessage());
        new DatasetIngest(dir).shardBytes(1000L * 784).overwrite(true).write(train, test, source());
        assertEquals(3, ShardedDataset.open(dir).manifest().split("train").shards.size());
        try (var siblings = Files.list(tmp)) {
            assertEquals(1, siblings.count(), "the replaced dataset is deleted once the new one is in place");
        }
    }

    @Test
    void anIngestRefusedUpFrontWritesNothing() throws IOException {
        LabeledImages otherShape = new LabeledImages(new byte[4 * 3 * 8 * 8], new int[4], 3, 8, 8, train.classes());
        assertThrows(IllegalArgumentException.class,
                () -> new DatasetIngest(tmp.resolve("bad").toString()).write(train, otherShape, source()));
        // a validation fraction that leaves nothing to train on
        assertThrows(IllegalArgumentException.class, () -> new DatasetIngest(tmp.resolve("bad").toString())
                .validation(0.9999999, 1).write(train, test, source()));
        try (var siblings = Files.list(tmp)) {
            assertEquals(0, siblings.count());
        }
    }

    // ---- helpers

    private static void assertSame(LabeledImages expected, LabeledImages actual) {
        assertEquals(expected.size(), actual.size());
        assertEquals(expected.classes(), actual.classes());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.label(i), actual.label(i), "label of image " + i);
            assertArrayEquals(expected.image(i), actual.image(i), "pixels of image " + i);
        }
    }
}
