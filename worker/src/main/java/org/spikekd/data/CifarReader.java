package org.spikekd.data;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.Path;

/**
 * Reads CIFAR-10 and CIFAR-100 binary batches: records of label byte(s) then 3072 pixel bytes
 * (1024 red, 1024 green, 1024 blue; 32x32, row-major). CIFAR-100 records carry a coarse and a fine
 * label; {@code fineLabels} picks which.
 */
public final class CifarReader {
    private static final int IMAGE_BYTES = 3 * 32 * 32;

    private CifarReader() {}

    public static LabeledImages read(List<Path> batches, boolean cifar100, boolean fineLabels,
                                     List<String> classes) throws IOException {
        int labelBytes = cifar100 ? 2 : 1;
        int record = labelBytes + IMAGE_BYTES;
        java.io.ByteArrayOutputStream pixels = new java.io.ByteArrayOutputStream();
        List<Integer> labels = new ArrayList<>();
        for (Path batch : batches) {
            long length = HadoopFiles.fileSystem(batch).getFileStatus(batch).getLen();
            if (length == 0 || length % record != 0) {
                throw new DatasetFormatException(batch.toString(), "size " + length + " is not a whole number of "
                        + record + "-byte " + (cifar100 ? "CIFAR-100" : "CIFAR-10") + " records (truncated, or the other CIFAR?)");
            }
            byte[] buffer = new byte[record];
            try (InputStream in = HadoopFiles.fileSystem(batch).open(batch)) {
                for (long r = 0; r < length / record; r++) {
                    HadoopFiles.readFully(in, buffer, batch.toString(), "record " + r);
                    int label = buffer[cifar100 && fineLabels ? 1 : 0] & 0xff;
                    if (label >= classes.size()) {
                        throw new DatasetFormatException(batch.toString(), "label " + label + " of record " + r
                                + " is outside the " + classes.size() + " classes");
                    }
                    labels.add(label);
                    pixels.write(buffer, labelBytes, IMAGE_BYTES);
                }
            }
        }
        return new LabeledImages(pixels.toByteArray(), labels.stream().mapToInt(Integer::intValue).toArray(),
                3, 32, 32, classes);
    }
}
