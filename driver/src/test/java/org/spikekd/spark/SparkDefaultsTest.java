package org.spikekd.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.FileReader;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The JVM flags have one source, the parent pom (spikekd.jvm.opens, spikekd.jvm.nd4j; Surefire
 * passes them here): conf/spark-defaults.conf must give the driver and executors exactly those.
 */
class SparkDefaultsTest {
    @Test
    void sparkDefaultsCarryThePomsJvmFlags() throws Exception {
        String opens = System.getProperty("spikekd.jvm.opens");
        String nd4j = System.getProperty("spikekd.jvm.nd4j");
        assertNotNull(opens, "run through Maven (Surefire passes the pom's flags)");
        Properties conf = new Properties(); // spark-defaults.conf is a properties file
        try (FileReader in = new FileReader("../conf/spark-defaults.conf")) {
            conf.load(in);
        }
        String expected = (opens + " " + nd4j).trim();
        assertEquals(expected, conf.getProperty("spark.driver.extraJavaOptions").trim());
        assertEquals(expected, conf.getProperty("spark.executor.extraJavaOptions").trim());
    }
}
