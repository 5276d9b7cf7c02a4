package org.spikekd.spark;

import java.util.List;
import org.spikekd.data.LabeledImages;
import org.spikekd.data.shards.ShardManifest;
import org.spikekd.data.source.DatasetLoader;
import org.spikekd.ingest.DatasetIngest;

/**
 * A process that ingests an IDX dataset as the ingest command does, but holds still once the
 * ingest reports its {@code n}th training shard written: it prints {@link #HELD} and waits to be
 * killed. A test that kills it then knows exactly what is on disk (n shards under the temporary
 * name, nothing committed), instead of racing a timer against an ingest that may already be done.
 *
 * <p>Arguments: input directory, output URI, shard size in MB, n (a multiple of 10: the ingest
 * reports every tenth shard).
 */
public final class IngestHeldMidWay {
    static final String HELD = "held after the training shards written so far: ";

    public static void main(String[] args) throws Exception {
        String input = args[0];
        String output = args[1];
        double shardMb = Double.parseDouble(args[2]);
        int n = Integer.parseInt(args[3]);
        DatasetLoader loader = new DatasetLoader("idx", input, List.of(), 0, true);
        LabeledImages train = loader.load("train", 0);
        LabeledImages test = loader.load("test", 0);
        ShardManifest.Source source = new ShardManifest.Source();
        source.format = "idx";
        source.inputs = List.of(input);
        String mark = "train: " + n + "/";
        new DatasetIngest(output).shardBytes((long) (shardMb * (1 << 20))).progress(line -> {
            System.err.println(line);
            if (line.startsWith(mark)) {
                System.out.println(HELD + n);
                System.out.flush();
                holdUntilKilled();
            }
        }).write(train, test, source);
        throw new AssertionError("the ingest finished: it never reported '" + mark + "'");
    }

    private static void holdUntilKilled() {
        while (true) {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException ignored) {
                // only a kill ends this process
            }
        }
    }

    private IngestHeldMidWay() {
    }
}
