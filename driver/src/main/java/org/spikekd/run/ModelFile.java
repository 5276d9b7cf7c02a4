package org.spikekd.run;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.spikekd.config.JobConfig;
import org.spikekd.data.HadoopFiles;
import org.spikekd.layer.MovedLayerClasses;

/**
 * A trained model: DL4J's model zip (configuration, parameters, updater state) with the job
 * configuration that trained it added as one more entry, so that evaluation and distillation know
 * the data and settings it was made with.
 *
 * <p>A model file may come from elsewhere, so nothing in it is read with Java deserialization of
 * whatever classes it names: DL4J's loader would deserialize a {@code preprocessor.bin} entry with
 * an ObjectInputStream, so a zip with any entry beyond those SpikeKD writes is refused before DL4J
 * opens it; the job configuration (a Java-serialized String, as DL4J's addObjectToFile writes it)
 * is read through a filter that admits no class at all. The parameters and updater state are
 * ND4J's own binary arrays, and the configuration JSON names only subtypes of DL4J's layer,
 * vertex, activation, loss and updater types (Jackson checks each against the declared type).
 */
public final class ModelFile {
    private static final String CONFIG_ENTRY = "spikekd-job.conf";
    /** The zip entry where DL4J keeps the network's configuration JSON. */
    private static final String DL4J_CONFIGURATION = "configuration.json";
    /** Every entry a SpikeKD model zip holds (DL4J's parameters, updater state, no-parameters marker). */
    private static final java.util.Set<String> ENTRIES = java.util.Set.of(DL4J_CONFIGURATION, "coefficients.bin",
            "updaterState.bin", "noParams.marker", objectEntry(CONFIG_ENTRY));

    /** Where DL4J's addObjectToFile puts an object named {@code key}. */
    private static String objectEntry(String key) {
        return "objects/" + key;
    }

    public final ComputationGraph network;
    public final JobConfig config;

    private ModelFile(ComputationGraph network, JobConfig config) {
        this.network = network;
        this.config = config;
    }

    /** Writes the model file's bytes to {@code out} (which the caller closes). */
    public static void write(ComputationGraph net, JobConfig config, java.io.OutputStream out) throws IOException {
        // DL4J adds entries to a zip only in a file, so the zip is made in a scratch file first
        File scratch = File.createTempFile("spikekd-model", ".zip");
        try {
            ModelSerializer.writeModel(net, scratch, true);
            ModelSerializer.addObjectToFile(scratch, CONFIG_ENTRY, config.render());
            Files.copy(scratch.toPath(), out);
        } finally {
            Files.deleteIfExists(scratch.toPath());
        }
    }

    /**
     * Saves a model file at a local path or any Hadoop URI, under a temporary name first and then
     * renamed into place.
     */
    public static void save(ComputationGraph net, JobConfig config, String uri) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        write(net, config, bytes);
        HadoopFiles.writeAtomically(uri, bytes.toByteArray());
    }

    /** Loads a model file from a local path or any Hadoop file system URI. */
    public static ModelFile load(String uri) throws IOException {
        File local = localCopy(uri);
        try {
            checkEntries(local, uri);
            ComputationGraph net;
            try {
                net = restore(local);
            } catch (Exception e) {
                throw new IOException(uri + ": not a readable SpikeKD model file (" + e.getMessage() + ")", e);
            }
            String rendered = jobConfiguration(local, uri);
            return new ModelFile(net, JobConfig.parse(rendered, uri));
        } finally {
            if (!local.getPath().equals(new File(stripFileScheme(uri)).getPath())) {
                Files.deleteIfExists(local.toPath());
            }
        }
    }

    /** Refuses a zip with an entry SpikeKD does not write (DL4J would deserialize some such entries). */
    private static void checkEntries(File zip, String uri) throws IOException {
        try (ZipFile z = new ZipFile(zip)) {
            for (ZipEntry entry : java.util.Collections.list(z.entries())) {
                if (!ENTRIES.contains(entry.getName())) {
                    throw new IOException(uri + ": unexpected entry '" + entry.getName() + "' in the model zip (a SpikeKD "
                            + "model holds only " + new java.util.TreeSet<>(ENTRIES) + "); not read, since DL4J would "
                            + "deserialize such entries as Java objects");
                }
            }
        } catch (java.util.zip.ZipException e) {
            throw new IOException(uri + ": not a readable SpikeKD model file (not a zip: " + e.getMessage() + ")", e);
        }
    }

    /** The job configuration entry: one String, read by a stream that resolves no class. */
    private static String jobConfiguration(File zip, String uri) throws IOException {
        try (ZipFile z = new ZipFile(zip)) {
            ZipEntry entry = z.getEntry(objectEntry(CONFIG_ENTRY));
            if (entry == null) {
                throw new IOException(uri + ": a DL4J model without SpikeKD's job configuration; "
                        + "was it written by `spikekd train`?");
            }
            try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(z.getInputStream(entry))) {
                // a String is written without a class descriptor: any class named here is refused
                in.setObjectInputFilter(info -> info.serialClass() == null && info.depth() <= 1
                        ? java.io.ObjectInputFilter.Status.UNDECIDED : java.io.ObjectInputFilter.Status.REJECTED);
                Object value = in.readObject();
                if (!(value instanceof String text)) {
                    throw new IOException(uri + ": its " + CONFIG_ENTRY + " entry is not the job configuration "
                            + "SpikeKD writes (not a string)");
                }
                return text;
            } catch (ClassNotFoundException | java.io.ObjectStreamException e) {
                throw new IOException(uri + ": its " + CONFIG_ENTRY + " entry is not the job configuration SpikeKD "
                        + "writes (" + e.getMessage() + "); not read", e);
            }
        }
    }

    /**
     * The network in a model zip. A model saved before one of SpikeKD's layer classes moved names
     * it by its old package (see MovedLayerClasses): only such a model's zip is rewritten, in
     * memory, with its configuration renamed; any other is read as it is.
     */
    private static ComputationGraph restore(File zip) throws IOException {
        String json;
        try (ZipFile z = new ZipFile(zip)) {
            ZipEntry entry = z.getEntry(DL4J_CONFIGURATION);
            if (entry == null) {
                throw new IOException("no " + DL4J_CONFIGURATION + " in the zip");
            }
            try (InputStream in = z.getInputStream(entry)) {
                json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
        String upgraded = MovedLayerClasses.upgrade(json);
        if (upgraded.equals(json)) {
            return ModelSerializer.restoreComputationGraph(zip, true);
        }
        return ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(withConfiguration(zip, upgraded)), true);
    }

    /** The model zip's bytes with {@code configurationJson} in place of its configuration. */
    private static byte[] withConfiguration(File zip, String configurationJson) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipInputStream in = new ZipInputStream(new BufferedInputStream(new FileInputStream(zip)));
             ZipOutputStream out = new ZipOutputStream(bytes)) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                byte[] content = entry.getName().equals(DL4J_CONFIGURATION)
                        ? configurationJson.getBytes(StandardCharsets.UTF_8) : in.readAllBytes();
                out.putNextEntry(new ZipEntry(entry.getName()));
                out.write(content);
                out.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static String stripFileScheme(String uri) {
        return uri.startsWith("file://") ? uri.substring("file://".length()) : uri;
    }

    private static File localCopy(String uri) throws IOException {
        if (!uri.contains("://") || uri.startsWith("file://")) {
            File f = new File(stripFileScheme(uri));
            if (!f.isFile()) {
                throw new IOException(uri + ": model file does not exist");
            }
            return f;
        }
        Path path = HadoopFiles.path(uri);
        FileSystem fs = HadoopFiles.fileSystem(path);
        if (!fs.exists(path)) {
            throw new IOException(uri + ": model file does not exist");
        }
        File tmp = File.createTempFile("spikekd-model", ".zip");
        try (InputStream in = fs.open(path)) {
            Files.copy(in, tmp.toPath(), StandardCopyOption.REPLACE_EXISTING);
        }
        return tmp;
    }
}
