package org.spikekd.spark;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * The networks an executor JVM keeps between tasks, so that the teacher is deserialized once per
 * executor (not per task or minibatch) and the student is built once, then only given new
 * parameters each round. A network is lent to one task at a time (DL4J networks are not
 * thread-safe) and given back when the task ends; tasks running at once in one executor get
 * copies of their own. Keys are unique per run (broadcast ids are not: they restart with every
 * Spark context, and an executor JVM may outlive one). Only the most recently used models are kept.
 */
final class ExecutorModels {
    private static final int KEEP = 8;
    private static final Map<String, Deque<ComputationGraph>> IDLE = new LinkedHashMap<>(16, 0.75f, true);

    private ExecutorModels() {}

    /**
     * Broadcasts a trained network (the teacher, or a model to evaluate) as model-file bytes, for
     * {@link #borrowRestored} on the executors. Without its optimizer state: nothing updates it.
     */
    static Broadcast<byte[]> broadcast(JavaSparkContext sc, ComputationGraph net) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, bytes, false);
        return sc.broadcast(bytes.toByteArray());
    }

    /** A network restored from model-file bytes (the teacher, or a model to evaluate), broadcast once. */
    static ComputationGraph borrowRestored(String key, byte[] modelBytes) {
        return borrow(key, () -> {
            try {
                return ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(modelBytes), false);
            } catch (IOException e) {
                throw new UncheckedIOException("could not restore model " + key + " on this executor", e);
            }
        });
    }

    /** A network built from its configuration (the student), broadcast once; its parameters are the caller's to set. */
    static ComputationGraph borrowBuilt(String key, String configurationJson) {
        return borrow(key, () -> {
            ComputationGraph net = new ComputationGraph(ComputationGraphConfiguration.fromJson(configurationJson));
            net.init();
            return net;
        });
    }

    /** Returns a borrowed network for the next task on this executor. */
    static void giveBack(String key, ComputationGraph net) {
        synchronized (IDLE) {
            IDLE.computeIfAbsent(key, k -> new ArrayDeque<>()).push(net);
            while (IDLE.size() > KEEP) {
                String eldest = IDLE.keySet().iterator().next();
                IDLE.remove(eldest);
            }
        }
    }

    private static ComputationGraph borrow(String key, Supplier<ComputationGraph> create) {
        synchronized (IDLE) {
            Deque<ComputationGraph> idle = IDLE.get(key);
            if (idle != null && !idle.isEmpty()) {
                return idle.pop();
            }
        }
        return create.get();
    }
}
