package org.spikekd.data.shards;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.parquet.io.DelegatingPositionOutputStream;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.apache.parquet.io.SeekableInputStream;

/**
 * A Parquet file held in memory. A shard is written here first so that its size and checksum are
 * known before a byte reaches the file system, and read from here after its bytes were fetched once
 * and checked: each shard crosses the network once, not once for the checksum and again for Parquet.
 */
final class InMemoryFile {
    private InMemoryFile() {}

    /** An empty file to write one Parquet file into; {@link Output#bytes()} after the writer closes. */
    static final class Output implements OutputFile {
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(1 << 20);

        byte[] bytes() {
            return buffer.toByteArray();
        }

        @Override
        public PositionOutputStream create(long blockSizeHint) {
            return new DelegatingPositionOutputStream(buffer) {
                @Override
                public long getPos() {
                    return buffer.size();
                }
            };
        }

        @Override
        public PositionOutputStream createOrOverwrite(long blockSizeHint) {
            buffer.reset();
            return create(blockSizeHint);
        }

        @Override
        public boolean supportsBlockSize() {
            return false;
        }

        @Override
        public long defaultBlockSize() {
            return 0;
        }
    }

    /** A Parquet file's bytes, readable by {@code ParquetFileReader}. */
    static InputFile input(byte[] bytes) {
        return new InputFile() {
            @Override
            public long getLength() {
                return bytes.length;
            }

            @Override
            public SeekableInputStream newStream() {
                return new Seekable(bytes);
            }
        };
    }

    private static final class Seekable extends DelegatingSeekableInputStream {
        private final Stream stream;

        Seekable(byte[] bytes) {
            this(new Stream(bytes));
        }

        private Seekable(Stream stream) {
            super(stream);
            this.stream = stream;
        }

        @Override
        public long getPos() {
            return stream.position();
        }

        @Override
        public void seek(long newPos) throws IOException {
            if (newPos < 0 || newPos > stream.length()) {
                throw new IOException("seek to " + newPos + " outside a file of " + stream.length() + " bytes");
            }
            stream.moveTo((int) newPos);
        }
    }

    /** A byte array stream whose position can be read and set. */
    private static final class Stream extends ByteArrayInputStream {
        Stream(byte[] bytes) {
            super(bytes);
        }

        int position() {
            return pos;
        }

        int length() {
            return count;
        }

        void moveTo(int position) {
            pos = position;
        }
    }
}
