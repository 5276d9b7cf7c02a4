package org.spikekd.nir;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link NirGraph} as NIR's HDF5 file, the layout {@code nir.write} makes and
 * {@code nir.read} reads: a root {@code version} string and a {@code node} group holding the graph
 * ({@code type} = "NIRGraph", {@code nodes/<name>/<field>}, {@code edges} as pairs of names,
 * {@code metadata/<key>}). Through jHDF, HDF5 in plain Java.
 */
public final class NirFile {
    /** The NIR release whose primitives and file layout this writer follows. */
    public static final String NIR_VERSION = "1.0.7";

    private NirFile() {}

    /**
     * Writes {@code graph} to {@code out}: first under a temporary name beside it, then renamed, so
     * that a failed export leaves no half-written file (and an existing file stays as it was).
     */
    public static void write(NirGraph graph, Path out) throws IOException {
        Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + out.getFileName(), ".tmp");
        try {
            try (WritableHdfFile file = HdfFile.write(tmp)) {
                file.putDataset("version", NIR_VERSION);
                WritableGroup node = file.putGroup("node");
                node.putDataset("type", "NIRGraph");
                WritableGroup nodes = node.putGroup("nodes");
                for (Map.Entry<String, NirNode> e : graph.nodes().entrySet()) {
                    writeNode(nodes.putGroup(e.getKey()), e.getValue());
                }
                List<String[]> edges = graph.edges();
                node.putDataset("edges", edges.toArray(new String[0][]));
                writeMetadata(node, graph.metadata());
            }
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void writeNode(WritableGroup group, NirNode node) {
        group.putDataset("type", node.type());
        node.fields().forEach((name, value) -> group.putDataset(name, hdf5Value(value)));
        writeMetadata(group, node.metadata());
    }

    private static void writeMetadata(WritableGroup group, Map<String, Object> metadata) {
        if (metadata.isEmpty()) {
            return; // nir.write leaves an empty metadata out
        }
        WritableGroup m = group.putGroup("metadata");
        metadata.forEach(m::putDataset);
    }

    /** What jHDF writes for a field value: nested Java arrays for a tensor, the rest as they are. */
    private static Object hdf5Value(Object value) {
        if (value instanceof NirNode.Tensor t) {
            return nested(t.values, t.shape);
        }
        return value;
    }

    /** A row-major float array as a Java array nested to the tensor's rank (jHDF takes those). */
    static Object nested(float[] values, long[] shape) {
        if (shape.length == 0) {
            return values[0];
        }
        if (shape.length == 1) {
            return values.clone();
        }
        int[] dims = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            dims[i] = Math.toIntExact(shape[i]);
        }
        Object array = Array.newInstance(float.class, dims);
        fill(array, values, 0, dims, 0);
        return array;
    }

    private static int fill(Object array, float[] values, int offset, int[] dims, int depth) {
        if (depth == dims.length - 1) {
            System.arraycopy(values, offset, array, 0, dims[depth]);
            return offset + dims[depth];
        }
        for (int i = 0; i < dims[depth]; i++) {
            offset = fill(Array.get(array, i), values, offset, dims, depth + 1);
        }
        return offset;
    }
}
