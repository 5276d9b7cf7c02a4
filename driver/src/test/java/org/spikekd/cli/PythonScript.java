package org.spikekd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Python script from the test resources run by Debian's Python (/usr/bin/python3, where Debian's
 * python3-h5py and python3-torch live; a Python earlier on PATH may lack them), its last output
 * line read as JSON.
 */
final class PythonScript {
    static final String PYTHON = "/usr/bin/python3";

    private PythonScript() {}

    /**
     * @param resource the script, e.g. "/nir/nir_numpy.py"; copied into {@code dir} to run
     * @param packages the Debian packages it needs, for the message when Python is missing
     */
    static JsonNode run(String resource, Path dir, String packages, int minutes, String... args) throws Exception {
        Path script = dir.resolve(Path.of(resource).getFileName().toString());
        if (!Files.exists(script)) {
            try (InputStream in = PythonScript.class.getResourceAsStream(resource)) {
                Files.copy(in, script);
            }
        }
        List<String> command = new ArrayList<>(List.of(PYTHON, script.toString()));
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError(PYTHON + " is not installed: apt-get install " + packages + " (.ci/run does)", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(minutes, TimeUnit.MINUTES), resource + " still running after " + minutes + " minutes");
        assertEquals(0, p.exitValue(), out);
        String[] lines = out.strip().split("\n");
        return CommandLineTest.JSON.readTree(lines[lines.length - 1]);
    }
}
