package org.spikekd.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

class ThreadBudgetTest {

    @AfterEach
    void restore() {
        ThreadBudget.use(ThreadBudget.machineCores());
    }

    @Test
    void theBudgetSizesNd4jsOpenMpTeamOnTheCallingThread() {
        // ND4J M2 asks for four OpenMP threads at start whatever the machine; the budget replaces that
        ThreadBudget.use(1);
        assertEquals(1, NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads());
        assertEquals(1, ThreadBudget.threads());
        ThreadBudget.use(3);
        assertEquals(3, NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads());
        assertThrows(IllegalArgumentException.class, () -> ThreadBudget.use(0));
    }

    @Test
    void forEachVisitsEveryIndexOnceWhateverTheBudget() {
        for (int threads : new int[] {1, 2, 3, 8}) {
            ThreadBudget.use(threads);
            for (int count : new int[] {0, 1, 2, 17, 1000}) {
                AtomicIntegerArray visits = new AtomicIntegerArray(count);
                ThreadBudget.forEach(count, visits::incrementAndGet);
                for (int i = 0; i < count; i++) {
                    assertEquals(1, visits.get(i), "index " + i + " of " + count + " with " + threads + " threads");
                }
            }
        }
    }

    @Test
    void aFailureInAHelperReachesTheCaller() {
        ThreadBudget.use(3);
        assertThrows(RuntimeException.class, () -> ThreadBudget.forEach(64, i -> {
            if (i == 40) {
                throw new IllegalStateException("index 40");
            }
        }));
    }

    @Test
    void aThreadsBudgetIsItsOwn() throws Exception {
        ThreadBudget.use(2);
        int[] other = new int[2];
        Thread t = new Thread(() -> {
            ThreadBudget.use(1);
            other[0] = ThreadBudget.threads();
            other[1] = NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
        });
        t.start();
        t.join();
        assertArrayEquals(new int[] {1, 1}, other);
        assertEquals(2, ThreadBudget.threads());
        assertEquals(2, NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads());
    }

    @Test
    void nativeResultsDependOnTheBudgetOnlyByRounding() {
        Nd4j.getRandom().setSeed(7);
        INDArray a = Nd4j.rand(DataType.FLOAT, 300, 200);
        INDArray b = Nd4j.rand(DataType.FLOAT, 200, 100);
        ThreadBudget.use(1);
        float[] one = a.mmul(b).sum(0).toFloatVector();
        ThreadBudget.use(2);
        float[] two = a.mmul(b).sum(0).toFloatVector();
        for (int i = 0; i < one.length; i++) {
            assertEquals(one[i], two[i], 1e-6 * Math.abs(one[i]), "column " + i + ": float rounding only");
        }
    }
}
