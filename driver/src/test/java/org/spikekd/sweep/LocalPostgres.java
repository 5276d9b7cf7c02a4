package org.spikekd.sweep;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server from Debian's postgresql package, on 127.0.0.1 and a free port,
 * with its data in {@code base}; stopped by {@link #close}. Run as root (as CI is), the server runs
 * as the package's postgres user, since PostgreSQL refuses to run as root.
 */
public final class LocalPostgres implements AutoCloseable {
    private final Path bin;
    private final Path data;
    private final boolean asPostgres;
    public final String url;

    /** The server's port, and the URL without a password (for a ~/.pgpass line). */
    public final int port;

    private LocalPostgres(Path bin, Path data, boolean asPostgres, int port, String password) {
        this.bin = bin;
        this.data = data;
        this.asPostgres = asPostgres;
        this.port = port;
        this.url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=spikekd"
                + (password == null ? "" : "&password=" + password);
    }

    /** A server that trusts every connection from this machine. */
    public static LocalPostgres start(Path base) throws IOException, InterruptedException {
        return start(base, null);
    }

    /**
     * A server whose user spikekd must give {@code password} (SCRAM), which {@link #url} carries
     * as a query parameter; with a null password, one that trusts every connection.
     */
    public static LocalPostgres start(Path base, String password) throws IOException, InterruptedException {
        Path bin;
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            bin = versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.naturalOrder())
                    .orElseThrow(() -> new IOException("no /usr/lib/postgresql/*/bin/initdb: apt-get install postgresql"));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("PostgreSQL is not installed: apt-get install postgresql (.ci/run does)", e);
        }
        boolean asPostgres = "root".equals(System.getProperty("user.name"));
        if (asPostgres) {
            UserPrincipal postgres = base.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
            Files.setOwner(base, postgres);
        }
        Path data = base.resolve("pgdata");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        LocalPostgres pg = new LocalPostgres(bin, data, asPostgres, port, password);
        if (password == null) {
            pg.run("initdb", "-D", data.toString(), "-A", "trust", "-U", "spikekd", "--no-sync");
        } else {
            Path pwfile = base.resolve("pwfile");
            Files.writeString(pwfile, password + "\n");
            pg.run("initdb", "-D", data.toString(), "-A", "scram-sha-256", "--pwfile=" + pwfile, "-U", "spikekd",
                    "--no-sync");
            Files.delete(pwfile);
        }
        pg.run("pg_ctl", "-D", data.toString(), "-l", base.resolve("postgres.log").toString(), "-w", "-t", "60",
                "-o", "-p " + port + " -h 127.0.0.1 -k " + base, "start");
        return pg;
    }

    private void run(String tool, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        if (asPostgres) {
            command.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        command.add(bin.resolve(tool).toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " failed:\n" + output);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run("pg_ctl", "-D", data.toString(), "-m", "immediate", "-w", "stop");
    }
}
