package org.spikekd.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Minibatches of a {@link LabeledImages}: images as floats in [0, 1], [B, C, H, W], and one-hot
 * labels [B, K]. Shuffled by a seed (one permutation per epoch, so a run is reproducible) and
 * augmented if asked. The last minibatch may be smaller.
 */
public final class Minibatches implements Iterator<Minibatches.Batch> {

    /** One minibatch. */
    public static final class Batch {
        public final INDArray features;
        public final INDArray labels;
        public final int[] classIndices;

        Batch(INDArray features, INDArray labels, int[] classIndices) {
            this.features = features;
            this.labels = labels;
            this.classIndices = classIndices;
        }

        public int size() {
            return classIndices.length;
        }
    }

    private final LabeledImages data;
    private final int batchSize;
    private final int[] order;
    private final Augmentation augmentation;
    private final Random random;
    private int next;

    /**
     * @param shuffleSeed null for the dataset's own order (evaluation), else the seed of this
     *     epoch's permutation and augmentation
     */
    public Minibatches(LabeledImages data, int batchSize, Long shuffleSeed, Augmentation augmentation) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        this.data = data;
        this.batchSize = batchSize;
        this.augmentation = augmentation;
        this.random = new Random(shuffleSeed == null ? 0 : shuffleSeed);
        this.order = new int[data.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        if (shuffleSeed != null) {
            for (int i = order.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
    }

    public int count() {
        return (data.size() + batchSize - 1) / batchSize;
    }

    /**
     * Passes over the next {@code n} minibatches without building them, drawing the same random
     * numbers their augmentation would, so that the batches after them are the ones a full pass
     * would give (averaging every k minibatches resumes an epoch part-way).
     */
    public void skip(int n) {
        float[] scratch = new float[data.imageSize()];
        for (int k = 0; k < n && hasNext(); k++) {
            int b = Math.min(batchSize, order.length - next);
            if (!augmentation.isNone()) {
                for (int i = 0; i < b; i++) {
                    augmentation.write(data, order[next + i], scratch, 0, random);
                }
            }
            next += b;
        }
    }

    @Override
    public boolean hasNext() {
        return next < order.length;
    }

    @Override
    public Batch next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        int b = Math.min(batchSize, order.length - next);
        int size = data.imageSize();
        float[] pixels = new float[b * size];
        float[] oneHot = new float[b * data.classes().size()];
        int[] classes = new int[b];
        for (int i = 0; i < b; i++) {
            int idx = order[next + i];
            augmentation.write(data, idx, pixels, i * size, random);
            classes[i] = data.label(idx);
            oneHot[i * data.classes().size() + classes[i]] = 1f;
        }
        next += b;
        INDArray features = Nd4j.create(pixels, new long[] {b, data.channels(), data.height(), data.width()}, 'c');
        INDArray labels = Nd4j.create(oneHot, new long[] {b, data.classes().size()}, 'c');
        return new Batch(features, labels, classes);
    }
}
