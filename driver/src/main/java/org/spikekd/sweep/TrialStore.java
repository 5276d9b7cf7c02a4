package org.spikekd.sweep;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A sweep's durable record of its trials, in any JDBC database: SQLite in the sweep directory by
 * default ({@link #sqliteIn}), PostgreSQL for a team's shared store. Each trial's configuration
 * overrides, state, run directory, per-epoch metrics (in the order they arrived, so that a
 * scheduler can be rebuilt by replaying them), final metric, error and timings. Every change is
 * one committed statement or transaction: a sweep killed at any moment finds in the store exactly
 * what finished. The SQL is the part SQLite and PostgreSQL share.
 */
public final class TrialStore implements AutoCloseable {
    public enum State { PENDING, RUNNING, COMPLETED, STOPPED, FAILED }

    public record Trial(int id, List<String> overrides, State state, String runDirectory, Double metric,
                        String error, String started, String finished) {}

    public record Report(int trial, int epoch, Map<String, Object> metrics) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Connection db;
    /** The store's URL as messages show it (no password). */
    private final String url;

    private TrialStore(Connection db, String url) {
        this.db = db;
        this.url = StoreUrl.redacted(url); // for messages
    }

    /** The embedded store of a sweep directory on the local disk. */
    public static String sqliteIn(Path sweepDirectory) {
        return "jdbc:sqlite:" + sweepDirectory.resolve("trials.db").toAbsolutePath();
    }

    /** Opens (creating its tables if needed) the store at a JDBC URL. */
    public static TrialStore open(String jdbcUrl) throws SQLException {
        if (jdbcUrl.startsWith("jdbc:sqlite:")) {
            Path file = Path.of(jdbcUrl.substring("jdbc:sqlite:".length()).replaceFirst("\\?.*", ""));
            try {
                if (file.getParent() != null) {
                    java.nio.file.Files.createDirectories(file.getParent()); // SQLite creates the file, not its directory
                }
            } catch (java.io.IOException e) {
                throw new SQLException("cannot create the directory of the trial store " + file + ": " + e.getMessage(), e);
            }
        }
        Connection db = DriverManager.getConnection(jdbcUrl);
        db.setAutoCommit(true);
        try (Statement s = db.createStatement()) {
            if (jdbcUrl.startsWith("jdbc:sqlite:")) {
                // another process reading the file (a report, a scheduler checking) holds it briefly:
                // wait for it rather than fail a trial's record
                s.execute("PRAGMA busy_timeout = 30000");
            }
            // seconds: the sweep's running time over all its launches (its wall-time budget);
            // owner and heartbeat (epoch milliseconds): the launch running it now, see lease()
            s.execute("CREATE TABLE IF NOT EXISTS sweep (name VARCHAR(200) PRIMARY KEY, spec TEXT NOT NULL, "
                    + "created VARCHAR(40) NOT NULL, seconds DOUBLE PRECISION NOT NULL DEFAULT 0, "
                    + "owner VARCHAR(200), heartbeat BIGINT)");
            s.execute("CREATE TABLE IF NOT EXISTS trial (sweep VARCHAR(200) NOT NULL, id INTEGER NOT NULL, "
                    + "overrides TEXT NOT NULL, state VARCHAR(20) NOT NULL, run_dir TEXT, metric DOUBLE PRECISION, "
                    + "error TEXT, started VARCHAR(40), finished VARCHAR(40), PRIMARY KEY (sweep, id))");
            s.execute("CREATE TABLE IF NOT EXISTS report (sweep VARCHAR(200) NOT NULL, seq INTEGER NOT NULL, "
                    + "trial INTEGER NOT NULL, epoch INTEGER NOT NULL, metrics TEXT NOT NULL, "
                    + "PRIMARY KEY (sweep, seq), UNIQUE (sweep, trial, epoch))");
        }
        return new TrialStore(db, jdbcUrl);
    }

    /**
     * Records a sweep and its trials the first time; afterwards checks that the spec is the same, so
     * that re-running the same command continues the sweep (and a changed spec is an error, not a
     * silently different sweep).
     */
    public synchronized void register(String sweep, String spec, List<List<String>> trials) throws SQLException {
        transaction(() -> {
            try (PreparedStatement q = db.prepareStatement("SELECT spec FROM sweep WHERE name = ?")) {
                q.setString(1, sweep);
                try (ResultSet r = q.executeQuery()) {
                    if (r.next()) {
                        if (!r.getString(1).equals(spec)) {
                            throw new SQLException("sweep '" + sweep + "' in " + url + " was started with another spec; "
                                    + "give this one another name (or another sweep directory)");
                        }
                        return;
                    }
                }
            }
            try (PreparedStatement ins = db.prepareStatement("INSERT INTO sweep (name, spec, created) VALUES (?, ?, ?)")) {
                ins.setString(1, sweep);
                ins.setString(2, spec);
                ins.setString(3, Instant.now().toString());
                ins.executeUpdate();
            }
            try (PreparedStatement ins = db.prepareStatement(
                    "INSERT INTO trial (sweep, id, overrides, state) VALUES (?, ?, ?, 'PENDING')")) {
                for (int i = 0; i < trials.size(); i++) {
                    ins.setString(1, sweep);
                    ins.setInt(2, i);
                    ins.setString(3, json(trials.get(i)));
                    ins.addBatch();
                }
                ins.executeBatch();
            }
        });
    }

    /** The spec a sweep was registered with, replaced if it is {@code old} (a spec re-rendered, same sweep). */
    public synchronized void replaceSpec(String sweep, String old, String spec) throws SQLException {
        try (PreparedStatement up = db.prepareStatement("UPDATE sweep SET spec = ? WHERE name = ? AND spec = ?")) {
            up.setString(1, spec);
            up.setString(2, sweep);
            up.setString(3, old);
            up.executeUpdate();
        }
    }

    public synchronized List<Trial> trials(String sweep) throws SQLException {
        List<Trial> out = new ArrayList<>();
        try (PreparedStatement q = db.prepareStatement("SELECT id, overrides, state, run_dir, metric, error, started, "
                + "finished FROM trial WHERE sweep = ? ORDER BY id")) {
            q.setString(1, sweep);
            try (ResultSet r = q.executeQuery()) {
                while (r.next()) {
                    double value = r.getDouble(5);
                    Double metric = r.wasNull() ? null : value;
                    out.add(new Trial(r.getInt(1), parse(r.getString(2), new TypeReference<List<String>>() {}),
                            State.valueOf(r.getString(3)), r.getString(4), metric,
                            r.getString(6), r.getString(7), r.getString(8)));
                }
            }
        }
        return out;
    }

    /** The launch holding a sweep's lease, and when it last said it was alive. */
    public record Lease(String owner, long heartbeatMillis) {}

    /**
     * Takes the sweep for {@code owner} if no launch holds it, {@code owner} already does, the holder
     * is {@code deadOwner} (a launch known to be gone), or the holder's heartbeat is older than
     * {@code staleBeforeMillis}. Returns the holder afterwards: {@code owner} if taken. One atomic
     * statement, so two launches never both hold a sweep.
     */
    public synchronized Lease lease(String sweep, String owner, String deadOwner, long staleBeforeMillis)
            throws SQLException {
        try (PreparedStatement up = db.prepareStatement("UPDATE sweep SET owner = ?, heartbeat = ? WHERE name = ? "
                + "AND (owner IS NULL OR owner = ? OR owner = ? OR heartbeat < ?)")) {
            up.setString(1, owner);
            up.setLong(2, System.currentTimeMillis());
            up.setString(3, sweep);
            up.setString(4, owner);
            up.setString(5, deadOwner == null ? owner : deadOwner);
            up.setLong(6, staleBeforeMillis);
            up.executeUpdate();
        }
        return holder(sweep);
    }

    /** The launch holding the sweep now, or null. */
    public synchronized Lease holder(String sweep) throws SQLException {
        try (PreparedStatement q = db.prepareStatement("SELECT owner, heartbeat FROM sweep WHERE name = ?")) {
            q.setString(1, sweep);
            try (ResultSet r = q.executeQuery()) {
                if (!r.next()) {
                    throw new SQLException("no sweep '" + sweep + "' in " + url);
                }
                return r.getString(1) == null ? null : new Lease(r.getString(1), r.getLong(2));
            }
        }
    }

    /** The holder says it is alive; false if it no longer holds the sweep. */
    public synchronized boolean heartbeat(String sweep, String owner) throws SQLException {
        try (PreparedStatement up = db.prepareStatement("UPDATE sweep SET heartbeat = ? WHERE name = ? AND owner = ?")) {
            up.setLong(1, System.currentTimeMillis());
            up.setString(2, sweep);
            up.setString(3, owner);
            return up.executeUpdate() == 1;
        }
    }

    /** The holder is done with the sweep. */
    public synchronized void release(String sweep, String owner) throws SQLException {
        try (PreparedStatement up = db.prepareStatement(
                "UPDATE sweep SET owner = NULL, heartbeat = NULL WHERE name = ? AND owner = ?")) {
            up.setString(1, sweep);
            up.setString(2, owner);
            up.executeUpdate();
        }
    }

    /** The sweep's running time so far, over all its launches. */
    public synchronized double seconds(String sweep) throws SQLException {
        try (PreparedStatement q = db.prepareStatement("SELECT seconds FROM sweep WHERE name = ?")) {
            q.setString(1, sweep);
            try (ResultSet r = q.executeQuery()) {
                if (!r.next()) {
                    throw new SQLException("no sweep '" + sweep + "' in " + url);
                }
                return r.getDouble(1);
            }
        }
    }

    public synchronized void setSeconds(String sweep, double seconds) throws SQLException {
        try (PreparedStatement up = db.prepareStatement("UPDATE sweep SET seconds = ? WHERE name = ?")) {
            up.setDouble(1, seconds);
            up.setString(2, sweep);
            up.executeUpdate();
        }
    }

    /**
     * Trials left RUNNING by a launch that died are PENDING again. Their reports stay: each was
     * recorded after its epoch's checkpoint, so the trial continues from its last reported epoch.
     * Returns how many.
     */
    public synchronized int requeueInterrupted(String sweep) throws SQLException {
        try (PreparedStatement up = db.prepareStatement(
                "UPDATE trial SET state = 'PENDING' WHERE sweep = ? AND state = 'RUNNING'")) {
            up.setString(1, sweep);
            return up.executeUpdate();
        }
    }

    /**
     * FAILED trials are PENDING again (a launch with --retry-failed), continuing after their last
     * reported epoch. Returns how many.
     */
    public synchronized int requeueFailed(String sweep) throws SQLException {
        try (PreparedStatement up = db.prepareStatement("UPDATE trial SET state = 'PENDING', error = NULL, "
                + "finished = NULL WHERE sweep = ? AND state = 'FAILED'")) {
            up.setString(1, sweep);
            return up.executeUpdate();
        }
    }

    /** A RUNNING trial goes back to PENDING (its launch stops before it is done, e.g. out of wall time). */
    public synchronized void release(String sweep, int trial) throws SQLException {
        try (PreparedStatement up = db.prepareStatement(
                "UPDATE trial SET state = 'PENDING' WHERE sweep = ? AND id = ? AND state = 'RUNNING'")) {
            up.setString(1, sweep);
            up.setInt(2, trial);
            up.executeUpdate();
        }
    }

    /** The pending trial with the lowest id, now RUNNING; empty when none is pending. */
    public synchronized Optional<Trial> claimNext(String sweep) throws SQLException {
        for (Trial t : trials(sweep)) {
            if (t.state() == State.PENDING) {
                try (PreparedStatement up = db.prepareStatement("UPDATE trial SET state = 'RUNNING', "
                        + "started = COALESCE(started, ?) WHERE sweep = ? AND id = ? AND state = 'PENDING'")) {
                    up.setString(1, Instant.now().toString());
                    up.setString(2, sweep);
                    up.setInt(3, t.id());
                    if (up.executeUpdate() == 1) {
                        return Optional.of(t);
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** A trial's metrics after an epoch (recorded again for the same epoch: replaced). */
    public synchronized void report(String sweep, int trial, int epoch, Map<String, Object> metrics) throws SQLException {
        transaction(() -> {
            try (PreparedStatement del = db.prepareStatement(
                    "DELETE FROM report WHERE sweep = ? AND trial = ? AND epoch = ?")) {
                del.setString(1, sweep);
                del.setInt(2, trial);
                del.setInt(3, epoch);
                del.executeUpdate();
            }
            int seq;
            try (PreparedStatement q = db.prepareStatement("SELECT COALESCE(MAX(seq), 0) + 1 FROM report WHERE sweep = ?")) {
                q.setString(1, sweep);
                try (ResultSet r = q.executeQuery()) {
                    r.next();
                    seq = r.getInt(1);
                }
            }
            try (PreparedStatement ins = db.prepareStatement(
                    "INSERT INTO report (sweep, seq, trial, epoch, metrics) VALUES (?, ?, ?, ?, ?)")) {
                ins.setString(1, sweep);
                ins.setInt(2, seq);
                ins.setInt(3, trial);
                ins.setInt(4, epoch);
                ins.setString(5, json(metrics));
                ins.executeUpdate();
            }
        });
    }

    /** Every report of the sweep, in the order they arrived. */
    public synchronized List<Report> reports(String sweep) throws SQLException {
        List<Report> out = new ArrayList<>();
        try (PreparedStatement q = db.prepareStatement(
                "SELECT trial, epoch, metrics FROM report WHERE sweep = ? ORDER BY seq")) {
            q.setString(1, sweep);
            try (ResultSet r = q.executeQuery()) {
                while (r.next()) {
                    out.add(new Report(r.getInt(1), r.getInt(2),
                            parse(r.getString(3), new TypeReference<Map<String, Object>>() {})));
                }
            }
        }
        return out;
    }

    /** A trial ended: COMPLETED, or STOPPED early by the scheduler. */
    public synchronized void finish(String sweep, int trial, State state, Double metric, String runDirectory)
            throws SQLException {
        if (state != State.COMPLETED && state != State.STOPPED) {
            throw new IllegalArgumentException("a trial finishes COMPLETED or STOPPED, not " + state);
        }
        end(sweep, trial, state, metric, runDirectory, null);
    }

    /** A trial failed with {@code error}. */
    public synchronized void fail(String sweep, int trial, String error, String runDirectory) throws SQLException {
        end(sweep, trial, State.FAILED, null, runDirectory, error);
    }

    private void end(String sweep, int trial, State state, Double metric, String runDirectory, String error)
            throws SQLException {
        try (PreparedStatement up = db.prepareStatement("UPDATE trial SET state = ?, metric = ?, run_dir = ?, "
                + "error = ?, finished = ? WHERE sweep = ? AND id = ?")) {
            up.setString(1, state.name());
            if (metric == null || metric.isNaN()) {
                up.setNull(2, Types.DOUBLE);
            } else {
                up.setDouble(2, metric);
            }
            up.setString(3, runDirectory);
            up.setString(4, error);
            up.setString(5, Instant.now().toString());
            up.setString(6, sweep);
            up.setInt(7, trial);
            if (up.executeUpdate() != 1) {
                throw new SQLException("sweep '" + sweep + "' has no trial " + trial);
            }
        }
    }

    @Override
    public synchronized void close() throws SQLException {
        db.close();
    }

    private interface Work {
        void run() throws SQLException;
    }

    private void transaction(Work work) throws SQLException {
        db.setAutoCommit(false);
        try {
            work.run();
            db.commit();
        } catch (SQLException | RuntimeException e) {
            db.rollback();
            throw e;
        } finally {
            db.setAutoCommit(true);
        }
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot record " + value + " as JSON: " + e.getMessage(), e);
        }
    }

    private static <T> T parse(String json, TypeReference<T> type) throws SQLException {
        try {
            return JSON.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new SQLException("the trial store holds malformed JSON: " + json, e);
        }
    }
}
