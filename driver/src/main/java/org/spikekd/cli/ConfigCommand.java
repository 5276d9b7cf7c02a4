package org.spikekd.cli;

import java.util.concurrent.Callable;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code spikekd config}: prints the resolved configuration after checking it. */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Check a job configuration and print it resolved (every key with its value).")
public final class ConfigCommand implements Callable<Integer> {
    @Mixin
    JobOptions job;

    @Override
    public Integer call() {
        JobConfig config = job.load();
        new JobSettings(config);
        System.out.println(config.render());
        return 0;
    }
}
