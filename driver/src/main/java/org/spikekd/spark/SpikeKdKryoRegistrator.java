package org.spikekd.spark;

import com.esotericsoftware.kryo.Kryo;
import org.apache.spark.serializer.KryoRegistrator;
import org.spikekd.eval.EvaluationTally;
import org.spikekd.train.ModelState;
import org.spikekd.train.ModelStateAverage;
import org.spikekd.train.PartitionTrainer;

/**
 * Registers every class SpikeKD ships between driver and executors (broadcasts, task results,
 * partial averages), since the job runs with {@code spark.kryo.registrationRequired=true}.
 */
public final class SpikeKdKryoRegistrator implements KryoRegistrator {
    @Override
    public void registerClasses(Kryo kryo) {
        kryo.register(byte[].class);
        kryo.register(float[].class);
        kryo.register(double[].class);
        kryo.register(int[].class);
        kryo.register(long[].class);
        kryo.register(String[].class);
        // a sharded dataset's partitions: group indices, shipped in the partitions themselves
        kryo.register(Integer[].class);
        kryo.register(ModelState.class);
        kryo.register(ModelStateAverage.class);
        kryo.register(PartitionTrainer.Outcome.class);
        kryo.register(RoundResult.class);
        kryo.register(RoundResult[].class);
        kryo.register(int[][].class);
        kryo.register(EvaluationTally.class);
        kryo.register(EvaluationTally[].class);
        kryo.register(java.util.LinkedHashMap.class);
        kryo.register(java.util.HashMap.class);
        kryo.register(java.util.ArrayList.class);
    }
}
