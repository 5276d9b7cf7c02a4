package org.spikekd.bench.chaos;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.spikekd.bench.deploy.DeployScript;

/**
 * The HDFS {@code deploy/hdfs} starts (a NameNode and DataNodes, each its own process): its URI,
 * and each DataNode's process by the address it takes blocks at.
 */
public final class LocalHdfsDaemons implements AutoCloseable {
    private static final Pattern DATANODE = Pattern.compile("datanode-\\d+ pid (\\d+) (running|dead) data (\\S+)");
    private final DeployScript script;
    public final String uri;

    private LocalHdfsDaemons(DeployScript script, String uri) {
        this.script = script;
        this.uri = uri;
    }

    public static LocalHdfsDaemons start(DeployScript script, int datanodes, int replication) throws IOException {
        String out = script.run("start", "--datanodes", Integer.toString(datanodes), "--replication",
                Integer.toString(replication)).strip();
        if (!out.startsWith("hdfs://")) {
            throw new IOException("deploy/hdfs start printed no file system URI: " + out);
        }
        return new LocalHdfsDaemons(script, out.lines().reduce((a, b) -> b).orElseThrow());
    }

    /** Each DataNode's data transfer address (host:port, as block locations name it) and its process id. */
    public Map<String, Long> datanodes() throws IOException {
        Map<String, Long> out = new LinkedHashMap<>();
        Matcher m = DATANODE.matcher(script.run("status"));
        while (m.find()) {
            if (m.group(2).equals("running")) {
                out.put(m.group(3), Long.parseLong(m.group(1)));
            }
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        script.run("stop");
    }
}
