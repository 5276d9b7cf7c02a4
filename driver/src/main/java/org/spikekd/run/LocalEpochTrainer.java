package org.spikekd.run;

import java.io.IOException;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.spikekd.data.LabeledImages;
import org.spikekd.train.PartitionTrainer;
import org.spikekd.train.TeacherTargets;

/** Trains each epoch in this JVM: the whole training split as one partition. */
public final class LocalEpochTrainer implements EpochTrainer {
    private TrainingJob job;
    private LabeledImages train;
    private PartitionTrainer trainer;

    @Override
    public void prepare(TrainingJob job) throws IOException {
        this.job = job;
        this.train = job.train.images();
        this.trainer = new PartitionTrainer(job.settings.training(), job.settings.data().augmentation(), new TeacherTargets(job.teacher, job.featureStages));
    }

    @Override
    public EpochStats trainEpoch(ComputationGraph net, int epoch) {
        PartitionTrainer.Outcome o = trainer.train(net, train, 0, epoch, 0, Integer.MAX_VALUE,
                job.progress, "", b -> { });
        return new EpochStats(o.examples, o.lossSum, o.seconds, 0, 1, o.cores());
    }
}
