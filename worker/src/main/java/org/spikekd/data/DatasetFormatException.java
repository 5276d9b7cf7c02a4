package org.spikekd.data;

import java.io.IOException;

/** A dataset file that cannot be read as what it claims to be; the message names the file. */
public class DatasetFormatException extends IOException {
    public DatasetFormatException(String file, String problem) {
        super(file + ": " + problem);
    }
}
