package org.spikekd.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.model.NetworkFactory;
import org.spikekd.model.NetworkRole;
import org.spikekd.model.VggArchitecture;

/**
 * Feature-distillation targets come in the memory layout of the student's feature maps, whatever
 * layout the teacher computes in: a teacher saved before SpikeKD turned channels-last still
 * teaches a channels-last student (and the other way round).
 */
class TeacherTargetsTest {
    private static final VggArchitecture VGG = new VggArchitecture(List.of(List.of(4), List.of(6)), "avg", List.of(8));

    @Test
    void featureTargetsFollowTheStudentsLayout() {
        ComputationGraph teacherLast = network(NetworkRole.TEACHER, true);
        ComputationGraph teacherFirst = network(NetworkRole.TEACHER, false);
        teacherFirst.setParams(teacherLast.params().dup()); // the same convolutions: the same feature maps
        ComputationGraph studentLast = network(NetworkRole.STUDENT, true);
        ComputationGraph studentFirst = network(NetworkRole.STUDENT, false);

        Nd4j.getRandom().setSeed(8);
        INDArray images = Nd4j.rand(DataType.FLOAT, 5, 1, 8, 8);
        INDArray oneHot = Nd4j.eye(3).getRows(0, 1, 2, 0, 1).castTo(DataType.FLOAT);
        TeacherTargets fromLast = new TeacherTargets(teacherLast, List.of(1));
        TeacherTargets fromFirst = new TeacherTargets(teacherFirst, List.of(1));

        INDArray sameLayout = fromLast.labels(studentLast, images, oneHot)[1];
        INDArray otherLayout = fromFirst.labels(studentLast, images, oneHot)[1];
        assertArrayEquals(new long[] {5, 8 * 8 * 4}, sameLayout.shape());
        assertClose(sameLayout, otherLayout, "a channels-first teacher's targets for a channels-last student");

        INDArray firstSame = fromFirst.labels(studentFirst, images, oneHot)[1];
        assertClose(firstSame, fromLast.labels(studentFirst, images, oneHot)[1],
                "a channels-last teacher's targets for a channels-first student");
        // not vacuous: the two layouts order the same values differently
        assertTrue(firstSame.sub(sameLayout).norm2Number().doubleValue() > 0.1 * sameLayout.norm2Number().doubleValue());
    }

    private static ComputationGraph network(NetworkRole role, boolean channelsLast) {
        NetworkFactory f = new NetworkFactory(VGG, role).input(1, 8, 8).classes(3).seed(2).channelsLast(channelsLast);
        if (role == NetworkRole.STUDENT) {
            f.featureDistillation(List.of(1), List.of(4), 0.5);
        }
        return f.build();
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        double scale = expected.norm2Number().doubleValue();
        assertTrue(scale > 0, what + " are zero: the comparison would be vacuous");
        double diff = actual.sub(expected).norm2Number().doubleValue();
        assertTrue(diff <= 1e-5 * scale, what + " differ by " + diff + " (norm " + scale + ")");
    }
}
