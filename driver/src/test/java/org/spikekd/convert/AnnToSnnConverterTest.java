package org.spikekd.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.spikekd.config.JobConfig;
import org.spikekd.data.LabeledImages;
import org.spikekd.data.source.DatasetLoader;
import org.spikekd.eval.EvaluationResult;
import org.spikekd.eval.EvaluationTally;
import org.spikekd.eval.Evaluator;
import org.spikekd.model.NetworkFactory;
import org.spikekd.model.NetworkRole;
import org.spikekd.model.ResNetArchitecture;
import org.spikekd.model.TimeSteps;
import org.spikekd.model.VggArchitecture;
import org.spikekd.run.TrainingRun;
import org.spikekd.sparse.PathChoice;
import org.spikekd.train.Progress;

/** A trained ANN teacher converted to IF neurons reaches the teacher's accuracy at large T. */
class AnnToSnnConverterTest {
    static final String FASHION = "/usr/share/datasets/fashion-mnist";
    @TempDir static Path runs;
    static ComputationGraph teacher;
    static LabeledImages calibration;
    static LabeledImages test;

    @BeforeAll
    static void trainTeacher() throws Exception {
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        // one fixed convolution path, so that the teacher (and the accuracies compared below) is
        // the same in every run: under auto, paths chosen by timing train it slightly differently
        System.setProperty(PathChoice.Mode.PROPERTY, "dense");
        try {
            teacher = trainTeacherNow();
        } finally {
            System.clearProperty(PathChoice.Mode.PROPERTY);
        }
        DatasetLoader fashion = new DatasetLoader("idx", FASHION, List.of(), 28, true);
        calibration = fashion.load("train", 500);
        test = fashion.load("test", 300);
    }

    private static ComputationGraph trainTeacherNow() throws Exception {
        return TrainingRun.local(JobConfig.load(null, List.of(
                "data.path=" + FASHION, "data.train-limit=3000", "data.test-limit=300",
                "model.role=teacher", "model.vgg.stages=[[16],[32]]", "model.vgg.hidden=[64]",
                "train.epochs=2", "train.seed=1", "run.dir=\"" + runs + "\"", "run.name=teacher")),
                new Progress(new PrintStream(new ByteArrayOutputStream()), false, 1000)).run().network;
    }

    @Test
    void convertedTeacherReachesItsAccuracyAtLargeT() {
        double ann = Evaluator.evaluate(teacher, test, 100).accuracy;
        AnnToSnnConverter.Result converted = new AnnToSnnConverter().timeSteps(32).convert(teacher, calibration);
        assertEquals(32, TimeSteps.of(converted.snn));
        // the first convolution (batch norm folded in) runs once per image; the encoder repeats its output
        assertEquals(List.of("s1.1.conv"), converted.snn.getConfiguration().getVertexInputs().get("encode"));
        assertEquals(List.of("encode"), converted.snn.getConfiguration().getVertexInputs().get("stage1"));
        assertEquals(List.of("s1.1.act", "s2.1.act", "fc1.act").size(), converted.lambdas.size());
        converted.lambdas.forEach((layer, lambda) -> assertTrue(lambda > 0 && Double.isFinite(lambda), layer + " " + lambda));
        List<EvaluationTally> atT = Evaluator.tallyAtTimeSteps(converted.snn, test, 100, new int[] {8, 32, 128, 512});
        double[] acc = atT.stream().mapToDouble(t -> t.result(0).accuracy).toArray();
        System.err.printf("teacher %.4f; converted at T=8: %.4f, 32: %.4f, 128: %.4f, 512: %.4f%n",
                ann, acc[0], acc[1], acc[2], acc[3]);
        assertTrue(ann > 0.75, "the teacher did not learn: " + ann);
        assertEquals(ann, acc[3], 0.01, "converted at T=512 against the ANN");
        assertTrue(acc[0] < acc[3], "accuracy should grow with T: " + java.util.Arrays.toString(acc));
        EvaluationResult r = atT.get(3).result(0);
        assertEquals(3, r.firingRates.size());
        r.firingRates.forEach((layer, rate) -> assertTrue(rate > 0 && rate < 1, layer + " fires at " + rate));
    }

    @Test
    void thresholdNormalizationSpikesLikeWeightNormalization() {
        ComputationGraph byWeights = new AnnToSnnConverter().timeSteps(64).convert(teacher, calibration).snn;
        ComputationGraph byThresholds = new AnnToSnnConverter().timeSteps(64)
                .normalization(AnnToSnnConverter.Normalization.THRESHOLDS).convert(teacher, calibration).snn;
        LabeledImages few = test.first(100);
        EvaluationResult a = Evaluator.evaluate(byWeights, few, 100);
        EvaluationResult b = Evaluator.evaluate(byThresholds, few, 100);
        // the same spikes up to float rounding at the thresholds
        assertEquals(a.accuracy, b.accuracy, 0.02);
        a.firingRates.forEach((layer, rate) -> assertEquals(rate, b.firingRates.get(layer), 0.01, layer));
    }

    @Test
    void aResidualNetworkConvertsWithScaledShortcuts() {
        // an untrained ResNet-18 (width 4): its converted logits should follow the ANN's at large T
        ComputationGraph resnet = new NetworkFactory(new ResNetArchitecture(18, 4, "small"), NetworkRole.TEACHER)
                .seed(5).build();
        LabeledImages few = test.first(20);
        // give batch norm real statistics first: a few training-mode passes would need labels; the
        // default (mean 0, var 1) statistics are a valid network too
        AnnToSnnConverter.Result converted = new AnnToSnnConverter().timeSteps(256)
                .convert(resnet, calibration.first(100));
        var features = new org.spikekd.data.Minibatches(few, 20, null, org.spikekd.data.Augmentation.NONE).next().features;
        var annLogits = resnet.output(false, features)[0];
        var snnLogits = converted.snn.output(false, features)[0];
        double correlation = correlation(annLogits.dup().data().asDouble(), snnLogits.dup().data().asDouble());
        System.err.println("resnet18 logits correlation ANN vs converted at T=256: " + correlation);
        assertTrue(correlation > 0.9, "correlation " + correlation);
        assertTrue(converted.snn.getConfiguration().getVertices().keySet().stream().anyMatch(v -> v.contains(".scale")),
                "identity shortcuts need scaling vertices");
    }

    @Test
    void whatCannotConvertIsRefusedByName() {
        ComputationGraph maxPooled = new NetworkFactory(new VggArchitecture(List.of(List.of(4)), "max", List.of(8)),
                NetworkRole.TEACHER).build();
        String m = assertThrows(IllegalArgumentException.class,
                () -> new AnnToSnnConverter().convert(maxPooled, calibration.first(10))).getMessage();
        assertTrue(m.contains("s1.pool") && m.contains("max pooling"), m);
        ComputationGraph student = new NetworkFactory(new VggArchitecture(List.of(List.of(4)), "avg", List.of(8)),
                NetworkRole.STUDENT).build();
        m = assertThrows(IllegalArgumentException.class,
                () -> new AnnToSnnConverter().convert(student, calibration.first(10))).getMessage();
        assertTrue(m.contains("already a spiking network"), m);
        assertThrows(IllegalArgumentException.class, () -> new AnnToSnnConverter().percentile(0));
    }

    private static double correlation(double[] a, double[] b) {
        double ma = 0, mb = 0;
        for (int i = 0; i < a.length; i++) { ma += a[i]; mb += b[i]; }
        ma /= a.length;
        mb /= b.length;
        double sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.length; i++) {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return sab / Math.sqrt(saa * sbb);
    }
}
