package org.spikekd.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerEnvironmentUpdate;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spikekd.cli.CommandLineTest;
import org.spikekd.cli.CommandLineTest.Outcome;
import org.spikekd.cli.SpikeKd;
import org.spikekd.sweep.TrialStore.State;
import org.spikekd.sweep.TrialStore.Trial;

/**
 * {@code spikekd sweep} end to end on an embedded local[2] Spark over Fashion-MNIST subsets: a
 * trial-parallel sweep whose report, ASHA decisions, run directories and best/ agree with each
 * other; the same command again changing nothing; a sweep process killed with SIGKILL and resumed,
 * with no trial lost and none repeated, on SQLite and on a real PostgreSQL server; a data-parallel
 * sweep in FAIR pools; a bad spec refused before anything is created.
 */
class SweepCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path dir;

    /** A small spiking student, trained with SGD: a few seconds per epoch. */
    static String base(int epochs) {
        return "set = [\"data.path=/usr/share/datasets/fashion-mnist\", \"data.train-limit=256\", \"data.test-limit=200\", "
                + "\"model.vgg.stages=[[8],[16]]\", \"model.vgg.hidden=[32]\", \"encoding.time-steps=2\", "
                + "\"train.epochs=" + epochs + "\", \"train.batch-size=32\", \"train.train-eval-limit=100\", "
                + "\"train.optimizer=sgd\", \"train.log-every=1000\"]\n";
    }

    private Path spec(String name, String text) throws Exception {
        Path f = dir.resolve(name + ".conf");
        Files.writeString(f, text + "directory = \"" + dir.resolve(name) + "\"\n");
        return f;
    }

    @Test
    void aTrialParallelSweepFinishesWithAReportThatAgreesWithItsTrials() throws Exception {
        Path spec = spec("lr", base(3)
                + "space { \"train.learning-rate\" { grid = [0.5, 0.05, 0.005] }, \"surrogate.alpha\" { choice = [2, 4] } }\n"
                + "samples = 2\n"
                + "scheduler { grace-period = 1, reduction-factor = 2 }\n");
        Outcome run = CommandLineTest.run("sweep", "--spec", spec.toString());
        assertEquals(0, run.exitCode(), run.err());
        Path sweep = dir.resolve("lr");
        SweepSpec parsed = SweepSpec.load(spec.toFile());
        List<Trial> trials;
        List<TrialStore.Report> reports;
        try (TrialStore store = TrialStore.open(parsed.store)) {
            trials = store.trials("lr");
            reports = store.reports("lr");
        }
        assertEquals(6, trials.size(), "3 grid points x 2 samples");

        // every trial ended, and ASHA's decisions, replayed from the reports, are the ones taken
        AshaScheduler asha = new AshaScheduler(3, 1, 2, true);
        Map<Integer, List<AshaScheduler.Decision>> decisions = new HashMap<>();
        for (TrialStore.Report r : reports) {
            decisions.computeIfAbsent(r.trial(), k -> new ArrayList<>())
                    .add(asha.onEpoch(Integer.toString(r.trial()), r.epoch(), number(r.metrics().get("test_accuracy"))));
        }
        int stopped = 0;
        for (Trial t : trials) {
            List<AshaScheduler.Decision> d = decisions.get(t.id());
            assertNotNull(d, "trial " + t.id() + " reported");
            if (t.state() == State.STOPPED) {
                stopped++;
                assertTrue(d.size() < 3 && d.get(d.size() - 1) == AshaScheduler.Decision.STOP, "trial " + t.id() + ": " + d);
                assertFalse(d.subList(0, d.size() - 1).contains(AshaScheduler.Decision.STOP));
            } else {
                assertEquals(State.COMPLETED, t.state(), "trial " + t.id());
                assertEquals(3, d.size());
                assertFalse(d.contains(AshaScheduler.Decision.STOP), "trial " + t.id() + ": " + d);
            }
        }
        assertTrue(stopped >= 1, "ASHA stopped some of 6 trials with learning rates 100x apart");

        // each trial's run directory holds its configuration and exactly the epochs the store recorded
        for (Trial t : trials) {
            Path runDir = Path.of(t.runDirectory());
            assertEquals(sweep.resolve("trials").resolve(String.format("trial-%04d", t.id())), runDir);
            Config config = ConfigFactory.parseFile(runDir.resolve("config.conf").toFile());
            for (Map.Entry<String, Object> p : SweepResults.parameters(t.overrides()).entrySet()) {
                assertEquals(number(p.getValue()), config.getDouble(p.getKey()), 1e-12, p.getKey());
            }
            List<JsonNode> lines = metricsOf(runDir);
            List<TrialStore.Report> mine = reports.stream().filter(r -> r.trial() == t.id()).toList();
            assertEquals(mine.size(), lines.size(), "trial " + t.id());
            for (int e = 0; e < lines.size(); e++) {
                assertEquals(e + 1, lines.get(e).get("epoch").asInt());
                assertEquals(e + 1, mine.get(e).epoch());
                assertEquals(lines.get(e).get("test_accuracy").asDouble(), number(mine.get(e).metrics().get("test_accuracy")));
            }
            assertEquals(lines.get(lines.size() - 1).get("test_accuracy").asDouble(), t.metric(), "the last epoch's metric");
        }

        // the report: ranked best first, in the CSV, the JSON and on stdout; best/ is the top trial's
        List<String> csv = Files.readAllLines(sweep.resolve("results.csv"));
        assertTrue(csv.get(0).startsWith("rank,trial,state,test_accuracy,epochs,seconds,surrogate.alpha,train.learning-rate"));
        JsonNode json = JSON.readTree(sweep.resolve("results.json").toFile());
        assertEquals(6, json.get("trials").size());
        double previous = Double.MAX_VALUE;
        for (int i = 0; i < 6; i++) {
            String[] cells = csv.get(i + 1).split(",");
            JsonNode row = json.get("trials").get(i);
            assertEquals(Integer.toString(i + 1), cells[0]);
            assertEquals(i + 1, row.get("rank").asInt());
            assertEquals(cells[1], row.get("trial").asText());
            Trial t = trials.get(Integer.parseInt(cells[1]));
            assertEquals(t.metric(), Double.parseDouble(cells[3]));
            assertTrue(t.metric() <= previous, "ranked best first");
            previous = t.metric();
        }
        Trial best = trials.get(json.get("trials").get(0).get("trial").asInt());
        assertArrayEquals(Files.readAllBytes(Path.of(best.runDirectory(), "model.zip")),
                Files.readAllBytes(sweep.resolve("best/model.zip")));
        assertEquals(Files.readString(Path.of(best.runDirectory(), "config.conf")),
                Files.readString(sweep.resolve("best/config.conf")));
        assertTrue(run.out().contains(String.format("best: trial %d, test_accuracy %.4f", best.id(), best.metric())), run.out());

        // the same command again (cron): nothing runs again, nothing changes
        Outcome again = CommandLineTest.run("sweep", "--spec", spec.toString());
        assertEquals(0, again.exitCode(), again.err());
        try (TrialStore store = TrialStore.open(parsed.store)) {
            assertEquals(trials, store.trials("lr"));
            assertEquals(reports, store.reports("lr"));
        }
        assertFalse(again.err().contains(" epoch 1/3"), again.err());
        Outcome report = CommandLineTest.run("sweep", "--report", sweep.toString());
        assertEquals(0, report.exitCode(), report.err());
        assertEquals(run.out(), report.out(), "--report prints what the sweep printed");
    }

    @Test
    void aSweepKilledMidWayResumesWithNoTrialLostAndNoneRepeated() throws Exception {
        killAndResume("killed", "");
    }

    @Test
    void theSameWithItsTrialStoreOnPostgreSql(@TempDir Path pgDir) throws Exception {
        // a directory of its own: the server runs as the postgres user, who cannot enter the test's
        try (LocalPostgres pg = LocalPostgres.start(pgDir)) {
            killAndResume("killed-pg", "store = \"" + pg.url + "\"\n");
        }
    }

    @Test
    void aPasswordInTheStoreUrlIsNeitherKeptNorShown(@TempDir Path pgDir) throws Exception {
        String password = "Pw-" + Long.toHexString(System.nanoTime()) + "-secret";
        try (LocalPostgres pg = LocalPostgres.start(pgDir, password)) {
            Path spec = spec("secret", base(1) + "store = \"" + pg.url + "\"\n"
                    + "space { \"train.learning-rate\" { grid = [0.01, 0.1] } }\nscheduler.type = none\n");
            Path sweep = dir.resolve("secret");
            // begun by an earlier version, which kept the URL whole in spec.conf and in the store
            SweepSpec parsed = SweepSpec.load(spec.toFile());
            assertTrue(parsed.renderedWithPassword.contains(password));
            SweepDirectory.at(sweep.toString()).writeAtomically(SweepDirectory.SPEC, parsed.renderedWithPassword);
            try (TrialStore store = TrialStore.open(pg.url)) {
                store.register("secret", parsed.renderedWithPassword, parsed.trials().stream().map(SearchSpace::overrides).toList());
            }

            Outcome run = CommandLineTest.run("sweep", "--spec", spec.toString());
            assertEquals(0, run.exitCode(), run.err());
            assertTrue(run.err().contains("password=***"), "the store is shown, its password not:\n" + run.err());
            List<String> shown = new ArrayList<>(List.of(run.out(), run.err()));

            // the directory keeps no password, so a resume or report from it needs one from elsewhere
            Outcome refused = CommandLineTest.run("sweep", "--report", sweep.toString());
            assertEquals(1, refused.exitCode());
            assertTrue(refused.err().contains("a sweep directory keeps no password: put it in ~/.pgpass"), refused.err());
            shown.addAll(List.of(refused.out(), refused.err()));
            Path pgpass = pgDir.resolve("pgpass");
            Files.writeString(pgpass, "127.0.0.1:" + pg.port + ":postgres:spikekd:" + password + "\n");
            Files.setPosixFilePermissions(pgpass, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            System.setProperty("org.postgresql.pgpassfile", pgpass.toString()); // as PGPASSFILE would
            try {
                Outcome report = CommandLineTest.run("sweep", "--report", sweep.toString());
                assertEquals(0, report.exitCode(), report.err());
                assertTrue(report.out().contains("best: trial"), report.out());
                shown.addAll(List.of(report.out(), report.err()));
            } finally {
                System.clearProperty("org.postgresql.pgpassfile");
            }

            for (String output : shown) {
                assertFalse(output.contains(password), "the password was shown:\n" + output);
            }
            List<Path> files;
            try (var walk = Files.walk(sweep)) {
                files = walk.filter(Files::isRegularFile).toList();
            }
            assertTrue(files.size() > 10, files.toString());
            for (Path f : files) {
                String text = new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1);
                assertFalse(text.contains(password), f + " holds the password");
            }
            assertEquals(parsed.rendered, Files.readString(sweep.resolve(SweepDirectory.SPEC)));
            try (var db = java.sql.DriverManager.getConnection(pg.url);
                 var q = db.createStatement().executeQuery("SELECT spec FROM sweep")) {
                assertTrue(q.next());
                assertEquals(parsed.rendered, q.getString(1), "the store keeps the spec without the password");
            }
        }
    }

    private void killAndResume(String name, String store) throws Exception {
        Path spec = spec(name, base(4) + store
                + "space { \"train.learning-rate\" { grid = [0.01, 0.03, 0.1, 0.3] } }\n"
                + "scheduler.type = none\n"
                + "parallelism.trials-at-once = 2\n");
        String url = SweepSpec.load(spec.toFile()).store;
        Path firstLog = dir.resolve(name + "-killed.log");
        Process sweep = launch(spec, firstLog);
        List<Trial> before;
        List<TrialStore.Report> reportedBefore;
        Map<Integer, String> finishedMetrics = new HashMap<>();
        boolean sawSecondLaunchBowOut = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        try {
            while (true) {
                assertTrue(sweep.isAlive(), "the sweep ended before it could be killed:\n" + Files.readString(firstLog));
                assertTrue(System.nanoTime() < deadline, "no trial finished within 5 minutes:\n" + Files.readString(firstLog));
                if (Files.exists(dir.resolve(name).resolve("trials.db")) || !store.isEmpty()) {
                    try (TrialStore s = TrialStore.open(url)) {
                        before = s.trials(name);
                        reportedBefore = s.reports(name);
                    } catch (java.sql.SQLException notYet) {
                        Thread.sleep(200);
                        continue;
                    }
                    if (!sawSecondLaunchBowOut && before.stream().anyMatch(t -> t.state() == State.RUNNING)) {
                        // a second launch (cron firing again) while this one lives does nothing
                        Outcome second = CommandLineTest.run("sweep", "--spec", spec.toString());
                        assertEquals(0, second.exitCode(), second.err());
                        assertTrue(second.err().contains("is being run by"), second.err());
                        sawSecondLaunchBowOut = true;
                    }
                    Set<Integer> reporting = new HashSet<>();
                    reportedBefore.forEach(r -> reporting.add(r.trial()));
                    boolean oneDone = before.stream().anyMatch(t -> t.state() == State.COMPLETED);
                    boolean oneMidWay = before.stream().anyMatch(t -> t.state() == State.RUNNING && reporting.contains(t.id()));
                    if (oneDone && oneMidWay) {
                        break;
                    }
                }
                Thread.sleep(200);
            }
        } finally {
            sweep.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
            sweep.waitFor(30, TimeUnit.SECONDS);
        }
        // what the store held at the kill (read again: the process may have recorded more since)
        try (TrialStore s = TrialStore.open(url)) {
            before = s.trials(name);
            reportedBefore = s.reports(name);
        }
        for (Trial t : before) {
            if (t.state() == State.COMPLETED) {
                finishedMetrics.put(t.id(), Files.readString(Path.of(t.runDirectory(), "metrics.jsonl")));
            }
        }
        assertFalse(finishedMetrics.isEmpty());
        assertTrue(before.stream().anyMatch(t -> t.state() == State.RUNNING), "a trial was cut off mid-way");

        Outcome resumed = CommandLineTest.run("sweep", "--resume", dir.resolve(name).toString());
        assertEquals(0, resumed.exitCode(), resumed.err());
        List<Trial> after;
        List<TrialStore.Report> reportedAfter;
        try (TrialStore s = TrialStore.open(url)) {
            after = s.trials(name);
            reportedAfter = s.reports(name);
        }
        // no trial lost: all four completed all four epochs, each epoch recorded once
        assertEquals(4, after.size());
        for (Trial t : after) {
            assertEquals(State.COMPLETED, t.state(), "trial " + t.id() + ": " + t.error());
            assertEquals(List.of(1, 2, 3, 4), reportedAfter.stream().filter(r -> r.trial() == t.id())
                    .map(TrialStore.Report::epoch).toList(), "trial " + t.id());
            List<JsonNode> lines = metricsOf(Path.of(t.runDirectory()));
            assertEquals(List.of(1, 2, 3, 4), lines.stream().map(l -> l.get("epoch").asInt()).toList());
        }
        // none repeated: what was recorded before the kill is untouched, finished trials did not run again
        assertEquals(reportedBefore, reportedAfter.subList(0, reportedBefore.size()));
        for (Trial t : before) {
            if (t.state() == State.COMPLETED) {
                assertEquals(t, after.get(t.id()), "a finished trial is left as it was");
                assertEquals(finishedMetrics.get(t.id()), Files.readString(Path.of(t.runDirectory(), "metrics.jsonl")));
            }
        }
        Set<String> reported = new HashSet<>();
        reportedBefore.forEach(r -> reported.add(r.trial() + ":" + r.epoch()));
        Matcher trained = Pattern.compile("trial (\\d+): epoch (\\d+)/4: train loss").matcher(resumed.err());
        int epochsTrained = 0;
        while (trained.find()) {
            epochsTrained++;
            String key = trained.group(1) + ":" + trained.group(2);
            assertFalse(reported.contains(key), "epoch " + key + " was recorded before the kill and trained again");
        }
        assertTrue(epochsTrained > 0 && epochsTrained <= 16 - reportedBefore.size(), resumed.err());
        for (Trial t : before) {
            long done = reportedBefore.stream().filter(r -> r.trial() == t.id()).count();
            if (t.state() == State.RUNNING && done > 0) {
                assertTrue(resumed.err().contains("trial " + t.id() + " continues after epoch " + done), resumed.err());
            }
        }
    }

    /** {@code sweep --spec} in a JVM of its own (to be killed), its output in {@code log}. */
    private static Process launch(Path spec, Path log) throws java.io.IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g"));
        command.addAll(List.of(System.getProperty("spikekd.jvm.opens").split(" ")));
        command.addAll(List.of(System.getProperty("spikekd.jvm.nd4j").split(" ")));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), SpikeKd.class.getName(),
                "sweep", "--spec", spec.toString()));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    @Test
    void aSweepKilledAgainAndAgainAndRelaunchedLosesNoTrialAndTrainsNoEpochTwice() throws Exception {
        String name = "chaos";
        Path spec = spec(name, base(4)
                + "space { \"train.learning-rate\" { grid = [0.01, 0.03, 0.1, 0.3] } }\n"
                + "scheduler.type = none\nparallelism.trials-at-once = 2\n");
        String url = SweepSpec.load(spec.toFile()).store;
        // as cron would: launch again whenever the last launch is gone, until one finishes; kill
        // the first five launches at moments drawn from a seed, once they have recorded something new
        java.util.Random random = new java.util.Random(25);
        Set<String> recordedBefore = new HashSet<>();
        int kills = 0;
        int retrainedRecorded = 0;
        for (int launch = 1; ; launch++) {
            assertTrue(launch <= 12, "the sweep did not finish within 12 launches");
            Path log = dir.resolve(name + "-launch-" + launch + ".log");
            Set<String> recordedAtLaunch = reported(url, name);
            Process sweep = launch(spec, log);
            boolean killed = false;
            if (kills < 5) {
                long delay = random.nextInt(1000); // each killed launch records an epoch or a few
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
                // wait for something new to be recorded (progress), then the drawn delay, then SIGKILL
                while (sweep.isAlive() && reported(url, name).size() == recordedAtLaunch.size()
                        && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                if (!sweep.waitFor(delay, TimeUnit.MILLISECONDS)) {
                    sweep.destroyForcibly();
                    killed = true;
                    kills++;
                }
            }
            assertTrue(sweep.waitFor(10, TimeUnit.MINUTES), "launch " + launch + " did not end:\n" + Files.readString(log));
            // an epoch recorded before this launch began and trained again by it would be an epoch repeated
            Matcher trained = Pattern.compile("trial (\\d+): epoch (\\d+)/4: train loss").matcher(Files.readString(log));
            while (trained.find()) {
                if (recordedAtLaunch.contains(trained.group(1) + ":" + trained.group(2))) {
                    retrainedRecorded++;
                }
            }
            recordedBefore.addAll(recordedAtLaunch);
            if (!killed) {
                assertEquals(0, sweep.exitValue(), Files.readString(log));
                break;
            }
        }
        assertEquals(5, kills, "five launches killed");
        assertEquals(0, retrainedRecorded, "epochs recorded and then trained again");
        try (TrialStore store = TrialStore.open(url)) {
            List<Trial> trials = store.trials(name);
            List<TrialStore.Report> reports = store.reports(name);
            assertEquals(4, trials.size());
            for (Trial t : trials) {
                assertEquals(State.COMPLETED, t.state(), "trial " + t.id() + " lost: " + t.error());
                assertEquals(List.of(1, 2, 3, 4), reports.stream().filter(r -> r.trial() == t.id())
                        .map(TrialStore.Report::epoch).toList(), "trial " + t.id() + ": each epoch recorded once");
                assertEquals(List.of(1, 2, 3, 4), metricsOf(Path.of(t.runDirectory())).stream()
                        .map(l -> l.get("epoch").asInt()).toList(), "trial " + t.id() + "'s metrics.jsonl");
            }
        }
    }

    /** The trial:epoch pairs the store holds reports of (empty before the store exists). */
    private static Set<String> reported(String url, String sweep) {
        Set<String> out = new HashSet<>();
        try (TrialStore s = TrialStore.open(url)) {
            s.reports(sweep).forEach(r -> out.add(r.trial() + ":" + r.epoch()));
        } catch (java.sql.SQLException notYet) {
            // no store yet (the first launch is creating it)
        }
        return out;
    }

    /** Records the scheduler pool of every Spark job, and the scheduling mode (registered by spark.extraListeners). */
    public static final class PoolRecorder extends SparkListener {
        static final Set<String> POOLS = ConcurrentHashMap.newKeySet();
        static volatile String mode;

        @Override
        public void onJobStart(SparkListenerJobStart job) {
            String pool = job.properties() == null ? null : job.properties().getProperty("spark.scheduler.pool");
            POOLS.add(String.valueOf(pool));
        }

        @Override
        public void onEnvironmentUpdate(SparkListenerEnvironmentUpdate update) {
            scala.collection.Iterator<scala.Tuple2<String, String>> it = update.environmentDetails()
                    .apply("Spark Properties").iterator();
            while (it.hasNext()) {
                scala.Tuple2<String, String> p = it.next();
                if (p._1().equals("spark.scheduler.mode")) {
                    mode = p._2();
                }
            }
        }
    }

    @Test
    void aDataParallelSweepTrainsEachTrialOnTheDistributedPathInItsOwnFairPool() throws Exception {
        Path spec = spec("data", base(2).replace("\"train.optimizer=sgd\"", "\"train.optimizer=sgd\", \"spark.partitions=2\"")
                + "space { \"encoding.time-steps\" { grid = [1, 2] } }\n"
                + "scheduler.type = none\n"
                + "parallelism { mode = data, trials-at-once = 2 }\n");
        PoolRecorder.POOLS.clear();
        System.setProperty("spark.extraListeners", PoolRecorder.class.getName());
        Outcome run;
        try {
            run = CommandLineTest.run("sweep", "--spec", spec.toString());
        } finally {
            System.clearProperty("spark.extraListeners");
        }
        assertEquals(0, run.exitCode(), run.err());
        assertEquals("FAIR", PoolRecorder.mode);
        assertTrue(PoolRecorder.POOLS.containsAll(Set.of("trial-0", "trial-1")), PoolRecorder.POOLS.toString());
        try (TrialStore store = TrialStore.open(SweepSpec.load(spec.toFile()).store)) {
            for (Trial t : store.trials("data")) {
                assertEquals(State.COMPLETED, t.state());
                for (JsonNode epoch : metricsOf(Path.of(t.runDirectory()))) {
                    assertEquals(2, epoch.get("partitions").asInt(), "trained on 2 partitions, averaged");
                }
            }
        }
    }

    @Test
    void aBadSpecIsRefusedBeforeAnythingIsCreated() throws Exception {
        Path spec = spec("bad", base(2) + "space { \"train.learning-rate\" { uniform = [0.1, 0.01] } }\n");
        Outcome run = CommandLineTest.run("sweep", "--spec", spec.toString());
        assertEquals(1, run.exitCode());
        assertTrue(run.err().contains("space.train.learning-rate.uniform") && run.err().contains("empty range"), run.err());
        assertFalse(Files.exists(dir.resolve("bad")), "no sweep directory for a refused spec");
        Outcome missing = CommandLineTest.run("sweep", "--resume", dir.resolve("nowhere").toString());
        assertEquals(1, missing.exitCode());
        assertTrue(missing.err().contains("is not a sweep directory (no spec.conf)"), missing.err());
    }

    private static List<JsonNode> metricsOf(Path runDir) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
            if (!line.isBlank()) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    private static double number(Object v) {
        return ((Number) v).doubleValue();
    }
}
