package org.spikekd.spark;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.spikekd.config.JobConfig;
import org.spikekd.cpu.ThreadBudget;
import org.spikekd.run.LocalEpochTrainer;
import org.spikekd.sweep.SweepRunner;
import org.spikekd.sweep.TrialStep;
import org.spikekd.train.Progress;

/**
 * Trial-parallel sweeps: each step of a trial (one epoch, {@link TrialStep}) is a Spark job of a
 * single task that trains the trial on whichever executor core is free, in that executor's JVM,
 * from the trial's run directory. The sweep keeps as many of these jobs in flight as it runs
 * trials at once, so a cluster trains that many small models side by side. The run directories
 * must be where every executor can read them (HDFS, or a shared or local disk on one machine).
 */
public final class ExecutorTrials implements SweepRunner.TrialTrainer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final JavaSparkContext sc;
    private final int threadsPerTrial;

    /** @param threadsPerTrial the threads each trial's task may use ({@link SparkContexts#threadsPerTask}) */
    public ExecutorTrials(JavaSparkContext sc, int threadsPerTrial) {
        this.sc = sc;
        this.threadsPerTrial = threadsPerTrial;
    }

    @Override
    public List<Map<String, Object>> advance(int trial, JobConfig config, int reported) throws Exception {
        sc.setJobDescription("sweep trial " + trial + ", epoch " + (reported + 1));
        String metrics = sc.parallelize(List.of(trial), 1)
                .map(new AdvanceOnExecutor(config.render(), reported, threadsPerTrial)).collect().get(0);
        return JSON.readValue(metrics, new TypeReference<List<Map<String, Object>>>() {});
    }

    /** The task: one step of the trial, in the executor; its metrics come back as JSON. */
    static final class AdvanceOnExecutor implements Function<Integer, String> {
        private final String config;
        private final int reported;
        private final int threads;

        AdvanceOnExecutor(String config, int reported, int threads) {
            this.config = config;
            this.reported = reported;
            this.threads = threads;
        }

        @Override
        public String call(Integer trial) throws Exception {
            ThreadBudget.use(threads);
            JobConfig job = JobConfig.parse(config, "sweep trial " + trial);
            Progress progress = Progress.toStderr(job.raw().getInt("train.log-every")).labeled("trial " + trial + ": ");
            return JSON.writeValueAsString(TrialStep.advance(job, reported, new LocalEpochTrainer(), progress));
        }
    }
}
