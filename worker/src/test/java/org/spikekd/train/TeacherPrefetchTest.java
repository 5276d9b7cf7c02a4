package org.spikekd.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.spikekd.cpu.ThreadBudget;
import org.spikekd.distill.DistillationLoss;
import org.spikekd.model.NetworkFactory;
import org.spikekd.model.NetworkRole;
import org.spikekd.model.SpikingSettings;
import org.spikekd.model.VggArchitecture;
import org.spikekd.train.TeacherTargets;

/** Targets computed ahead on the helper thread are each minibatch's own, as computed inline. */
class TeacherPrefetchTest {

    private static ComputationGraph network(NetworkRole role) {
        return new NetworkFactory(new VggArchitecture(List.of(List.of(8), List.of(16)), "avg", List.of(32)), role)
                .input(1, 28, 28).classes(10).normalization(new double[] {0.286}, new double[] {0.353})
                .spiking(SpikingSettings.defaults().withTimeSteps(2)).loss(new DistillationLoss(4.0, 0.5))
                .updater(new Adam(1e-3), 0).seed(role == NetworkRole.TEACHER ? 1 : 2).build();
    }

    @Test
    void eachMinibatchGetsItsOwnTeacherTargets() {
        ComputationGraph teacher = network(NetworkRole.TEACHER);
        ComputationGraph student = network(NetworkRole.STUDENT);
        Nd4j.getRandom().setSeed(4);
        List<INDArray> images = new ArrayList<>();
        List<INDArray> oneHot = new ArrayList<>();
        for (int b = 0; b < 4; b++) {
            images.add(Nd4j.rand(DataType.FLOAT, 6, 1, 28, 28));
            oneHot.add(Nd4j.eye(10).getRows(0, 1, 2, 3, 4, b + 5).castTo(DataType.FLOAT));
        }
        TeacherTargets inline = new TeacherTargets(teacher, List.of());
        try (TeacherPrefetch prefetch = new TeacherPrefetch(new TeacherTargets(teacher, List.of()), student)) {
            // as PartitionTrainer does: the next minibatch's targets start before this one's are used
            TeacherPrefetch.Pending pending = prefetch.start(images.get(0), oneHot.get(0));
            for (int b = 0; b < 4; b++) {
                TeacherPrefetch.Pending next = b + 1 < 4 ? prefetch.start(images.get(b + 1), oneHot.get(b + 1)) : null;
                INDArray[] got = pending.get();
                INDArray[] expected = inline.labels(student, images.get(b), oneHot.get(b));
                assertEquals(expected.length, got.length);
                // the helper runs the teacher on one thread, the inline call on two: equal up to
                // the order of a sum
                assertTrue(expected[0].equalsWithEps(got[0], 1e-5), "minibatch " + b);
                assertArrayEquals(expected[0].shape(), got[0].shape());
                pending = next;
            }
        }
    }

    @Test
    void theSharedPoolsHaveOneThreadWhileTheHelperRunsAndTheTasksBudgetAfter() {
        ThreadBudget.use(2); // a task's budget: the libnd4j pool and BLAS are the JVM's
        try {
            try (TeacherPrefetch prefetch = new TeacherPrefetch(new TeacherTargets(network(NetworkRole.TEACHER),
                    List.of()), network(NetworkRole.STUDENT))) {
                INDArray oneHot = Nd4j.eye(10).getRows(0, 1).castTo(DataType.FLOAT);
                prefetch.start(Nd4j.rand(DataType.FLOAT, 2, 1, 28, 28), oneHot).get(); // the first: inline
                prefetch.start(Nd4j.rand(DataType.FLOAT, 2, 1, 28, 28), oneHot).get(); // on the helper
                assertEquals(1, Nd4j.factory().blas().getMaxThreads(), "BLAS beside the helper");
                assertEquals(2, ThreadBudget.threads(), "the task's own budget (OpenMP, kernels)");
            }
            assertEquals(2, Nd4j.factory().blas().getMaxThreads(), "BLAS back at the task's budget");
        } finally {
            ThreadBudget.use(ThreadBudget.machineCores());
        }
    }

    @Test
    void directTrainingNeedsNoHelper() {
        ComputationGraph student = network(NetworkRole.STUDENT);
        INDArray oneHot = Nd4j.eye(10).getRows(0, 1).castTo(DataType.FLOAT);
        try (TeacherPrefetch prefetch = new TeacherPrefetch(new TeacherTargets(null, List.of()), student)) {
            INDArray[] labels = prefetch.start(Nd4j.rand(DataType.FLOAT, 2, 1, 28, 28), oneHot).get();
            assertEquals(1, labels.length);
            assertEquals(oneHot, labels[0].get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 10)));
        }
    }
}
