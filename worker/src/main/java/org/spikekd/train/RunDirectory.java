package org.spikekd.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * A run's directory: {@code config.conf} (the resolved job configuration), {@code metrics.jsonl}
 * (one JSON object per epoch), {@code model.zip} and {@code summary.json}. Whole files are written
 * to a temporary name and renamed into place; metrics lines are appended and flushed one by one.
 */
public final class RunDirectory {
    public static final ObjectMapper JSON = new ObjectMapper()
            .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false);

    private final Path dir;

    private RunDirectory(Path dir) {
        this.dir = dir;
    }

    /** Creates a new run directory; refuses one that already has files in it. */
    public static RunDirectory create(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new IOException("run directory " + dir + " already exists and is not empty; "
                            + "choose another run.name");
                }
            }
        }
        Files.createDirectories(dir);
        return new RunDirectory(dir);
    }

    public Path path() {
        return dir;
    }

    public Path model() {
        return dir.resolve("model.zip");
    }

    public void writeAtomically(String name, String content) throws IOException {
        Path tmp = dir.resolve("." + name + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public void writeJson(String name, Object value) throws IOException {
        writeAtomically(name, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value) + "\n");
    }

    public void appendMetrics(Map<String, Object> epochMetrics) throws IOException {
        try (Writer w = Files.newBufferedWriter(dir.resolve("metrics.jsonl"), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            w.write(JSON.writeValueAsString(epochMetrics));
            w.write('\n');
        }
    }
}
