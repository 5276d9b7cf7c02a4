package org.spikekd.spark;

import java.util.Map;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spikekd.cpu.NativeBuild;

/**
 * Chooses ND4J's native build for each executor's own processor ({@link NativeBuild#select()}) when
 * the executor starts, before any task starts ND4J: executors may run on other kinds of machine than
 * the driver. {@link SparkContexts} installs it ({@code spark.plugins}).
 */
public final class NativeBuildPlugin implements SparkPlugin {
    private static final Logger LOG = LoggerFactory.getLogger(NativeBuildPlugin.class);

    @Override
    public DriverPlugin driverPlugin() {
        return null; // the driver chose in main (cli.SpikeKd), before it started ND4J
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return new ExecutorPlugin() {
            @Override
            public void init(PluginContext ctx, Map<String, String> extraConf) {
                LOG.info("executor {}: {}", ctx.executorID(), NativeBuild.select());
            }
        };
    }
}
