package org.spikekd.data.source;

import java.util.List;
import org.spikekd.data.Augmentation;
import org.spikekd.settings.Checks;

/**
 * The dataset a job trains and evaluates on: the {@code data.*} settings, typed and checked (the
 * defaults are in reference.conf; config.JobSettings binds them).
 *
 * @param format data.format: one of {@link DatasetLoader#FORMATS}
 * @param path data.path: the dataset directory, a local path or a Hadoop URI
 * @param classes data.classes: class names, empty for the format's own
 * @param imageSize data.image-size: the side image folders are resized to
 * @param cifar100Fine data.cifar100-labels: fine (100 classes) or coarse (20)
 * @param trainLimit data.train-limit: the first N training examples, 0 = all
 * @param testLimit data.test-limit: the first N evaluation examples, 0 = all
 * @param evalSplit data.eval-split: test, or validation (sharded datasets only)
 * @param augmentation data.augment.*
 */
public record DataSettings(String format, String path, List<String> classes, int imageSize, boolean cifar100Fine,
                           int trainLimit, int testLimit, String evalSplit, Augmentation augmentation) {

    public DataSettings {
        DatasetLoader.checkFormat(format);
        classes = List.copyOf(classes);
        Checks.atLeast("data.image-size", imageSize, 8);
        Checks.atLeast("data.train-limit", trainLimit, 0);
        Checks.atLeast("data.test-limit", testLimit, 0);
        if (!evalSplit.equals("test") && !evalSplit.equals("validation")) {
            throw new IllegalArgumentException("data.eval-split must be test or validation, got '" + evalSplit + "'");
        }
        if (evalSplit.equals("validation") && !format.equals("shards")) {
            throw new IllegalArgumentException("data.eval-split: validation needs data.format = shards (a dataset "
                    + "ingested with --validation-fraction); " + format + " has no validation split");
        }
    }

    /** The reader of this dataset's splits. */
    public DatasetLoader loader() {
        return new DatasetLoader(format, path, classes, imageSize, cifar100Fine);
    }
}
