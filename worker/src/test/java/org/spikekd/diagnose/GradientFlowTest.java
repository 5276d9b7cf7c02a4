package org.spikekd.diagnose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.data.LabeledImages;
import org.spikekd.data.source.DatasetLoader;

/** The surrogate's width decides whether a deep spiking ResNet's gradients vanish or explode. */
class GradientFlowTest {
    @Test
    void wideSurrogatesVanishNarrowOnesExplode() throws Exception {
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        LabeledImages images = new DatasetLoader("idx", "/usr/share/datasets/fashion-mnist", List.of(), 28, true)
                .load("train", 32);
        GradientFlow flow = new GradientFlow(images).width(4).batchSize(16).steps(1);
        GradientFlow.Measurement wide = flow.measure(18, 0.5);
        GradientFlow.Measurement moderate = flow.measure(18, 4);
        GradientFlow.Measurement narrow = flow.measure(18, 32);
        assertEquals(21, wide.layers.size(), "ResNet-18: 17 convolutions, 3 shortcut projections and the classifier");
        assertEquals("stem.conv", wide.layers.get(0));
        assertEquals("fc-out", wide.layers.get(wide.layers.size() - 1));
        // the classifier's gradient does not depend on the surrogate; what reaches the stem does
        assertEquals(wide.initial[20], narrow.initial[20], 1e-4 * wide.initial[20]);
        double dw = GradientFlow.Measurement.decades(wide.initial);
        double dm = GradientFlow.Measurement.decades(moderate.initial);
        double dn = GradientFlow.Measurement.decades(narrow.initial);
        System.err.printf("decades first/last layer: alpha 0.5 %.2f, alpha 4 %.2f, alpha 32 %.2f%n", dw, dm, dn);
        assertTrue(dw < dm && dm < dn, "decades should grow with alpha: " + dw + ", " + dm + ", " + dn);
        assertEquals("vanishing", wide.verdict());
        assertEquals("healthy", moderate.verdict());
        assertTrue(narrow.verdict().equals("exploding") || narrow.verdict().equals("non-finite"), narrow.verdict());
        assertTrue(Double.isFinite(moderate.lossTrained));
    }
}
