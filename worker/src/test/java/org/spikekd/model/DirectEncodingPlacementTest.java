package org.spikekd.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.spikekd.distill.DistillationLoss;
import org.spikekd.encoding.Encoding;

/**
 * A directly encoded student runs its stem (the convolution and batch norm before the first
 * neurons) once per image and repeats the result over time, instead of repeating the image and
 * running the stem T times. The two must be the same network: same output, same gradients, same
 * batch-norm running statistics after a training step.
 */
class DirectEncodingPlacementTest {
    static final int N = 3;
    static final int T = 3;

    @Test
    void vggStudentEncodesAfterItsFirstBatchNormAndTrainsAsIfEncodedAtTheInput() {
        NetworkFactory factory = new NetworkFactory(
                new VggArchitecture(List.of(List.of(4, 4), List.of(6)), "avg", List.of(8)), NetworkRole.STUDENT)
                .input(1, 8, 8).classes(3).normalization(new double[] {0.3}, new double[] {0.4});
        assertSameTraining(factory, new long[] {N, 1, 8, 8}, "s1.1.bn", 11);
    }

    @Test
    void resnetImagenetStemIsEncodedBeforeItsNeuronsNotAfterItsPooling() {
        NetworkFactory factory = new NetworkFactory(new ResNetArchitecture(18, 2, "imagenet"), NetworkRole.STUDENT)
                .input(3, 16, 16).classes(2).normalization(new double[] {0.5, 0.4, 0.3}, new double[] {0.3, 0.2, 0.25});
        assertSameTraining(factory, new long[] {N, 3, 16, 16}, "stem.bn", 12);
    }

    @Test
    void poissonEncodingStaysAtTheInput() {
        ComputationGraph net = new NetworkFactory(
                new VggArchitecture(List.of(List.of(4)), "avg", List.of()), NetworkRole.STUDENT)
                .input(1, 4, 4).classes(2).spiking(new SpikingSettings(Encoding.POISSON, 4, new org.spikekd.neuron.SpikingLayer()))
                .dataType(DataType.DOUBLE).build();
        // the input, only turned channels-last (Poisson coding reads the raw intensities, unnormalized)
        assertEquals(List.of("channels-last"), net.getConfiguration().getVertexInputs().get("encode"));
        assertEquals(List.of(NetworkBuilder.INPUT), net.getConfiguration().getVertexInputs().get("channels-last"));
    }

    private static void assertSameTraining(NetworkFactory factory, long[] shape, String stemEnd, long seed) {
        ComputationGraph stemOnce = factory.spiking(SpikingSettings.defaults().withTimeSteps(T))
                .loss(new DistillationLoss(2.0, 0.5)).updater(new Sgd(0.2), 0).seed(seed)
                .dataType(DataType.DOUBLE).build();
        assertEquals(List.of(stemEnd), stemOnce.getConfiguration().getVertexInputs().get("encode"));
        ComputationGraph stemTimes = new ComputationGraph(encodedAtTheInput(stemOnce.getConfiguration()));
        stemTimes.init(stemOnce.params().dup(), true);

        Nd4j.getRandom().setSeed(seed);
        INDArray images = Nd4j.rand(DataType.DOUBLE, shape).muli(2);
        int classes = (int) stemOnce.outputSingle(false, images).size(1);
        INDArray oneHot = Nd4j.zeros(DataType.DOUBLE, N, classes);
        for (int i = 0; i < N; i++) {
            oneHot.putScalar(i, i % classes, 1.0);
        }
        INDArray labels = DistillationLoss.labels(oneHot, Nd4j.randn(DataType.DOUBLE, N, classes));
        MultiDataSet batch = new MultiDataSet(new INDArray[] {images}, new INDArray[] {labels});

        INDArray once = stemOnce.outputSingle(true, images);
        INDArray times = stemTimes.outputSingle(true, images);
        assertTrue(once.equalsWithEps(times, 1e-10), "outputs differ:\n" + once + "\n" + times);

        stemOnce.setInputs(images);
        stemOnce.setLabels(labels);
        stemOnce.computeGradientAndScore();
        stemTimes.setInputs(images);
        stemTimes.setLabels(labels);
        stemTimes.computeGradientAndScore();
        assertEquals(stemTimes.score(), stemOnce.score(), 1e-10);
        INDArray gOnce = stemOnce.gradient().gradient();
        INDArray gTimes = stemTimes.gradient().gradient();
        assertTrue(gOnce.norm2Number().doubleValue() > 0, "a gradient that is all zero compares equal to anything");
        assertTrue(gOnce.equalsWithEps(gTimes, 1e-9), "gradients differ, max |diff| "
                + gOnce.sub(gTimes).amaxNumber());

        // a step updates weights and batch norm's running statistics (parameters in DL4J) alike
        stemOnce.fit(batch);
        stemTimes.fit(batch);
        assertTrue(stemOnce.params().equalsWithEps(stemTimes.params(), 1e-9), "parameters after a step differ, max |diff| "
                + stemOnce.params().sub(stemTimes.params()).amaxNumber());
    }

    /** The same graph with the encoder moved to the input: the stem then sees the image T times. */
    private static ComputationGraphConfiguration encodedAtTheInput(ComputationGraphConfiguration conf) {
        ComputationGraphConfiguration moved = conf.clone();
        Map<String, List<String>> inputs = moved.getVertexInputs();
        String stemEnd = inputs.get("encode").get(0);
        String stemStart = conf.getVertexInputs().entrySet().stream()
                .filter(e -> e.getValue().contains("normalize")).map(Map.Entry::getKey).findFirst().orElseThrow();
        for (Map.Entry<String, List<String>> e : inputs.entrySet()) {
            List<String> in = new ArrayList<>(e.getValue());
            in.replaceAll(v -> v.equals("encode") ? stemEnd : v);
            e.setValue(in);
        }
        inputs.put(stemStart, List.of("encode"));
        inputs.put("encode", List.of("normalize"));
        moved.setTopologicalOrder(null);
        moved.setTopologicalOrderStr(null);
        return moved;
    }
}
