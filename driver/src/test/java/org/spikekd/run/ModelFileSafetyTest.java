package org.spikekd.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model files from elsewhere are read without Java deserialization of the classes they name: a
 * zip with an entry DL4J would deserialize, or whose job configuration is some other serialized
 * object, is refused with its name, and the object's readObject never runs.
 */
class ModelFileSafetyTest {
    static final Path SAVED = Path.of("src/test/resources/saved-models/2026-12-05/teacher/model.zip");

    @TempDir Path dir;

    /** Stands for a gadget: deserializing it runs code. */
    static final class Gadget implements Serializable {
        private static final long serialVersionUID = 1L;
        static volatile boolean ran;

        private void readObject(java.io.ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            ran = true;
        }
    }

    @Test
    void aSavedModelStillLoads() throws IOException {
        ModelFile m = ModelFile.load(SAVED.toString());
        assertTrue(m.network.numParams() > 0);
        assertEquals("teacher", m.config.raw().getString("model.role"));
    }

    @Test
    void anEntryDl4jWouldDeserializeIsRefusedUnread() throws IOException {
        Path zip = copyWith("preprocessor.bin", serialized(new Gadget()), null);
        Gadget.ran = false;
        IOException e = assertThrows(IOException.class, () -> ModelFile.load(zip.toString()));
        assertTrue(e.getMessage().startsWith(zip + ": unexpected entry 'preprocessor.bin'"), e.getMessage());
        assertFalse(Gadget.ran, "the object was deserialized");
    }

    @Test
    void aJobConfigurationThatIsAnotherObjectIsRefusedUnread() throws IOException {
        Path zip = copyWith(null, null, serialized(new Gadget()));
        Gadget.ran = false;
        IOException e = assertThrows(IOException.class, () -> ModelFile.load(zip.toString()));
        assertTrue(e.getMessage().startsWith(zip + ": its spikekd-job.conf entry is not the job configuration"),
                e.getMessage());
        assertFalse(Gadget.ran, "the object was deserialized");
    }

    /** The saved model with one more entry, or with its job configuration entry replaced. */
    private Path copyWith(String extraName, byte[] extra, byte[] jobConfiguration) throws IOException {
        Path out = dir.resolve("model-" + System.nanoTime() + ".zip");
        try (ZipFile in = new ZipFile(SAVED.toFile()); ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(out))) {
            for (ZipEntry e : java.util.Collections.list(in.entries())) {
                zip.putNextEntry(new ZipEntry(e.getName()));
                zip.write(e.getName().equals("objects/spikekd-job.conf") && jobConfiguration != null ? jobConfiguration
                        : in.getInputStream(e).readAllBytes());
                zip.closeEntry();
            }
            if (extraName != null) {
                zip.putNextEntry(new ZipEntry(extraName));
                zip.write(extra);
                zip.closeEntry();
            }
        }
        return out;
    }

    private static byte[] serialized(Object o) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        return bytes.toByteArray();
    }
}
