package org.spikekd.bench.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.spikekd.run.RunDirectory;

/**
 * What a SpikeKD driver's Spark application is doing, read from its monitoring REST API
 * ({@code http://HOST:UI_PORT/api/v1}): which averaging round runs (its job description, "epoch E,
 * round r/N"), which executors run or ran its tasks, which executors are alive. Every read answers
 * empty while the driver is down or starting.
 */
public final class SparkApplicationWatch {
    private static final Pattern ROUND = Pattern.compile("epoch (\\d+), round (\\d+)/(\\d+)");

    /** A task of a round and the executor it runs on; {@code status} as Spark has it (RUNNING, SUCCESS, ...). */
    public record Task(long id, String executorId, String status) {}

    /** An averaging round: its place in the run, its Spark job's status and its tasks. */
    public record Round(int epoch, int round, int rounds, String jobStatus, List<Task> tasks) {
        /** The round's place in the whole run, from 1: (epoch - 1) x rounds + round. */
        public int index() {
            return (epoch - 1) * rounds + round;
        }

        public List<Task> tasks(String status) {
            return tasks.stream().filter(t -> t.status().equals(status)).toList();
        }
    }

    private final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private String applicationId;

    public SparkApplicationWatch(String host, int uiPort) {
        this.base = "http://" + host + ":" + uiPort + "/api/v1/applications";
    }

    /** Forgets the application: the next read finds the one now behind the port (a resumed driver's). */
    public void reset() {
        applicationId = null;
    }

    public Optional<String> applicationId() {
        if (applicationId == null) {
            get("").filter(apps -> apps.size() > 0).ifPresent(apps -> applicationId = apps.get(0).get("id").asText());
        }
        return Optional.ofNullable(applicationId);
    }

    /** The latest round whose job has started, with its tasks. */
    public Optional<Round> latestRound() {
        Optional<String> app = applicationId();
        if (app.isEmpty()) {
            return Optional.empty();
        }
        Optional<JsonNode> jobs = get("/" + app.get() + "/jobs");
        if (jobs.isEmpty()) {
            return Optional.empty();
        }
        JsonNode latest = null;
        Matcher m = null;
        for (JsonNode job : jobs.get()) {
            Matcher candidate = ROUND.matcher(job.path("description").asText(""));
            if (candidate.matches() && (latest == null || job.path("jobId").asInt() > latest.path("jobId").asInt())) {
                latest = job;
                m = candidate;
            }
        }
        if (latest == null) {
            return Optional.empty();
        }
        List<Task> tasks = new ArrayList<>();
        for (JsonNode stageId : latest.path("stageIds")) {
            Optional<JsonNode> attempts = get("/" + app.get() + "/stages/" + stageId.asInt() + "?details=true");
            if (attempts.isEmpty()) {
                return Optional.empty();
            }
            for (JsonNode attempt : attempts.get()) {
                attempt.path("tasks").forEach(t -> tasks.add(new Task(t.path("taskId").asLong(),
                        t.path("executorId").asText(), t.path("status").asText())));
            }
        }
        return Optional.of(new Round(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3)), latest.path("status").asText(), tasks));
    }

    /** The ids of the application's live executors (the driver left out). */
    public List<String> liveExecutors() {
        Optional<String> app = applicationId();
        List<String> out = new ArrayList<>();
        if (app.isPresent()) {
            get("/" + app.get() + "/executors").ifPresent(list -> list.forEach(e -> {
                if (!e.path("id").asText().equals("driver") && e.path("isActive").asBoolean(false)) {
                    out.add(e.path("id").asText());
                }
            }));
        }
        return out;
    }

    private Optional<JsonNode> get(String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? Optional.of(RunDirectory.JSON.readTree(r.body())) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // the driver is down, starting or stopping
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
