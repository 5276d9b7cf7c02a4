package org.spikekd.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class RowMajorTest {

    @Test
    void denseMeansRowMajorStridesWhateverTheUnitDimensionsAndOffset() {
        assertTrue(RowMajor.isDense(Nd4j.rand(DataType.FLOAT, 2, 8, 8, 1)));
        assertTrue(RowMajor.isDense(Nd4j.rand(DataType.FLOAT, 16, 1, 3, 3)));
        // leading rows of a larger array: contiguous, at an offset
        INDArray rows = Nd4j.rand(DataType.FLOAT, 6, 4, 5).get(NDArrayIndex.interval(2, 5));
        assertTrue(rows.offset() > 0 && RowMajor.isDense(rows));
        assertSame(rows, RowMajor.of(rows));

        INDArray permuted = Nd4j.rand(DataType.FLOAT, 2, 3, 4, 5).permute(0, 2, 3, 1);
        assertFalse(RowMajor.isDense(permuted));
        assertFalse(RowMajor.isDense(Nd4j.rand(DataType.FLOAT, 3, 4).dup('f')));
        assertFalse(RowMajor.isDense(Nd4j.rand(DataType.FLOAT, 6, 8).get(NDArrayIndex.all(), NDArrayIndex.interval(0, 4))));
        INDArray copy = RowMajor.of(permuted);
        assertNotSame(permuted, copy);
        assertTrue(RowMajor.isDense(copy));
        assertEquals(permuted, copy);
    }
}
