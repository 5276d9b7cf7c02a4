package org.spikekd.data.shards;

import java.io.Serializable;
import java.util.List;

/**
 * Consecutive shards of one split that one Spark partition reads: which shards, and how many of
 * each one's first examples to keep (all but at a split's {@code limit}).
 */
public final class ShardGroup implements Serializable {
    private static final long serialVersionUID = 1L;
    final String split;
    final List<ShardManifest.Shard> shards;
    final int[] take;

    ShardGroup(String split, List<ShardManifest.Shard> shards, int[] take) {
        this.split = split;
        this.shards = List.copyOf(shards);
        this.take = take.clone();
    }

    public long examples() {
        long n = 0;
        for (int t : take) {
            n += t;
        }
        return n;
    }

    /** The shards' paths relative to the dataset directory. */
    public List<String> files() {
        return shards.stream().map(s -> s.file).toList();
    }

    @Override
    public String toString() {
        return split + " " + files() + " (" + examples() + " examples)";
    }
}
