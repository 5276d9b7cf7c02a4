package org.spikekd.cli;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import org.spikekd.config.JobConfig;
import picocli.CommandLine.Option;

/** The options that name a job configuration: a HOCON file and key overrides (a picocli mixin). */
public final class JobOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "HOCON job file (see conf/).")
    File config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one configuration key; repeatable. `spikekd config` lists every key.")
    List<String> overrides = new ArrayList<>();

    /** The job file (or {@code fallback} when none was given) with the overrides and {@code more} applied. */
    JobConfig load(File fallback, String... more) {
        List<String> all = new ArrayList<>(overrides);
        all.addAll(List.of(more));
        return JobConfig.load(config != null ? config : fallback, all);
    }

    JobConfig load() {
        return load(null);
    }
}
