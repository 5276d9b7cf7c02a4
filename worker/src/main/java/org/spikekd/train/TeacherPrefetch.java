package org.spikekd.train;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.spikekd.cpu.ThreadBudget;
import org.spikekd.train.TeacherTargets;

/**
 * The teacher's targets for the next minibatch, computed on a helper thread while the student
 * trains on the current one. A student's training step leaves a core idle in its serial stretches
 * (DL4J's graph bookkeeping between operations); the teacher's inference fills them. The helper
 * runs the teacher's OpenMP team and kernels on one thread, so that the two together ask for little
 * more than the student alone; and while it exists the pools the whole JVM shares (libnd4j's,
 * OpenBLAS) have one thread too. Measured on 2 cores: with those pools at two threads beside the
 * helper, OpenBLAS's threads spin against it (system time 16 -> 76 s in a KD epoch) and the epoch
 * ran at 255 samples/s against 294 (one run each; the KD benchmark, 237 against 259-290), though
 * the CPU looked busier (1.87 cores against 1.68). The targets are the same whichever thread
 * computes them (the teacher's inference has no randomness), and minibatches are still drawn in
 * order on the training thread.
 *
 * <p>The first minibatch's targets are computed on the training thread itself, so that the
 * teacher's folded copy is made, and a teacher that does not fit the data fails, there and in
 * order. (Tests do not provoke that failure: after a failed native operation ND4J 1.0.0-M2 crashes
 * the JVM at a later one, whichever thread ran it.)
 */
public final class TeacherPrefetch implements AutoCloseable {
    private final TeacherTargets targets;
    private final ComputationGraph student;
    private final ExecutorService helper;
    private boolean first = true;
    /** The shared pools' size to give back on {@link #close}: the creating task's budget. */
    private final int sharedPoolsBefore;

    public TeacherPrefetch(TeacherTargets targets, ComputationGraph student) {
        this.targets = targets;
        this.student = student;
        this.sharedPoolsBefore = ThreadBudget.threads();
        if (targets.hasTeacher()) {
            ThreadBudget.sharedPools(1); // see the class comment
        }
        this.helper = targets.hasTeacher() ? Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(() -> {
                ThreadBudget.useOnThisThread(1);
                r.run();
            }, "spikekd-teacher");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /** The targets of a minibatch, being computed. */
    public interface Pending {
        INDArray[] get();
    }

    /** Starts computing the targets of {@code images}: on the helper, except the first minibatch's and without a teacher. */
    public Pending start(INDArray images, INDArray oneHot) {
        if (helper == null || first) {
            first = false;
            INDArray[] labels = targets.labels(student, images, oneHot);
            return () -> labels;
        }
        Future<INDArray[]> f = helper.submit(() -> targets.labels(student, images, oneHot));
        return () -> {
            try {
                return f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the teacher ran", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException("the teacher failed: " + e.getCause(), e.getCause());
            }
        };
    }

    @Override
    public void close() {
        if (helper != null) {
            helper.shutdownNow();
            ThreadBudget.sharedPools(sharedPoolsBefore);
        }
    }
}
