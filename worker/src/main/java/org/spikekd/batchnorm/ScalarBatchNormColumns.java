package org.spikekd.batchnorm;

/**
 * {@link BatchNormColumns} as plain Java loops. The static forms take a range of columns, for the
 * columns of {@link VectorBatchNormColumns} that fill no whole vector.
 */
final class ScalarBatchNormColumns implements BatchNormColumns {

    @Override
    public void addMoments(float[] x, int rows, int channels, double[] sum, double[] sumSquares) {
        addMoments(x, rows, channels, 0, channels, sum, sumSquares);
    }

    @Override
    public void addGradientSums(float[] dy, float[] x, int rows, int channels, float[] center, double[] sumDy,
                                double[] sumDyCentered) {
        addGradientSums(dy, x, rows, channels, 0, channels, center, sumDy, sumDyCentered);
    }

    @Override
    public void writeInputGradient(float[] dy, float[] x, int rows, int channels, float[] a, float[] b,
                                   float[] center, float[] k, float[] dx) {
        writeInputGradient(dy, x, rows, channels, 0, channels, a, b, center, k, dx);
    }

    static void addMoments(float[] x, int rows, int channels, int from, int to, double[] sum,
                           double[] sumSquares) {
        for (int r = 0; r < rows; r++) {
            int at = r * channels;
            for (int c = from; c < to; c++) {
                double v = x[at + c];
                sum[c] += v;
                sumSquares[c] += v * v;
            }
        }
    }

    static void addGradientSums(float[] dy, float[] x, int rows, int channels, int from, int to, float[] center,
                                double[] sumDy, double[] sumDyCentered) {
        for (int r = 0; r < rows; r++) {
            int at = r * channels;
            for (int c = from; c < to; c++) {
                sumDy[c] += dy[at + c];
                sumDyCentered[c] += dy[at + c] * (x[at + c] - center[c]);
            }
        }
    }

    static void writeInputGradient(float[] dy, float[] x, int rows, int channels, int from, int to, float[] a,
                                   float[] b, float[] center, float[] k, float[] dx) {
        for (int r = 0; r < rows; r++) {
            int at = r * channels;
            for (int c = from; c < to; c++) {
                dx[at + c] = a[c] * dy[at + c] + b[c] * (x[at + c] - center[c]) + k[c];
            }
        }
    }
}
