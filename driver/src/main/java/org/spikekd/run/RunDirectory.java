package org.spikekd.run;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.spikekd.config.JobConfig;
import org.spikekd.data.HadoopFiles;

/**
 * A run's directory, on any Hadoop file system (a local path, file://, hdfs://):
 * {@code config.conf} (the resolved job configuration), {@code metrics.jsonl} (one JSON object per
 * epoch), {@code model.zip} (the newest model), {@code checkpoint.json} with the checkpoint it names
 * ({@code checkpoint-epoch-N.zip}: model, optimizer state and iteration count after epoch N; and
 * {@code trainer-state-epoch-N.bin} if the epoch trainer keeps state of its own), and
 * {@code summary.json} at the end. Every file is written under a temporary name and renamed into
 * place, so a crash leaves the previous version, never half of a new one; the checkpoint's model is
 * complete before {@code checkpoint.json} names it.
 */
public final class RunDirectory {
    public static final ObjectMapper JSON = new ObjectMapper()
            .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false);
    static final String CHECKPOINT = "checkpoint.json";

    /** The last complete checkpoint of a run. */
    public static final class Checkpoint {
        public final int epoch;
        public final String model;
        /** The epoch trainer's own state (the outer optimizer's momentum), or null if it kept none. */
        public final String trainerState;

        Checkpoint(int epoch, String model, String trainerState) {
            this.epoch = epoch;
            this.model = model;
            this.trainerState = trainerState;
        }
    }

    private final FileSystem fs;
    private final Path dir;

    private RunDirectory(FileSystem fs, Path dir) {
        this.fs = fs;
        this.dir = dir;
    }

    /** Creates a new run directory; refuses one that already has files in it. */
    public static RunDirectory create(String uri) throws IOException {
        Path dir = HadoopFiles.path(uri);
        FileSystem fs = HadoopFiles.withoutSideChecksums(HadoopFiles.fileSystem(dir));
        if (fs.exists(dir) && fs.listStatus(dir).length > 0) {
            throw new IOException("run directory " + HadoopFiles.display(fs, dir) + " already exists and is not empty; "
                    + "choose another run.name, or continue it with --resume");
        }
        fs.mkdirs(dir);
        return new RunDirectory(fs, dir);
    }

    /** Opens an existing run directory to continue it; it must hold a config and a checkpoint. */
    public static RunDirectory open(String uri) throws IOException {
        Path dir = HadoopFiles.path(uri);
        FileSystem fs = HadoopFiles.withoutSideChecksums(HadoopFiles.fileSystem(dir));
        if (!fs.exists(new Path(dir, "config.conf"))) {
            throw new IOException(uri + ": not a run directory (no config.conf)");
        }
        return new RunDirectory(fs, dir);
    }

    /** The directory, as a plain path if local, else as a URI. */
    public String path() {
        return HadoopFiles.display(fs, dir);
    }

    public String model() {
        return HadoopFiles.display(fs, new Path(dir, "model.zip"));
    }

    public String readText(String name) throws IOException {
        return new String(readBytes(name), StandardCharsets.UTF_8);
    }

    /** A file of this directory, by name, or a full path or URI (as a {@link Checkpoint} gives them). */
    public byte[] readBytes(String name) throws IOException {
        try (InputStream in = fs.open(new Path(dir, name))) {
            return in.readAllBytes();
        }
    }

    public void writeAtomically(String name, String content) throws IOException {
        writeAtomically(name, content.getBytes(StandardCharsets.UTF_8));
    }

    private void writeAtomically(String name, byte[] content) throws IOException {
        HadoopFiles.writeAtomically(fs, new Path(dir, name), content);
    }

    public void writeJson(String name, Object value) throws IOException {
        writeAtomically(name, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value) + "\n");
    }

    /**
     * Appends one epoch's metrics. The whole file is rewritten and renamed into place (HDFS cannot
     * append everywhere, and the file is small).
     */
    public void appendMetrics(Map<String, Object> epochMetrics) throws IOException {
        List<Map<String, Object>> all = readMetrics();
        all.add(epochMetrics);
        writeMetrics(all);
    }

    public List<Map<String, Object>> readMetrics() throws IOException {
        List<Map<String, Object>> lines = new ArrayList<>();
        Path file = new Path(dir, "metrics.jsonl");
        if (!fs.exists(file)) {
            return lines;
        }
        for (String line : readText("metrics.jsonl").split("\n")) {
            if (!line.isBlank()) {
                lines.add(JSON.readValue(line, new TypeReference<LinkedHashMap<String, Object>>() {}));
            }
        }
        return lines;
    }

    /** Keeps the metrics of epochs up to {@code epoch}: a resumed run redoes the later ones. */
    public void truncateMetrics(int epoch) throws IOException {
        List<Map<String, Object>> kept = new ArrayList<>();
        for (Map<String, Object> m : readMetrics()) {
            if (((Number) m.get("epoch")).intValue() <= epoch) {
                kept.add(m);
            }
        }
        writeMetrics(kept);
    }

    private void writeMetrics(List<Map<String, Object>> lines) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Map<String, Object> m : lines) {
            sb.append(JSON.writeValueAsString(m)).append('\n');
        }
        writeAtomically("metrics.jsonl", sb.toString());
    }

    /**
     * Saves the model after {@code epoch} (network, optimizer state, job configuration; serialized
     * once) as model.zip and as that epoch's checkpoint, then points checkpoint.json at the
     * checkpoint (and {@code trainerState}, if not null), then drops older ones.
     */
    public void saveCheckpoint(int epoch, ComputationGraph net, JobConfig config, byte[] trainerState)
            throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelFile.write(net, config, bytes);
        byte[] model = bytes.toByteArray();
        writeAtomically("model.zip", model);
        String name = String.format("checkpoint-epoch-%04d.zip", epoch);
        writeAtomically(name, model);
        String stateName = String.format("trainer-state-epoch-%04d.bin", epoch);
        if (trainerState != null) {
            writeAtomically(stateName, trainerState);
        }
        Map<String, Object> pointer = new LinkedHashMap<>();
        pointer.put("epoch", epoch);
        pointer.put("model", name);
        if (trainerState != null) {
            pointer.put("trainer_state", stateName);
        }
        writeJson(CHECKPOINT, pointer);
        for (FileStatus f : fs.listStatus(dir)) {
            String n = f.getPath().getName();
            if ((n.startsWith("checkpoint-epoch-") && n.endsWith(".zip") && !n.equals(name))
                    || (n.startsWith("trainer-state-epoch-") && !(trainerState != null && n.equals(stateName)))) {
                fs.delete(f.getPath(), false);
            }
        }
    }

    /** The last complete checkpoint, or null if the run has none yet. */
    public Checkpoint lastCheckpoint() throws IOException {
        if (!fs.exists(new Path(dir, CHECKPOINT))) {
            return null;
        }
        Map<String, Object> pointer = JSON.readValue(readText(CHECKPOINT), new TypeReference<Map<String, Object>>() {});
        String state = (String) pointer.get("trainer_state");
        return new Checkpoint(((Number) pointer.get("epoch")).intValue(),
                HadoopFiles.display(fs, new Path(dir, (String) pointer.get("model"))),
                state == null ? null : HadoopFiles.display(fs, new Path(dir, state)));
    }
}
