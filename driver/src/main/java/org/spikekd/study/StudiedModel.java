package org.spikekd.study;

import java.io.IOException;
import java.nio.file.Path;
import org.spikekd.model.TimeSteps;
import org.spikekd.run.ModelFile;

/** A model in a study: the name its column has in the tables, its file and what it is. */
public final class StudiedModel {
    public final String name;
    public final String path;
    public final ModelFile file;

    private StudiedModel(String name, String path, ModelFile file) {
        this.name = name;
        this.path = path;
        this.file = file;
    }

    /**
     * Loads {@code [NAME=]FILE}; without a name, the model is named after its run directory (the
     * directory holding model.zip), else after the file.
     */
    public static StudiedModel load(String spec) throws IOException {
        int eq = spec.indexOf('=');
        String path = eq > 0 && !spec.substring(0, eq).contains("/") ? spec.substring(eq + 1) : spec;
        String name = eq > 0 && !spec.substring(0, eq).contains("/") ? spec.substring(0, eq) : defaultName(path);
        return new StudiedModel(name, path, ModelFile.load(path));
    }

    private static String defaultName(String path) {
        Path p = Path.of(path.replaceFirst("^[a-z0-9]+://[^/]*", ""));
        Path file = p.getFileName();
        if (file != null && file.toString().equals("model.zip") && p.getParent() != null
                && p.getParent().getFileName() != null) {
            return p.getParent().getFileName().toString();
        }
        return file == null ? path : file.toString().replaceFirst("\\.zip$", "");
    }

    /** The T it was trained (or converted) for; 0 for an ANN. */
    public int timeSteps() {
        return TimeSteps.of(file.network);
    }

    public boolean spiking() {
        return timeSteps() > 0;
    }

    /** "ann", "snn" or "converted-snn". */
    public String kind() {
        if (!spiking()) {
            return "ann";
        }
        return file.config.raw().getString("model.converted-from").isBlank() ? "snn" : "converted-snn";
    }
}
