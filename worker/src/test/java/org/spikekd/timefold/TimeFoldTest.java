package org.spikekd.timefold;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class TimeFoldTest {

    @Test
    void repeatStacksTheStepsTimeMajor() {
        INDArray x = Nd4j.arange(12).castTo(DataType.FLOAT).reshape('c', 3, 2, 2);
        INDArray folded = TimeFold.repeat(x, 4);
        assertArrayEquals(new long[] {12, 2, 2}, folded.shape());
        for (int t = 0; t < 4; t++) {
            assertEquals(x, folded.get(NDArrayIndex.interval(3 * t, 3 * t + 3)), "step " + t);
        }
        assertEquals(x.mul(4), TimeFold.sumOverTime(folded, 4), "the sum over time of T copies");
        assertEquals(x, TimeFold.repeat(x, 1));
    }

    @Test
    void repeatTakesViewsAndColumnMajorArrays() {
        INDArray base = Nd4j.rand(DataType.FLOAT, 5, 3, 4);
        for (INDArray x : new INDArray[] {base.get(NDArrayIndex.interval(1, 4)), base.dup('f'),
                base.permute(1, 0, 2)}) {
            INDArray[] copies = {x, x, x};
            assertEquals(Nd4j.concat(0, copies), TimeFold.repeat(x, 3));
        }
    }
}
