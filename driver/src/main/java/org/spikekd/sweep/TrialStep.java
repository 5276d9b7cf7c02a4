package org.spikekd.sweep;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;
import org.spikekd.data.HadoopFiles;
import org.spikekd.run.EpochTrainer;
import org.spikekd.run.RunDirectory;
import org.spikekd.run.TrainingRun;
import org.spikekd.train.Progress;

/**
 * One step of a sweep's trial: its run directory trained on by one epoch. A trial is a run
 * directory ({@code run.dir}/{@code run.name} of its configuration) advanced step by step, so that
 * the sweep's driver sees every epoch's metrics, decides (ASHA) whether the trial goes on, and
 * can be killed between any two steps: the next step continues from the directory's last
 * checkpoint, wherever it runs.
 */
public final class TrialStep {
    private TrialStep() {}

    /**
     * The metrics of the epochs after {@code reported} (the last epoch the sweep recorded; 0 for a
     * new trial), in order: normally the one epoch this step trains. If the directory is already
     * further on (its launch died between a checkpoint and recording it), those epochs' metrics
     * are returned and nothing is trained.
     */
    public static List<Map<String, Object>> advance(JobConfig trial, int reported, EpochTrainer trainer,
                                                    Progress progress) throws IOException {
        JobSettings s = new JobSettings(trial);
        if (reported >= s.epochs()) {
            throw new IllegalArgumentException("the trial has done all its " + s.epochs() + " epochs");
        }
        String uri = s.runDir().endsWith("/") ? s.runDir() + s.runName() : s.runDir() + "/" + s.runName();
        Path dir = HadoopFiles.path(uri);
        FileSystem fs = HadoopFiles.fileSystem(dir);
        int target = reported + 1;
        TrainingRun run = new TrainingRun(trial, progress, trainer).stoppingWhen((epoch, metrics) -> epoch < target);
        if (fs.exists(new Path(dir, "config.conf"))) {
            RunDirectory.Checkpoint checkpoint = RunDirectory.open(uri).lastCheckpoint();
            int done = checkpoint == null ? 0 : checkpoint.epoch;
            if (done < target) {
                run.resumeFrom(uri).run();
            } else {
                trainer.close();
                progress.line("epochs " + target + ".." + done + " are already in " + uri);
            }
            return after(RunDirectory.open(uri), reported, Math.max(done, target));
        }
        // a directory without config.conf is a start cut short before anything was recorded
        if (fs.exists(dir)) {
            fs.delete(dir, true);
        }
        run.run();
        return after(RunDirectory.open(uri), reported, target);
    }

    private static List<Map<String, Object>> after(RunDirectory run, int reported, int last) throws IOException {
        return run.readMetrics().stream().filter(m -> {
            int epoch = ((Number) m.get("epoch")).intValue();
            return epoch > reported && epoch <= last;
        }).toList();
    }
}
