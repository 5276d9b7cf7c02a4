package org.spikekd.data;

import java.io.Serializable;
import java.util.Random;

/**
 * Training-time augmentation of images: a random crop after zero-padding each side by
 * {@code cropPadding} pixels (the CIFAR convention), and a random horizontal flip.
 */
public final class Augmentation implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final Augmentation NONE = new Augmentation(0, false);

    private final int cropPadding;
    private final boolean horizontalFlip;

    public Augmentation(int cropPadding, boolean horizontalFlip) {
        if (cropPadding < 0) {
            throw new IllegalArgumentException("data.augment.random-crop-padding must be >= 0, got " + cropPadding);
        }
        this.cropPadding = cropPadding;
        this.horizontalFlip = horizontalFlip;
    }

    public boolean isNone() {
        return cropPadding == 0 && !horizontalFlip;
    }

    /**
     * Writes image {@code index} of {@code images}, scaled to [0, 1] and augmented, into {@code out}
     * at {@code offset} (channel-major, like the source).
     */
    void write(LabeledImages images, int index, float[] out, int offset, Random random) {
        int c = images.channels();
        int h = images.height();
        int w = images.width();
        byte[] px = images.pixels();
        int base = index * images.imageSize();
        int dy = cropPadding == 0 ? 0 : random.nextInt(2 * cropPadding + 1) - cropPadding;
        int dx = cropPadding == 0 ? 0 : random.nextInt(2 * cropPadding + 1) - cropPadding;
        boolean flip = horizontalFlip && random.nextBoolean();
        for (int ch = 0; ch < c; ch++) {
            int plane = base + ch * h * w;
            int outPlane = offset + ch * h * w;
            for (int y = 0; y < h; y++) {
                int sy = y + dy;
                for (int x = 0; x < w; x++) {
                    int sx = (flip ? w - 1 - x : x) + dx;
                    float v = 0f;
                    if (sy >= 0 && sy < h && sx >= 0 && sx < w) {
                        v = (px[plane + sy * w + sx] & 0xff) / 255f;
                    }
                    out[outPlane + y * w + x] = v;
                }
            }
        }
    }
}
