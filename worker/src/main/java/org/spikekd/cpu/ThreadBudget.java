package org.spikekd.cpu;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * How many CPU threads the work of the calling thread may use: a training or evaluation task gets
 * the cores Spark gave it ({@code spark.task.cpus} on a cluster, its share of {@code local[N]} in
 * an embedded Spark), a local run every core. {@link #use} sizes every pool such work runs on:
 *
 * <ul>
 *   <li>the OpenMP team of ND4J's native operations, oneDNN's convolutions among them. ND4J
 *       1.0.0-M2 asks for four OpenMP threads whatever the machine or {@code OMP_NUM_THREADS}
 *       ({@code NativeOpsHolder}'s constructor ends with {@code setOmpNumThreads(4)}), so on a
 *       one-core executor four threads took turns at every convolution, spinning at its barriers,
 *       and two one-core executors on two cores ran hardly faster than one. OpenMP keeps this
 *       setting per thread, so it is made on the thread that will run the operations;</li>
 *   <li>libnd4j's own thread pool and OpenBLAS (both per JVM: every task of an executor has the
 *       same budget);</li>
 *   <li>SpikeKD's own kernels (fused neurons, batch norm), which run their loops through
 *       {@link #forEach}: the calling thread and budget - 1 helpers.</li>
 * </ul>
 *
 * <p>Results do not depend on the budget: the kernels split work into the same pieces and add up
 * partial sums in the same order whatever the number of threads.
 */
public final class ThreadBudget {
    private static final ThreadLocal<Integer> THREADS = ThreadLocal.withInitial(ThreadBudget::machineCores);
    private static final Map<Integer, ForkJoinPool> POOLS = new ConcurrentHashMap<>();

    private ThreadBudget() {}

    /** The cores this JVM may run on. */
    public static int machineCores() {
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * Lets the calling thread's work use {@code threads} threads, from now until it is told
     * otherwise. Cheap when nothing changes; call it at the start of every task.
     */
    public static void use(int threads) {
        useOnThisThread(threads);
        sharedPools(threads);
    }

    /**
     * Lets the calling thread's own work use {@code threads} threads (its OpenMP team and SpikeKD's
     * kernels), leaving the pools every thread of the JVM shares (libnd4j's, OpenBLAS) as they are:
     * for a helper thread working beside a task, such as the teacher's ({@code train.TeacherPrefetch}),
     * which sizes the shared pools itself ({@link #sharedPools}).
     */
    public static void useOnThisThread(int threads) {
        checkBudget(threads);
        THREADS.set(threads);
        Nd4j.getBackend(); // NativeOpsHolder before ND4J's initialization fails with a misleading error
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
    }

    /**
     * Sizes the pools every thread of the JVM shares (libnd4j's, OpenBLAS), whatever the threads'
     * own budgets; {@link #use} sets them back to its budget.
     */
    public static void sharedPools(int threads) {
        checkBudget(threads);
        if (Nd4j.getEnvironment().maxThreads() != threads) {
            Nd4j.getEnvironment().setMaxThreads(threads);
            Nd4j.getEnvironment().setMaxMasterThreads(threads);
        }
        if (Nd4j.factory().blas().getMaxThreads() != threads) {
            Nd4j.factory().blas().setMaxThreads(threads);
        }
    }

    private static void checkBudget(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("a thread budget is at least 1, not " + threads);
        }
    }

    /** The calling thread's budget (every core unless {@link #use} said otherwise). */
    public static int threads() {
        return THREADS.get();
    }

    /** What the calling thread's native operations will use, for the run's log. */
    public static String describe() {
        return String.format("%d thread%s (ND4J OpenMP %d, libnd4j %d, BLAS %d, SpikeKD kernels %d)", threads(),
                threads() == 1 ? "" : "s", NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads(),
                Nd4j.getEnvironment().maxThreads(), Nd4j.factory().blas().getMaxThreads(), threads());
    }

    /**
     * Runs {@code body} for 0 .. count-1 on the calling thread's budget: the calling thread takes
     * indices one at a time, and so do {@code budget - 1} helpers from a pool (the JVM's common pool
     * when it has that size, as it has by default for a budget of every core).
     */
    public static void forEach(int count, IntConsumer body) {
        int helpers = Math.min(threads(), count) - 1;
        if (helpers <= 0) {
            for (int i = 0; i < count; i++) {
                body.accept(i);
            }
            return;
        }
        ForkJoinPool pool = helpers == ForkJoinPool.getCommonPoolParallelism() ? ForkJoinPool.commonPool()
                : POOLS.computeIfAbsent(helpers, ForkJoinPool::new);
        AtomicInteger next = new AtomicInteger();
        Runnable work = () -> {
            for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                body.accept(i);
            }
        };
        ForkJoinTask<?>[] started = new ForkJoinTask<?>[helpers];
        for (int h = 0; h < helpers; h++) {
            started[h] = pool.submit(work);
        }
        work.run();
        for (ForkJoinTask<?> task : started) {
            task.join();
        }
    }
}
