package org.spikekd.batchnorm;

/**
 * {@link BatchNormRows} as plain Java loops. The static forms take a range, for the remainders of
 * {@link VectorBatchNormRows}.
 */
final class ScalarBatchNormRows implements BatchNormRows {

    @Override
    public void addMoments(float[] x, int length, double[] sums) {
        addMoments(x, 0, length, sums);
    }

    @Override
    public void addGradientSums(float[] dy, float[] x, int length, float center, double[] sums) {
        addGradientSums(dy, x, 0, length, center, sums);
    }

    @Override
    public void writeInputGradient(float[] dy, float[] x, int length, float a, float b, float center, float k,
                                   float[] dx) {
        writeInputGradient(dy, x, 0, length, a, b, center, k, dx);
    }

    static void addMoments(float[] x, int from, int to, double[] sums) {
        double sum = 0;
        double sumSquares = 0;
        for (int j = from; j < to; j++) {
            double v = x[j];
            sum += v;
            sumSquares += v * v;
        }
        sums[0] += sum;
        sums[1] += sumSquares;
    }

    /** Four independent partial sums per total, so that the additions do not wait on each other. */
    static void addGradientSums(float[] dy, float[] x, int from, int to, float center, double[] sums) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        double p0 = 0, p1 = 0, p2 = 0, p3 = 0;
        int j = from;
        for (; j + 3 < to; j += 4) {
            s0 += dy[j];
            s1 += dy[j + 1];
            s2 += dy[j + 2];
            s3 += dy[j + 3];
            p0 += dy[j] * (x[j] - center);
            p1 += dy[j + 1] * (x[j + 1] - center);
            p2 += dy[j + 2] * (x[j + 2] - center);
            p3 += dy[j + 3] * (x[j + 3] - center);
        }
        for (; j < to; j++) {
            s0 += dy[j];
            p0 += dy[j] * (x[j] - center);
        }
        sums[0] += (s0 + s1) + (s2 + s3);
        sums[1] += (p0 + p1) + (p2 + p3);
    }

    static void writeInputGradient(float[] dy, float[] x, int from, int to, float a, float b, float center,
                                   float k, float[] dx) {
        for (int j = from; j < to; j++) {
            dx[j] = a * dy[j] + b * (x[j] - center) + k;
        }
    }
}
