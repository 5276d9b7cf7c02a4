package org.spikekd.cli;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spikekd config}: prints the resolved configuration after checking it. */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Check a job configuration and print it resolved (every key with its value).")
public final class ConfigCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE")
    File config;

    @Option(names = "--set", paramLabel = "KEY=VALUE")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() {
        JobConfig job = JobConfig.load(config, overrides);
        new JobSettings(job).validate();
        System.out.println(job.render());
        return 0;
    }
}
