package org.spikekd.spark;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * The networks an executor JVM keeps between tasks, so that the teacher is deserialized once per
 * executor (not per task or minibatch) and the student is built once, then only given new
 * parameters each round. A network is lent to one task at a time (DL4J networks are not
 * thread-safe) and given back when the task ends; tasks running at once in one executor get
 * copies of their own. Only the models of the most recent broadcasts are kept.
 */
final class ExecutorModels {
    private static final int KEEP = 8;
    private static final Map<String, Deque<ComputationGraph>> IDLE = new LinkedHashMap<>(16, 0.75f, true);

    private ExecutorModels() {}

    /** A teacher restored from its model bytes (one broadcast per run). */
    static ComputationGraph borrowTeacher(long broadcastId, byte[] modelBytes) {
        return borrow("teacher-" + broadcastId, () -> {
            try {
                return ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(modelBytes), false);
            } catch (IOException e) {
                throw new UncheckedIOException("could not restore the teacher on this executor", e);
            }
        });
    }

    /** A student built from its configuration (one broadcast per run); its parameters are the caller's to set. */
    static ComputationGraph borrowStudent(long broadcastId, String configurationJson) {
        return borrow("student-" + broadcastId, () -> {
            ComputationGraph net = new ComputationGraph(ComputationGraphConfiguration.fromJson(configurationJson));
            net.init();
            return net;
        });
    }

    static void giveBackTeacher(long broadcastId, ComputationGraph net) {
        giveBack("teacher-" + broadcastId, net);
    }

    static void giveBackStudent(long broadcastId, ComputationGraph net) {
        giveBack("student-" + broadcastId, net);
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

    private static void giveBack(String key, ComputationGraph net) {
        synchronized (IDLE) {
            IDLE.computeIfAbsent(key, k -> new ArrayDeque<>()).push(net);
            while (IDLE.size() > KEEP) {
                String eldest = IDLE.keySet().iterator().next();
                IDLE.remove(eldest);
            }
        }
    }
}
