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
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.api.Binary;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spikekd.data.DatasetFormatException;
import org.spikekd.data.DatasetLoader;
import org.spikekd.data.LabeledImages;
import org.spikekd.data.TrainingSplit;

/** Sharded datasets on the local file system: round trip, splits, groups, atomic output, and every kind of bad data. */
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
    void aDirectoryWithoutTheMarkerIsRefused() throws IOException {
        String dir = ingest("fm", 0);
        Files.delete(Path.of(dir, "_SUCCESS"));
        expectError(dir, "_SUCCESS");
        assertTrue(ShardedDataset.looksSharded(dir));
    }

    @Test
    void aTruncatedShardIsAnErrorNamingIt() throws IOException {
        String dir = ingest("fm", 0);
        Path shard = Path.of(dir, "train/part-00003.parquet");
        byte[] bytes = Files.readAllBytes(shard);
        Files.write(shard, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        String msg = expectError(dir, "train/part-00003.parquet");
        assertTrue(msg.contains("truncated"), msg);
    }

    @Test
    void aChangedByteIsAChecksumMismatch() throws IOException {
        String dir = ingest("fm", 0);
        Path shard = Path.of(dir, "train/part-00001.parquet");
        byte[] bytes = Files.readAllBytes(shard);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(shard, bytes);
        String msg = expectError(dir, "train/part-00001.parquet");
        assertTrue(msg.contains("checksum mismatch"), msg);
    }

    @Test
    void aMissingShardIsAnError() throws IOException {
        String dir = ingest("fm", 0);
        Files.delete(Path.of(dir, "train/part-00014.parquet"));
        assertTrue(expectError(dir, "train/part-00014.parquet").contains("missing"));
    }

    @Test
    void aManifestThatDoesNotMatchItsShardsIsAnError() throws IOException {
        String dir = ingest("fm", 0);
        // class counts moved consistently inside the manifest, so only the shard can tell
        editManifest(dir, m -> {
            int[] shard = m.split("train").shards.get(2).classCounts;
            int[] split = m.split("train").classCounts;
            int from = shard[0] > 0 ? 0 : 1;
            int to = 1 - from;
            shard[from]--;
            shard[to]++;
            split[from]--;
            split[to]++;
        });
        assertTrue(expectError(dir, "train/part-00002.parquet").contains("class counts"));

        String other = ingest("fm2", 0);
        editManifest(other, m -> {
            m.shape.height = 14;
            m.shape.width = 56;
        });
        assertTrue(expectError(other, "train/part-00000.parquet").contains("the dataset's images are 1x14x56"));

        String inconsistent = ingest("fm3", 0);
        editManifest(inconsistent, m -> m.split("test").examples = 999L);
        assertTrue(expectOpenError(inconsistent).contains("split test: its shards hold 1000 examples, the split says 999"));
    }

    @Test
    void aLabelOutsideTheClassesIsAnError() throws IOException {
        String dir = ingest("fm", 0);
        replaceShard(dir, "test/part-00004.parquet", 3, 1, 28, 28, 784, 10);
        String msg = expectError(dir, "test/part-00004.parquet");
        assertTrue(msg.contains("row 3 has label 10, outside the manifest's 10 classes"), msg);
    }

    @Test
    void anImageOfTheWrongShapeIsAnError() throws IOException {
        String dir = ingest("fm", 0);
        replaceShard(dir, "test/part-00000.parquet", 5, 1, 28, 27, 756, 2);
        assertTrue(expectError(dir, "test/part-00000.parquet").contains("row 5 is a 1x28x27 image of 756 bytes"));
        String other = ingest("fm2", 0);
        replaceShard(other, "test/part-00000.parquet", 7, 1, 28, 28, 700, 2);
        assertTrue(expectError(other, "test/part-00000.parquet").contains("row 7 is a 1x28x28 image of 700 bytes"));
    }

    @Test
    void aFileThatIsNotParquetIsAnError() throws IOException {
        String dir = ingest("fm", 0);
        byte[] junk = "not a parquet file at all".getBytes();
        Files.write(Path.of(dir, "test/part-00001.parquet"), junk);
        editManifest(dir, m -> {
            ShardManifest.Shard s = m.split("test").shards.get(1);
            s.bytes = (long) junk.length;
            s.crc32c = ShardFile.crc32c(junk);
        });
        assertTrue(expectError(dir, "test/part-00001.parquet").contains("not a readable Parquet shard"));
    }

    @Test
    void aBadManifestIsAnErrorNamingIt() throws IOException {
        String dir = ingest("fm", 0);
        Path manifest = Path.of(dir, "manifest.json");
        String json = Files.readString(manifest);
        Files.writeString(manifest, json.replace("\"version\" : 1", "\"version\" : 2"));
        assertTrue(expectOpenError(dir).contains("manifest.json: format version 2"));
        Files.writeString(manifest, json.replace("\"created\"", "\"made\""));
        assertTrue(expectOpenError(dir).contains("manifest.json: is not a valid manifest"));
        Files.writeString(manifest, json.substring(0, json.length() / 2));
        assertTrue(expectOpenError(dir).contains("manifest.json: is not a valid manifest"));
        Files.writeString(manifest, json.replace("\"train/part-00001.parquet\"", "\"../elsewhere.parquet\""));
        assertTrue(expectOpenError(dir).contains("must be relative"));
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

    /** Reading every split fails; returns the message, which must name {@code shard}. */
    private static String expectError(String dir, String shard) {
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> {
            ShardedDataset ds = ShardedDataset.open(dir);
            ds.read("train", 0);
            ds.read("test", 0);
        });
        assertTrue(e.getMessage().contains(shard) || shard.equals("_SUCCESS") && e.getMessage().contains(shard),
                e.getMessage());
        return e.getMessage();
    }

    private static String expectOpenError(String dir) {
        return assertThrows(DatasetFormatException.class, () -> ShardedDataset.open(dir)).getMessage();
    }

    private static void editManifest(String dir, Consumer<ShardManifest> edit) throws IOException {
        Path file = Path.of(dir, "manifest.json");
        ShardManifest m = ShardManifest.JSON.readValue(file.toFile(), ShardManifest.class);
        edit.accept(m);
        Files.write(file, m.toJson());
    }

    /**
     * Rewrites a shard with the same number of rows, row {@code badRow} carrying the given shape,
     * pixel count and label, and updates its size and checksum in the manifest, so that only the
     * row itself is wrong.
     */
    private static void replaceShard(String dir, String file, int badRow, int c, int h, int w, int pixels, int label)
            throws IOException {
        ShardManifest m = ShardManifest.JSON.readValue(Path.of(dir, "manifest.json").toFile(), ShardManifest.class);
        ShardManifest.Shard entry = m.splits.values().stream().flatMap(s -> s.shards.stream())
                .filter(s -> s.file.equals(file)).findFirst().orElseThrow();
        InMemoryFile.Output out = new InMemoryFile.Output();
        SimpleGroupFactory rows = new SimpleGroupFactory(ShardFile.SCHEMA);
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(out).withType(ShardFile.SCHEMA)
                .withConf(new Configuration(false)).build()) {
            for (int r = 0; r < entry.examples; r++) {
                boolean bad = r == badRow;
                writer.write(rows.newGroup().append("label", bad ? label : 0)
                        .append("channels", bad ? c : 1).append("height", bad ? h : 28).append("width", bad ? w : 28)
                        .append("image", Binary.fromConstantByteArray(new byte[bad ? pixels : 784])));
            }
        }
        byte[] bytes = out.bytes();
        Files.write(Path.of(dir, file), bytes);
        editManifest(dir, mm -> mm.splits.values().stream().flatMap(s -> s.shards.stream())
                .filter(s -> s.file.equals(file)).forEach(s -> {
                    s.bytes = (long) bytes.length;
                    s.crc32c = ShardFile.crc32c(bytes);
                }));
    }
}
