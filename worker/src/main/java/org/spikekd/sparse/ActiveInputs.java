package org.spikekd.sparse;

/**
 * The non-zero inputs of one channels-last image, pixel by pixel: for pixel p, the entries
 * {@code start[p] .. start[p+1]-1} of {@code channel} and {@code value}. After spiking neurons
 * the values are 1 (and after average pooling of spikes, multiples of 1/k^2), and most entries are
 * 0: a convolution then needs the weights of only these (pixel, channel) pairs.
 *
 * <p>One instance is scratch space for one thread, reused image after image.
 */
final class ActiveInputs {
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

    /**
     * Lists the non-zero entries of {@code image} ([pixels, channels], row-major). Branch-free:
     * every entry is written at the next free slot, which moves on only past a non-zero one. (At
     * firing rates of 10-50% a branch per entry is mispredicted often; and the Vector API's
     * compare-to-bitmask, {@code VectorMask.toLong}, is not compiled to SIMD instructions by JDK
     * 17: measured on 64 images of 28x28x32 at 20%, 11 ms against 1.3 ms for this loop.)
     */
    void scan(float[] image, int pixels, int channels) {
        int k = 0;
        for (int p = 0; p < pixels; p++) {
            start[p] = k;
            if (channel.length - k < channels) {
                grow(k + channels);
            }
            int base = p * channels;
            for (int c = 0; c < channels; c++) {
                float v = image[base + c];
                channel[k] = c;
                value[k] = v;
                k += v != 0f ? 1 : 0;
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
