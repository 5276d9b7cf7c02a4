package org.spikekd.batchnorm;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What batch norm's kernels make of their per-channel sums, whichever layout they summed over
 * ({@link BatchNormKernels} channels-first, {@link ChannelsLastBatchNormKernels} channels-last):
 * the batch statistics, and the gradients with respect to gamma, beta and the input.
 *
 * <p>With x̂ = (x - mean) / sqrt(var + eps) over the M values of a channel, dbeta = Σ dy,
 * dgamma = Σ dy x̂ and dx = gamma / sqrt(var + eps) * (dy - dbeta/M - x̂ dgamma/M), which the
 * kernels write as float a dy + b (x - center) + k.
 */
final class BatchNormSums {
    private BatchNormSums() {}

    /** The coefficients of dx = a dy + b (x - center) + k, per channel. */
    record InputGradient(float[] a, float[] b, float[] k) {}

    /** Stores the mean and biased variance of {@code count} values per channel, from Σ x and Σ x². */
    static void storeMoments(double[] sum, double[] sumSquares, double count, INDArray mean, INDArray variance) {
        double[] mu = new double[sum.length];
        double[] var = new double[sum.length];
        for (int c = 0; c < sum.length; c++) {
            mu[c] = sum[c] / count;
            var[c] = Math.max(0, sumSquares[c] / count - mu[c] * mu[c]);
        }
        store(mu, mean);
        store(var, variance);
    }

    /**
     * Stores dL/dgamma and dL/dbeta from Σ dy and Σ dy (x - center) over {@code count} values per
     * channel ({@link #centers}: the mean in float), and returns the coefficients that turn dy into
     * dL/dx.
     */
    static InputGradient gradients(double[] variance, double[] gamma, double eps, double[] sumDy,
                                   double[] sumDyCentered, double count, INDArray dGamma, INDArray dBeta) {
        int channels = variance.length;
        float[] a = new float[channels];
        float[] b = new float[channels];
        float[] k = new float[channels];
        double[] gammaGradient = new double[channels];
        for (int c = 0; c < channels; c++) {
            double invStd = 1.0 / Math.sqrt(variance[c] + eps);
            double scale = gamma[c] * invStd;
            gammaGradient[c] = sumDyCentered[c] * invStd;
            a[c] = (float) scale;
            b[c] = (float) (-scale * sumDyCentered[c] * invStd * invStd / count);
            k[c] = (float) (-scale * sumDy[c] / count);
        }
        store(gammaGradient, dGamma);
        store(sumDy, dBeta);
        return new InputGradient(a, b, k);
    }

    /** Each channel's mean in float: the center the gradient sums are taken around. */
    static float[] centers(double[] mean) {
        float[] center = new float[mean.length];
        for (int c = 0; c < mean.length; c++) {
            center[c] = (float) mean[c];
        }
        return center;
    }

    /** {@code values} into {@code into} (any shape of as many elements), in its data type. */
    private static void store(double[] values, INDArray into) {
        into.assign(Nd4j.createFromArray(values).castTo(into.dataType()).reshape(into.shape()));
    }
}
