package org.spikekd.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.spikekd.spark.ProjectScripts.BUILD;
import static org.spikekd.spark.ProjectScripts.freePort;
import static org.spikekd.spark.ProjectScripts.pids;
import static org.spikekd.spark.ProjectScripts.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/cluster start --link RATE}, which {@code bench scaling --link} measures on: each
 * worker in a network namespace of its own behind a rate-limited veth pair, registered with the
 * master across the bridge from its own address; {@code stop} leaves no namespace, bridge or
 * process behind. Needs root and iproute2 (as CI runs); skipped elsewhere.
 */
class ShapedLinkClusterIT {
    @Test
    void workersRunBehindShapedLinksAndStopCleansUp() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "network namespaces need root");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/ip")) && Files.isExecutable(Path.of("/usr/sbin/tc")), "needs iproute2");
        Path home = BUILD.resolve("it-link-cluster");
        Map<String, String> env = Map.of("SPIKEKD_CLUSTER_HOME", home.toString(),
                "SPIKEKD_MASTER_PORT", Integer.toString(freePort()), "SPIKEKD_UI_PORT", Integer.toString(freePort()));
        List<Integer> started = List.of();
        try {
            String out = run(env, 600, "deploy/cluster", "start", "--workers", "2", "--cores", "1", "--memory", "2g",
                    "--link", "200mbit");
            assertTrue(out.contains("spark://10.77.0.1:" + env.get("SPIKEKD_MASTER_PORT")), "the master on the bridge: " + out);
            started = pids(home);
            assertEquals(3, started.size(), "a master and two workers");
            String namespaces = run(Map.of(), 30, "/usr/sbin/ip", "netns", "list");
            assertTrue(namespaces.contains("spikekd-w1") && namespaces.contains("spikekd-w2"), namespaces);
            for (String ns : List.of("spikekd-w1", "spikekd-w2")) {
                String qdisc = run(Map.of(), 30, "/usr/sbin/tc", "-n", ns, "qdisc", "show", "dev", "eth0");
                assertTrue(qdisc.contains("tbf") && qdisc.contains("200Mbit"), ns + ": " + qdisc);
            }
            // each worker registered from its own namespace's address, across the shaped link
            String master = Files.readString(home.resolve("logs/master.log"));
            assertTrue(master.contains("Registering worker 10.77.0.2:") && master.contains("Registering worker 10.77.0.3:"),
                    "workers registered from 10.77.0.2 and 10.77.0.3");
        } finally {
            run(env, 120, "deploy/cluster", "stop");
        }
        for (int pid : started) {
            ProcessHandle.of(pid).filter(ProcessHandle::isAlive).ifPresent(p -> fail("process " + pid + " still running after stop"));
        }
        assertFalse(run(Map.of(), 30, "/usr/sbin/ip", "netns", "list").contains("spikekd-w"), "namespaces removed");
        assertFalse(run(Map.of(), 30, "/usr/sbin/ip", "link", "show").contains("skd0"), "bridge removed");
    }
}
