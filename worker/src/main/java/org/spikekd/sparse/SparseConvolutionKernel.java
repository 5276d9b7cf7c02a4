package org.spikekd.sparse;

import java.nio.FloatBuffer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.spikekd.cpu.ThreadBudget;

/**
 * A convolution whose cost follows the share of non-zero inputs: the forward pass and the weight
 * gradient of a channels-last convolution as sums over the active (non-zero) inputs only.
 *
 * <p>After spiking neurons a convolution's input is 0 or 1 and mostly 0. An output pixel is then
 * the sum, over the kernel's taps and the channels active at each tapped input pixel, of one weight
 * row of C_out values (times the input, 1 for a spike): a gather-accumulate whose work is the
 * firing rate times the dense convolution's. The weight gradient is the mirror image: each active
 * input adds the output gradient's row at each pixel it reaches into its weight row. Both run
 * image by image on {@link ActiveInputs}' lists, the weights rearranged as [tap, C_in, C_out] so
 * that a row is contiguous, C_out held in SIMD registers (Vector API) in chunks of up to eight
 * vectors. (Perez-Nieves and Goodman, NeurIPS 2021, exploit the same sparsity in the backward pass
 * on a GPU.)
 *
 * <p>The batch is cut into {@value #PIECES} pieces of consecutive images whatever the thread
 * budget; a piece's weight gradient is its own partial sum, and the partial sums are added in piece
 * order, so results do not depend on the number of threads. Float data, dense row-major arrays.
 */
public final class SparseConvolutionKernel {
    private SparseConvolutionKernel() {}

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();
    /** Pieces of the batch, independent of the thread budget (see the class comment). */
    static final int PIECES = 16;

    /** C_out rounded up to whole vectors: the stride of rows in the kernel's scratch arrays. */
    static int padded(int channels) {
        return (channels + L - 1) / L * L;
    }

    /**
     * out = conv(input, weights) + bias.
     *
     * @param input   [N, H, W, C_in]
     * @param weights [C_out, C_in, K_h, K_w] (DL4J's layout)
     * @param bias    [C_out] or null
     * @param output  [N, H_out, W_out, C_out], overwritten
     * @return the share of the input's entries that are non-zero
     */
    public static double forward(ConvolutionGeometry g, INDArray input, INDArray weights, INDArray bias,
                                 INDArray output) {
        int cPad = padded(g.outChannels());
        float[] w = rows(g, weights, cPad);
        float[] b = new float[cPad];
        if (bias != null) {
            bias.data().asNioFloat().get((int) bias.offset(), b, 0, g.outChannels());
        }
        FloatBuffer in = buffer(input);
        FloatBuffer out = buffer(output);
        long[] active = new long[PIECES];
        forEachPiece(g.images(), (piece, from, to) -> {
            Scratch s = Scratch.take(g, cPad);
            try {
                for (int n = from; n < to; n++) {
                    readImage(in, n, g.inPixels() * g.inChannels(), s.image);
                    s.active.scan(s.image, g.inPixels(), g.inChannels());
                    active[piece] += s.active.count;
                    Rows.fill(s.out, g.outPixels(), b, cPad);
                    Forward.image(g, s.active, w, s.out, cPad);
                    writeRows(out, n, s.out, g.outPixels(), g.outChannels(), cPad);
                }
            } finally {
                s.giveBack();
            }
        });
        return share(active, g);
    }

    /**
     * The gradients of the loss with respect to the weights (and bias) from those with respect to
     * the output.
     *
     * @param input              [N, H, W, C_in], as in the forward pass
     * @param outputGradient     [N, H_out, W_out, C_out]
     * @param weightGradient     [C_out, C_in, K_h, K_w], overwritten
     * @param biasGradient       [C_out] or null, overwritten
     * @return the share of the input's entries that are non-zero
     */
    public static double weightGradient(ConvolutionGeometry g, INDArray input, INDArray outputGradient,
                                        INDArray weightGradient, INDArray biasGradient) {
        int cPad = padded(g.outChannels());
        int taps = g.kernelHeight() * g.kernelWidth();
        int rows = taps * g.inChannels();
        FloatBuffer in = buffer(input);
        FloatBuffer gradOut = buffer(outputGradient);
        long[] active = new long[PIECES];
        float[][] partialW = new float[PIECES][];
        float[][] partialB = new float[PIECES][];
        boolean byChannel = g.unitStrideAndDilation();
        Margins margins = new Margins(g);
        forEachPiece(g.images(), (piece, from, to) -> {
            Scratch s = Scratch.take(g, cPad);
            try {
                float[] dw = new float[rows * cPad]; // this piece's partial sum, kept until the pieces are added
                float[] db = new float[cPad];
                ChannelLists lists = byChannel ? s.channelLists() : null;
                float[] margined = byChannel ? s.margined(margins.height * margins.width * cPad) : null;
                float[] span = byChannel ? s.span(g.kernelWidth() * cPad) : null;
                for (int n = from; n < to; n++) {
                    readImage(in, n, g.inPixels() * g.inChannels(), s.image);
                    readRows(gradOut, n, s.out, g.outPixels(), g.outChannels(), cPad);
                    if (byChannel) {
                        lists.scan(s.image, g, margins);
                        active[piece] += lists.total();
                        margins.fill(s.out, g, cPad, margined);
                        WeightGradientByChannel.image(g, lists, margins, margined, span, dw, cPad);
                    } else {
                        s.active.scan(s.image, g.inPixels(), g.inChannels());
                        active[piece] += s.active.count;
                        WeightGradientScatter.image(g, s.active, s.out, dw, cPad);
                    }
                    if (biasGradient != null) {
                        Rows.sum(s.out, g.outPixels(), cPad, db);
                    }
                }
                partialW[piece] = dw;
                partialB[piece] = db;
            } finally {
                s.giveBack();
            }
        });
        float[] dw = sumInOrder(partialW);
        writeWeights(g, dw, cPad, weightGradient);
        if (biasGradient != null) {
            float[] db = sumInOrder(partialB);
            biasGradient.data().asNioFloat().put((int) biasGradient.offset(), db, 0, g.outChannels());
        }
        return share(active, g);
    }

    /**
     * The forward pass gathers: each output pixel's row starts as the bias, and at each kernel tap
     * adds {@code value} times the tap's weight row for every channel active at the tapped input
     * pixel. The row is carried in registers only through the innermost loop over one input
     * pixel's active channels, {@link Rows#gather4} and its siblings: vectors carried through
     * longer loops, or chosen by branches, are kept on the heap by the JIT, several times slower
     * (measured: 0.7 against 2.5 ns per vector multiply-add for a row scattered to memory).
     */
    private static final class Forward {
        static void image(ConvolutionGeometry g, ActiveInputs a, float[] w, float[] out, int cPad) {
            int cIn = g.inChannels();
            for (int oy = 0; oy < g.outHeight(); oy++) {
                for (int ox = 0; ox < g.outWidth(); ox++) {
                    int o = (oy * g.outWidth() + ox) * cPad;
                    for (int ky = 0; ky < g.kernelHeight(); ky++) {
                        int iy = oy * g.strideY() - g.padTop() + ky * g.dilationY();
                        if (iy < 0 || iy >= g.height()) {
                            continue;
                        }
                        for (int kx = 0; kx < g.kernelWidth(); kx++) {
                            int ix = ox * g.strideX() - g.padLeft() + kx * g.dilationX();
                            if (ix < 0 || ix >= g.width()) {
                                continue;
                            }
                            int p = iy * g.width() + ix;
                            int first = a.start[p];
                            int end = a.start[p + 1];
                            if (first < end) {
                                Rows.gather(a.channel, a.value, first, end, w, (ky * g.kernelWidth() + kx) * cIn,
                                        cPad, cPad, out, o);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * The weight gradient of a stride-1 convolution gathers too, channel by channel: the row of
     * weight (tap, c) adds {@code value} times the output gradient's row at every pixel the tap
     * connects an active input of channel c to. The output gradient is copied into a zero-margined
     * grid first, so that the pixel is the input's position minus a constant per tap, with no
     * bounds to test in the inner loop; and the taps of one kernel row read adjacent pixels, so
     * they are gathered together as one span of K_w rows (more vectors per active input, which is
     * what the loop's cost is spread over).
     */
    private static final class WeightGradientByChannel {
        static void image(ConvolutionGeometry g, ChannelLists byChannel, Margins m, float[] gradOutMargined,
                          float[] span, float[] dw, int cPad) {
            int cIn = g.inChannels();
            int kw = g.kernelWidth();
            int spanLength = kw * cPad;
            for (int c = 0; c < cIn; c++) {
                int first = c * byChannel.capacity;
                int end = first + byChannel.count[c];
                if (first == end) {
                    continue;
                }
                for (int ky = 0; ky < g.kernelHeight(); ky++) {
                    // taps kx = K_w-1 .. 0 read pixels at position - ky W - kx: one span of K_w rows
                    java.util.Arrays.fill(span, 0, spanLength, 0f);
                    Rows.gather(byChannel.position, byChannel.value, first, end, gradOutMargined,
                            -(ky * m.width + kw - 1), cPad, spanLength, span, 0);
                    for (int kx = 0; kx < kw; kx++) {
                        Rows.add(span, (kw - 1 - kx) * cPad, dw, ((ky * kw + kx) * cIn + c) * cPad, cPad);
                    }
                }
            }
        }
    }

    /** The output grid with zero margins around it, for {@link WeightGradientByChannel}. */
    private static final class Margins {
        final int top;
        final int left;
        final int height;
        final int width;

        Margins(ConvolutionGeometry g) {
            // input row iy reaches output rows iy + padTop - ky for ky = 0 .. K-1
            top = Math.max(0, g.kernelHeight() - 1 - g.padTop());
            left = Math.max(0, g.kernelWidth() - 1 - g.padLeft());
            int bottom = Math.max(0, g.height() - 1 + g.padTop() - (g.outHeight() - 1));
            int right = Math.max(0, g.width() - 1 + g.padLeft() - (g.outWidth() - 1));
            height = top + g.outHeight() + bottom;
            width = left + g.outWidth() + right;
        }

        /** The output gradient's rows (stride cPad) into the margined grid, margins zero. */
        void fill(float[] rows, ConvolutionGeometry g, int cPad, float[] margined) {
            java.util.Arrays.fill(margined, 0, height * width * cPad, 0f);
            for (int oy = 0; oy < g.outHeight(); oy++) {
                System.arraycopy(rows, oy * g.outWidth() * cPad, margined, ((oy + top) * width + left) * cPad,
                        g.outWidth() * cPad);
            }
        }
    }

    /**
     * One image's active inputs listed channel by channel, as positions in the margined output grid
     * (of the pixel tap (0, 0) reaches), with their values: channel c's list is entries
     * {@code c * capacity ..} of {@code position} and {@code value}, {@code count[c]} long. A
     * thread's lists serve every image of up to {@code capacity} pixels and {@code count.length}
     * channels (the counts of channels an image does not have stay 0).
     */
    private static final class ChannelLists {
        final int capacity;
        final int[] count;
        final int[] position;
        final float[] value;

        ChannelLists(int channels, int pixels) {
            capacity = pixels;
            count = new int[channels];
            position = new int[channels * pixels];
            value = new float[channels * pixels];
        }

        /**
         * Lists the non-zero entries of {@code image} ([pixels, C_in], row-major). Branch-free, as
         * {@link ActiveInputs#scan} is: every entry is written at its channel's next free slot,
         * and the count moves past it only when the entry is non-zero.
         */
        void scan(float[] image, ConvolutionGeometry g, Margins m) {
            int cIn = g.inChannels();
            java.util.Arrays.fill(count, 0);
            for (int iy = 0; iy < g.height(); iy++) {
                for (int ix = 0; ix < g.width(); ix++) {
                    int base = (iy * g.width() + ix) * cIn;
                    int at = (iy + g.padTop() + m.top) * m.width + ix + g.padLeft() + m.left;
                    for (int c = 0; c < cIn; c++) {
                        float v = image[base + c];
                        // within channel c's block: the count is below the pixels scanned so far
                        int k = c * capacity + count[c];
                        position[k] = at;
                        value[k] = v;
                        count[c] += v != 0f ? 1 : 0;
                    }
                }
            }
        }

        long total() {
            long t = 0;
            for (int c : count) {
                t += c;
            }
            return t;
        }
    }

    /**
     * The general weight gradient (any stride or dilation): every active input adds the output
     * gradient's row at each pixel a tap connects it to into that tap's weight row, a row
     * scattered to memory at a time (slower than {@link WeightGradientByChannel}, see
     * {@link Forward}).
     */
    private static final class WeightGradientScatter {
        static void image(ConvolutionGeometry g, ActiveInputs a, float[] gradOut, float[] dw, int cPad) {
            int cIn = g.inChannels();
            for (int iy = 0; iy < g.height(); iy++) {
                for (int ix = 0; ix < g.width(); ix++) {
                    int p = iy * g.width() + ix;
                    for (int ky = 0; ky < g.kernelHeight(); ky++) {
                        int oy = iy + g.padTop() - ky * g.dilationY();
                        if (oy < 0 || oy % g.strideY() != 0 || (oy /= g.strideY()) >= g.outHeight()) {
                            continue;
                        }
                        for (int kx = 0; kx < g.kernelWidth(); kx++) {
                            int ox = ix + g.padLeft() - kx * g.dilationX();
                            if (ox < 0 || ox % g.strideX() != 0 || (ox /= g.strideX()) >= g.outWidth()) {
                                continue;
                            }
                            int pixelRow = (oy * g.outWidth() + ox) * cPad;
                            int tapRow = (ky * g.kernelWidth() + kx) * cIn;
                            for (int j = a.start[p]; j < a.start[p + 1]; j++) {
                                Rows.addScaled(gradOut, pixelRow, a.value[j], dw, (tapRow + a.channel[j]) * cPad, cPad);
                            }
                        }
                    }
                }
            }
        }
    }

    /** Row arithmetic in SIMD; rows are whole vectors long. */
    private static final class Rows {
        /**
         * {@code length} floats at {@code to[at]} += the sum over j in [first, end) of value[j]
         * times the {@code length} floats at {@code from[(base + index[j]) * stride]} (a weight
         * row, or a span of pixels of the margined output grid), carried in registers up to
         * eight vectors at a time.
         */
        static void gather(int[] index, float[] value, int first, int end, float[] from, int base, int stride,
                           int length, float[] to, int at) {
            for (int c = 0; c < length; ) {
                int left = (length - c) / L;
                if (left >= 8) {
                    gather8(index, value, first, end, from, base, stride, c, to, at + c);
                    c += 8 * L;
                } else if (left >= 6) {
                    gather6(index, value, first, end, from, base, stride, c, to, at + c);
                    c += 6 * L;
                } else if (left >= 4) {
                    gather4(index, value, first, end, from, base, stride, c, to, at + c);
                    c += 4 * L;
                } else if (left >= 2) {
                    gather2(index, value, first, end, from, base, stride, c, to, at + c);
                    c += 2 * L;
                } else {
                    gather1(index, value, first, end, from, base, stride, c, to, at + c);
                    c += L;
                }
            }
        }

        private static void gather8(int[] index, float[] value, int first, int end, float[] from, int base, int cPad,
                                    int c, float[] to, int at) {
            FloatVector a0 = FloatVector.fromArray(SPECIES, to, at);
            FloatVector a1 = FloatVector.fromArray(SPECIES, to, at + L);
            FloatVector a2 = FloatVector.fromArray(SPECIES, to, at + 2 * L);
            FloatVector a3 = FloatVector.fromArray(SPECIES, to, at + 3 * L);
            FloatVector a4 = FloatVector.fromArray(SPECIES, to, at + 4 * L);
            FloatVector a5 = FloatVector.fromArray(SPECIES, to, at + 5 * L);
            FloatVector a6 = FloatVector.fromArray(SPECIES, to, at + 6 * L);
            FloatVector a7 = FloatVector.fromArray(SPECIES, to, at + 7 * L);
            for (int j = first; j < end; j++) {
                int row = (base + index[j]) * cPad + c;
                FloatVector v = FloatVector.broadcast(SPECIES, value[j]);
                a0 = FloatVector.fromArray(SPECIES, from, row).fma(v, a0);
                a1 = FloatVector.fromArray(SPECIES, from, row + L).fma(v, a1);
                a2 = FloatVector.fromArray(SPECIES, from, row + 2 * L).fma(v, a2);
                a3 = FloatVector.fromArray(SPECIES, from, row + 3 * L).fma(v, a3);
                a4 = FloatVector.fromArray(SPECIES, from, row + 4 * L).fma(v, a4);
                a5 = FloatVector.fromArray(SPECIES, from, row + 5 * L).fma(v, a5);
                a6 = FloatVector.fromArray(SPECIES, from, row + 6 * L).fma(v, a6);
                a7 = FloatVector.fromArray(SPECIES, from, row + 7 * L).fma(v, a7);
            }
            a0.intoArray(to, at);
            a1.intoArray(to, at + L);
            a2.intoArray(to, at + 2 * L);
            a3.intoArray(to, at + 3 * L);
            a4.intoArray(to, at + 4 * L);
            a5.intoArray(to, at + 5 * L);
            a6.intoArray(to, at + 6 * L);
            a7.intoArray(to, at + 7 * L);
        }

        private static void gather6(int[] index, float[] value, int first, int end, float[] from, int base, int cPad,
                                    int c, float[] to, int at) {
            FloatVector a0 = FloatVector.fromArray(SPECIES, to, at);
            FloatVector a1 = FloatVector.fromArray(SPECIES, to, at + L);
            FloatVector a2 = FloatVector.fromArray(SPECIES, to, at + 2 * L);
            FloatVector a3 = FloatVector.fromArray(SPECIES, to, at + 3 * L);
            FloatVector a4 = FloatVector.fromArray(SPECIES, to, at + 4 * L);
            FloatVector a5 = FloatVector.fromArray(SPECIES, to, at + 5 * L);
            for (int j = first; j < end; j++) {
                int row = (base + index[j]) * cPad + c;
                FloatVector v = FloatVector.broadcast(SPECIES, value[j]);
                a0 = FloatVector.fromArray(SPECIES, from, row).fma(v, a0);
                a1 = FloatVector.fromArray(SPECIES, from, row + L).fma(v, a1);
                a2 = FloatVector.fromArray(SPECIES, from, row + 2 * L).fma(v, a2);
                a3 = FloatVector.fromArray(SPECIES, from, row + 3 * L).fma(v, a3);
                a4 = FloatVector.fromArray(SPECIES, from, row + 4 * L).fma(v, a4);
                a5 = FloatVector.fromArray(SPECIES, from, row + 5 * L).fma(v, a5);
            }
            a0.intoArray(to, at);
            a1.intoArray(to, at + L);
            a2.intoArray(to, at + 2 * L);
            a3.intoArray(to, at + 3 * L);
            a4.intoArray(to, at + 4 * L);
            a5.intoArray(to, at + 5 * L);
        }

        /** to[at ..] += from[row ..], over {@code length} floats. */
        static void add(float[] from, int row, float[] to, int at, int length) {
            for (int c = 0; c < length; c += L) {
                FloatVector.fromArray(SPECIES, from, row + c).add(FloatVector.fromArray(SPECIES, to, at + c))
                        .intoArray(to, at + c);
            }
        }

        private static void gather4(int[] index, float[] value, int first, int end, float[] from, int base, int cPad,
                                    int c, float[] to, int at) {
            FloatVector a0 = FloatVector.fromArray(SPECIES, to, at);
            FloatVector a1 = FloatVector.fromArray(SPECIES, to, at + L);
            FloatVector a2 = FloatVector.fromArray(SPECIES, to, at + 2 * L);
            FloatVector a3 = FloatVector.fromArray(SPECIES, to, at + 3 * L);
            for (int j = first; j < end; j++) {
                int row = (base + index[j]) * cPad + c;
                FloatVector v = FloatVector.broadcast(SPECIES, value[j]);
                a0 = FloatVector.fromArray(SPECIES, from, row).fma(v, a0);
                a1 = FloatVector.fromArray(SPECIES, from, row + L).fma(v, a1);
                a2 = FloatVector.fromArray(SPECIES, from, row + 2 * L).fma(v, a2);
                a3 = FloatVector.fromArray(SPECIES, from, row + 3 * L).fma(v, a3);
            }
            a0.intoArray(to, at);
            a1.intoArray(to, at + L);
            a2.intoArray(to, at + 2 * L);
            a3.intoArray(to, at + 3 * L);
        }

        private static void gather2(int[] index, float[] value, int first, int end, float[] from, int base, int cPad,
                                    int c, float[] to, int at) {
            FloatVector a0 = FloatVector.fromArray(SPECIES, to, at);
            FloatVector a1 = FloatVector.fromArray(SPECIES, to, at + L);
            for (int j = first; j < end; j++) {
                int row = (base + index[j]) * cPad + c;
                FloatVector v = FloatVector.broadcast(SPECIES, value[j]);
                a0 = FloatVector.fromArray(SPECIES, from, row).fma(v, a0);
                a1 = FloatVector.fromArray(SPECIES, from, row + L).fma(v, a1);
            }
            a0.intoArray(to, at);
            a1.intoArray(to, at + L);
        }

        private static void gather1(int[] index, float[] value, int first, int end, float[] from, int base, int cPad,
                                    int c, float[] to, int at) {
            FloatVector a0 = FloatVector.fromArray(SPECIES, to, at);
            for (int j = first; j < end; j++) {
                a0 = FloatVector.fromArray(SPECIES, from, (base + index[j]) * cPad + c)
                        .fma(FloatVector.broadcast(SPECIES, value[j]), a0);
            }
            a0.intoArray(to, at);
        }

        /** to[at ..] += scale from[row ..], over {@code length} floats. */
        static void addScaled(float[] from, int row, float scale, float[] to, int at, int length) {
            FloatVector s = FloatVector.broadcast(SPECIES, scale);
            if (length == 2 * L) {
                FloatVector.fromArray(SPECIES, from, row).fma(s, FloatVector.fromArray(SPECIES, to, at)).intoArray(to, at);
                FloatVector.fromArray(SPECIES, from, row + L).fma(s, FloatVector.fromArray(SPECIES, to, at + L))
                        .intoArray(to, at + L);
                return;
            }
            for (int c = 0; c < length; c += L) {
                FloatVector.fromArray(SPECIES, from, row + c).fma(s, FloatVector.fromArray(SPECIES, to, at + c))
                        .intoArray(to, at + c);
            }
        }

        /** Every row of {@code rows} (pixels of length cPad) set to {@code value}. */
        static void fill(float[] rows, int pixels, float[] value, int cPad) {
            for (int p = 0; p < pixels; p++) {
                System.arraycopy(value, 0, rows, p * cPad, cPad);
            }
        }

        /** sum += the sum of the image's output-gradient rows. */
        static void sum(float[] rows, int pixels, int cPad, float[] sum) {
            for (int co = 0; co < cPad; co += L) {
                FloatVector acc = FloatVector.fromArray(SPECIES, sum, co);
                for (int p = 0; p < pixels; p++) {
                    acc = acc.add(FloatVector.fromArray(SPECIES, rows, p * cPad + co));
                }
                acc.intoArray(sum, co);
            }
        }
    }

    /**
     * A piece's arrays for one image at a time, taken from a pool and given back when the piece is
     * done, so that they are reused call after call, by whichever thread runs the piece, while the
     * shapes fit.
     */
    private static final class Scratch {
        private static final java.util.concurrent.ConcurrentLinkedQueue<Scratch> POOL =
                new java.util.concurrent.ConcurrentLinkedQueue<>();
        final float[] image;
        final float[] out;
        final ActiveInputs active;
        private final int pixels;
        private final int channels;
        /** The stride-1 weight gradient's arrays, made on their first use. */
        private ChannelLists lists;
        private float[] margined = new float[0];
        private float[] span = new float[0];

        private Scratch(int imageSize, int outSize, int pixels, int channels) {
            image = new float[imageSize];
            out = new float[outSize];
            active = new ActiveInputs(pixels, channels);
            this.pixels = pixels;
            this.channels = channels;
        }

        /** Arrays that fit {@code g}, to {@link #giveBack} when done. */
        static Scratch take(ConvolutionGeometry g, int cPad) {
            int imageSize = g.inPixels() * g.inChannels();
            int outSize = g.outPixels() * cPad;
            Scratch s = POOL.poll();
            if (s == null || s.image.length < imageSize || s.out.length < outSize || s.pixels < g.inPixels()
                    || s.channels < g.inChannels()) {
                // one that fits this shape and every shape the old one did
                s = new Scratch(Math.max(imageSize, s == null ? 0 : s.image.length),
                        Math.max(outSize, s == null ? 0 : s.out.length),
                        Math.max(g.inPixels(), s == null ? 0 : s.pixels),
                        Math.max(g.inChannels(), s == null ? 0 : s.channels));
            }
            return s;
        }

        /** Back to the pool, for the next piece of any call on any thread. */
        void giveBack() {
            POOL.offer(this);
        }

        /** Channel lists for an image of up to this scratch's pixels and channels. */
        ChannelLists channelLists() {
            if (lists == null) {
                lists = new ChannelLists(channels, pixels);
            }
            return lists;
        }

        /** At least {@code size} floats for the margined output gradient. */
        float[] margined(int size) {
            if (margined.length < size) {
                margined = new float[size];
            }
            return margined;
        }

        /** At least {@code size} floats for a span of K_w weight rows. */
        float[] span(int size) {
            if (span.length < size) {
                span = new float[size];
            }
            return span;
        }
    }

    private interface PieceTask {
        void run(int piece, int fromImage, int toImage);
    }

    private static void forEachPiece(int images, PieceTask task) {
        int pieces = Math.min(PIECES, images);
        ThreadBudget.forEach(pieces, piece -> task.run(piece, piece * images / pieces, (piece + 1) * images / pieces));
    }

    private static float[] sumInOrder(float[][] partial) {
        float[] sum = null;
        for (float[] p : partial) {
            if (p == null) {
                continue;
            }
            if (sum == null) {
                sum = p.clone();
                continue;
            }
            int i = 0;
            for (; i < SPECIES.loopBound(sum.length); i += L) {
                FloatVector.fromArray(SPECIES, sum, i).add(FloatVector.fromArray(SPECIES, p, i)).intoArray(sum, i);
            }
            for (; i < sum.length; i++) {
                sum[i] += p[i];
            }
        }
        return sum;
    }

    private static double share(long[] active, ConvolutionGeometry g) {
        long total = 0;
        for (long a : active) {
            total += a;
        }
        return (double) total / ((double) g.images() * g.inPixels() * g.inChannels());
    }

    private static FloatBuffer buffer(INDArray a) {
        return a.data().asNioFloat().position((int) a.offset()).slice();
    }

    private static void readImage(FloatBuffer from, int n, int size, float[] into) {
        from.get(n * size, into, 0, size);
    }

    /** Image n's output rows (stride cPad in {@code rows}) into the [N, H_out, W_out, C_out] buffer. */
    private static void writeRows(FloatBuffer to, int n, float[] rows, int pixels, int channels, int cPad) {
        int base = n * pixels * channels;
        if (channels == cPad) {
            to.put(base, rows, 0, pixels * channels);
            return;
        }
        for (int p = 0; p < pixels; p++) {
            to.put(base + p * channels, rows, p * cPad, channels);
        }
    }

    /** Image n's rows of a [N, H_out, W_out, C_out] buffer into {@code rows} at stride cPad (padding zero). */
    private static void readRows(FloatBuffer from, int n, float[] rows, int pixels, int channels, int cPad) {
        int base = n * pixels * channels;
        if (channels == cPad) {
            from.get(base, rows, 0, pixels * channels);
            return;
        }
        for (int p = 0; p < pixels; p++) {
            from.get(base + p * channels, rows, p * cPad, channels);
            java.util.Arrays.fill(rows, p * cPad + channels, (p + 1) * cPad, 0f);
        }
    }

    /** DL4J's [C_out, C_in, K_h, K_w] weights as rows [tap][C_in][cPad] (tap = ky K_w + kx). */
    private static float[] rows(ConvolutionGeometry g, INDArray weights, int cPad) {
        int cOut = g.outChannels();
        int cIn = g.inChannels();
        int taps = g.kernelHeight() * g.kernelWidth();
        float[] dl4j = new float[cOut * cIn * taps];
        buffer(weights).get(0, dl4j, 0, dl4j.length);
        float[] rows = new float[taps * cIn * cPad];
        for (int o = 0; o < cOut; o++) {
            for (int i = 0; i < cIn; i++) {
                for (int t = 0; t < taps; t++) {
                    rows[(t * cIn + i) * cPad + o] = dl4j[(o * cIn + i) * taps + t];
                }
            }
        }
        return rows;
    }

    /** Rows [tap][C_in][cPad] back into DL4J's [C_out, C_in, K_h, K_w]. */
    private static void writeWeights(ConvolutionGeometry g, float[] rows, int cPad, INDArray weights) {
        int cOut = g.outChannels();
        int cIn = g.inChannels();
        int taps = g.kernelHeight() * g.kernelWidth();
        float[] dl4j = new float[cOut * cIn * taps];
        for (int o = 0; o < cOut; o++) {
            for (int i = 0; i < cIn; i++) {
                for (int t = 0; t < taps; t++) {
                    dl4j[(o * cIn + i) * taps + t] = rows[(t * cIn + i) * cPad + o];
                }
            }
        }
        buffer(weights).put(0, dl4j, 0, dl4j.length);
    }
}
