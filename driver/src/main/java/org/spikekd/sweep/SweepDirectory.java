package org.spikekd.sweep;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.spikekd.data.HadoopFiles;

/**
 * A sweep directory, on any Hadoop file system: {@code spec.conf} (the self-contained spec that
 * {@code --resume} reads), {@code trials/trial-NNNN} (each trial's run directory), the results
 * ({@code results.csv}, {@code results.json}), {@code best/} (the best trial's model and config) and,
 * with the default store, {@code trials.db}. Every file is written to a temporary name and renamed,
 * so a reader (or a killed sweep) never finds half of one.
 */
public final class SweepDirectory {
    public static final String SPEC = "spec.conf";
    /** What best/ holds, copied from the best trial's run directory. */
    static final List<String> BEST_FILES = List.of("model.zip", "config.conf", "summary.json", "metrics.jsonl");

    private final FileSystem fs;
    private final Path dir;

    private SweepDirectory(FileSystem fs, Path dir) {
        this.fs = fs;
        this.dir = dir;
    }

    /** The directory at {@code uri} (a plain path is the local disk), created if missing. */
    public static SweepDirectory at(String uri) throws IOException {
        Path dir = pathOf(uri);
        FileSystem fs = HadoopFiles.withoutSideChecksums(HadoopFiles.fileSystem(dir));
        fs.mkdirs(dir);
        return new SweepDirectory(fs, dir);
    }

    /** The spec a sweep directory was started with; an error naming the directory if it has none. */
    public static String specIn(String uri) throws IOException {
        Path dir = pathOf(uri);
        FileSystem fs = HadoopFiles.withoutSideChecksums(HadoopFiles.fileSystem(dir));
        Path spec = new Path(dir, SPEC);
        if (!fs.exists(spec)) {
            throw new IOException(uri + " is not a sweep directory (no " + SPEC + "); start a sweep with --spec FILE");
        }
        try (InputStream in = fs.open(spec)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    public boolean exists(String name) throws IOException {
        return fs.exists(new Path(dir, name));
    }

    public String read(String name) throws IOException {
        try (InputStream in = fs.open(new Path(dir, name))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    public void writeAtomically(String name, String content) throws IOException {
        HadoopFiles.writeAtomically(fs, new Path(dir, name), content.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Makes {@code best/} a copy of the run directory {@code runUri}'s model, config, summary and
     * metrics: copied beside it under a hidden name, the old one moved aside, the new one renamed in,
     * the old one deleted, so that best/ is never half of one trial and half of another. The empty
     * file {@code marker} in it says where it came from.
     */
    public void replaceBest(String runUri, String marker) throws IOException {
        Path run = pathOf(runUri);
        FileSystem runFs = HadoopFiles.withoutSideChecksums(HadoopFiles.fileSystem(run));
        Path fresh = new Path(dir, ".best-" + UUID.randomUUID());
        fs.mkdirs(fresh);
        for (String name : BEST_FILES) {
            Path from = new Path(run, name);
            if (runFs.exists(from)) {
                FileUtil.copy(runFs, from, fs, new Path(fresh, name), false, fs.getConf());
            }
        }
        fs.create(new Path(fresh, marker), true).close();
        Path best = new Path(dir, "best");
        Path old = new Path(dir, ".best-replaced-" + UUID.randomUUID());
        if (fs.exists(best) && !fs.rename(best, old)) {
            throw new IOException("cannot move " + HadoopFiles.display(fs, best) + " aside");
        }
        if (!fs.rename(fresh, best)) {
            throw new IOException("cannot rename " + HadoopFiles.display(fs, fresh) + " to best");
        }
        fs.delete(old, true);
    }

    /** A trial's run directory (run.dir + run.name of its configuration), as a URI. */
    public String trialRunUri(int trial) {
        return HadoopFiles.display(fs, new Path(new Path(dir, "trials"), trialName(trial)));
    }

    public String trialsUri() {
        return fs.makeQualified(new Path(dir, "trials")).toString();
    }

    /** A plain absolute path is the local disk, whatever fs.defaultFS says; a URI is itself. */
    private static Path pathOf(String uri) {
        return HadoopFiles.path(uri.startsWith("/") ? "file:" + uri : uri);
    }

    public static String trialName(int trial) {
        return String.format("trial-%04d", trial);
    }

    public String path() {
        return HadoopFiles.display(fs, dir);
    }
}
