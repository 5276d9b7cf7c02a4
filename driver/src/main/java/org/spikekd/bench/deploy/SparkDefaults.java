package org.spikekd.bench.deploy;

import java.io.FileReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Properties;

/** The project's {@code conf/spark-defaults.conf}, which benchmarks that submit to a cluster start from. */
public final class SparkDefaults {
    private SparkDefaults() {}

    /** The settings of {@code conf/spark-defaults.conf} under the project directory {@code home}. */
    public static Properties load(Path home) throws IOException {
        Properties defaults = new Properties();
        try (FileReader in = new FileReader(home.resolve("conf/spark-defaults.conf").toFile())) {
            defaults.load(in);
        }
        return defaults;
    }
}
