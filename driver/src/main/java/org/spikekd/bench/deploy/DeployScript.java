package org.spikekd.bench.deploy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs one of the project's deploy/ scripts, its stderr passed through as progress; returns its stdout. */
public final class DeployScript {
    private final Path projectHome;
    private final String script;
    private final Map<String, String> env;

    public DeployScript(Path projectHome, String script, Map<String, String> env) {
        this.projectHome = projectHome;
        this.script = script;
        this.env = env;
    }

    public String run(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(projectHome.resolve("deploy").resolve(script).toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(projectHome.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().putAll(env);
        Process p = pb.start();
        String stdout = new String(p.getInputStream().readAllBytes());
        try {
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("deploy/" + script + " " + String.join(" ", args) + " failed (its messages are above)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: deploy/" + script, e);
        }
        return stdout;
    }
}
