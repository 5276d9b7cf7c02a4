package org.spikekd.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Opening dataset files through Hadoop's FileSystem API, so that file://, hdfs:// and s3a:// (or a
 * plain local path) all work the same.
 */
public final class HadoopFiles {
    private HadoopFiles() {}

    public static Path path(String uri) {
        return new Path(URI.create(uri.replace(" ", "%20")));
    }

    public static FileSystem fileSystem(Path path) throws IOException {
        return path.getFileSystem(new Configuration());
    }

    /**
     * On a local disk the raw file system, without Hadoop's {@code .crc} side files; any other as it
     * is (HDFS checksums its blocks itself). For sharded datasets, whose manifest checksums every
     * shard, and for run and sweep directories, whose files are renamed into place by
     * {@link #replace} (a plain rename on a local disk, which would leave the side files behind).
     */
    public static FileSystem withoutSideChecksums(FileSystem fs) {
        return fs instanceof org.apache.hadoop.fs.ChecksumFileSystem
                ? ((org.apache.hadoop.fs.ChecksumFileSystem) fs).getRawFileSystem() : fs;
    }

    /**
     * How to name a path to a user and to {@link #path}: a plain absolute path for the local file
     * system, the full URI for any other.
     */
    public static String display(FileSystem fs, Path path) {
        Path q = fs.makeQualified(path);
        return "file".equals(q.toUri().getScheme()) ? q.toUri().getPath() : q.toString();
    }

    /**
     * Moves {@code tmp} onto {@code target}, replacing it: one atomic rename on HDFS and on a local
     * disk, so a reader sees the old file or the new one, never half of one.
     */
    public static void replace(FileSystem fs, Path tmp, Path target) throws IOException {
        if ("file".equals(fs.makeQualified(target).toUri().getScheme())) {
            java.nio.file.Files.move(java.nio.file.Paths.get(fs.makeQualified(tmp).toUri()),
                    java.nio.file.Paths.get(fs.makeQualified(target).toUri()),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } else {
            org.apache.hadoop.fs.FileContext.getFileContext(fs.getUri(), fs.getConf())
                    .rename(tmp, target, org.apache.hadoop.fs.Options.Rename.OVERWRITE);
        }
    }

    /**
     * Writes {@code content} to {@code target} under a hidden temporary name beside it, then
     * renames it into place ({@link #replace}): nothing half-written is ever visible.
     */
    public static void writeAtomically(FileSystem fs, Path target, byte[] content) throws IOException {
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp");
        try (java.io.OutputStream out = fs.create(tmp, true)) {
            out.write(content);
        }
        replace(fs, tmp, target);
    }

    /** The same for a file named by a local path or any Hadoop URI; its directory is made if missing. */
    public static void writeAtomically(String uri, byte[] content) throws IOException {
        Path target = path(uri);
        FileSystem fs = withoutSideChecksums(fileSystem(target));
        fs.mkdirs(target.getParent());
        writeAtomically(fs, target, content);
    }

    /** The bytes of a file named by a local path or any Hadoop URI. */
    public static byte[] readAll(String uri) throws IOException {
        Path file = path(uri);
        FileSystem fs = fileSystem(file);
        if (!fs.exists(file)) {
            throw new java.io.FileNotFoundException(uri + ": no such file");
        }
        try (InputStream in = fs.open(file)) {
            return in.readAllBytes();
        }
    }

    /** Opens a file, un-gzipping it if it starts with the gzip magic number. */
    public static InputStream openMaybeGzipped(Path path) throws IOException {
        InputStream raw = new BufferedInputStream(fileSystem(path).open(path), 1 << 16);
        raw.mark(2);
        int b1 = raw.read();
        int b2 = raw.read();
        raw.reset();
        if (b1 == 0x1f && b2 == 0x8b) {
            return new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16);
        }
        return raw;
    }

    /** Reads exactly {@code buffer.length} bytes, or fails naming the file. */
    public static void readFully(InputStream in, byte[] buffer, String file, String what) throws IOException {
        int off = 0;
        while (off < buffer.length) {
            int n;
            try {
                n = in.read(buffer, off, buffer.length - off);
            } catch (java.io.EOFException | java.util.zip.ZipException e) {
                throw new DatasetFormatException(file, "truncated or corrupt while reading " + what + ": " + e.getMessage());
            }
            if (n < 0) {
                throw new DatasetFormatException(file, "truncated: ended after " + off + " of the "
                        + buffer.length + " bytes of " + what);
            }
            off += n;
        }
    }

    /** True if the stream has no byte left. */
    public static boolean atEnd(InputStream in) throws IOException {
        try {
            return in.read() < 0;
        } catch (java.io.EOFException e) {
            return true;
        }
    }
}
