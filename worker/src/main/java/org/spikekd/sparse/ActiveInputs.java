package org.spikekd.sparse;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The non-zero inputs of one channels-last image, pixel by pixel: for pixel p, the entries
 * {@code start[p] .. start[p+1]-1} of {@code channel} and {@code value}. After spiking neurons
 * the values are 1 (and after average pooling of spikes, multiples of 1/k^2), and most entries are
 * 0: a convolution then needs the weights of only these (pixel, channel) pairs.
 *
 * <p>One instance is scratch space for one thread, reused image after image.
 */
final class ActiveInputs {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    final int[] start;
    int[] channel;
    float[] value;
    /** Non-zero entries of the image last {@link #scan}ned. */
    int count;

    ActiveInputs(int pixels, int channels) {
        start = new int[pixels + 1];
        // grown on demand: most images fire at a fraction of this
        int initial = Math.max(16, pixels * channels / 4);
        channel = new int[initial];
        value = new float[initial];
    }

    /** Lists the non-zero entries of {@code image} ([pixels, channels], row-major). */
    void scan(float[] image, int pixels, int channels) {
        int k = 0;
        int bound = SPECIES.loopBound(channels);
        for (int p = 0; p < pixels; p++) {
            start[p] = k;
            if (channel.length - k < channels) {
                grow(k + channels);
            }
            int base = p * channels;
            int c = 0;
            for (; c < bound; c += SPECIES.length()) {
                long mask = FloatVector.fromArray(SPECIES, image, base + c).compare(VectorOperators.NE, 0f).toLong();
                while (mask != 0) {
                    int bit = Long.numberOfTrailingZeros(mask);
                    channel[k] = c + bit;
                    value[k] = image[base + c + bit];
                    k++;
                    mask &= mask - 1;
                }
            }
            for (; c < channels; c++) {
                float v = image[base + c];
                if (v != 0f) {
                    channel[k] = c;
                    value[k] = v;
                    k++;
                }
            }
        }
        start[pixels] = k;
        count = k;
    }

    private void grow(int atLeast) {
        int size = Math.max(atLeast, channel.length * 2);
        channel = java.util.Arrays.copyOf(channel, size);
        value = java.util.Arrays.copyOf(value, size);
    }
}
