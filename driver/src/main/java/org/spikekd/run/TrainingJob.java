package org.spikekd.run;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;
import org.spikekd.data.source.TrainingSplit;
import org.spikekd.train.Progress;

/** What an {@link EpochTrainer} needs to know about a run: its settings, data and teacher. */
public final class TrainingJob {
    public final JobConfig config;
    public final JobSettings settings;
    /** The training split (after data.train-limit): its summary, and its examples when read. */
    public final TrainingSplit train;
    /** The teacher in inference mode, or null for direct training. */
    public final ComputationGraph teacher;
    public final List<Integer> featureStages;
    public final Progress progress;

    public TrainingJob(JobConfig config, JobSettings settings, TrainingSplit train, ComputationGraph teacher,
                       List<Integer> featureStages, Progress progress) {
        this.config = config;
        this.settings = settings;
        this.train = train;
        this.teacher = teacher;
        this.featureStages = List.copyOf(featureStages);
        this.progress = progress;
    }
}
