package org.spikekd.dl4j;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's batch normalization, with a training batch's mean and variance computed by one op.
 *
 * <p>DL4J 1.0.0-M2's batch-norm layer gets a batch's statistics from its oneDNN helper, which takes
 * the mean with one reduction and the variance with a separate TAD summary-statistics op; on a
 * student's [T*N, 32, 28, 28] currents that pair costs about three times libnd4j's {@code moments}
 * op, which returns both. This configuration is DL4J's (same parameters, JSON fields and
 * {@code instanceof BatchNormalization}); the layer it creates is DL4J's layer with
 * {@link MomentsBatchNormHelper} in its helper slot, so everything else — running statistics,
 * inference, fallback — stays DL4J's own. Old model files (DL4J's class) still load and run as
 * before.
 */
public class BatchNorm extends BatchNormalization {

    /** For JSON deserialization; use {@link #of}. */
    public BatchNorm() {}

    /** The layer {@code builder} describes, with one-op batch statistics. */
    public static BatchNorm of(BatchNormalization.Builder builder) {
        // DL4J's configuration can only be built by its own builder (private constructor), so the
        // built configuration's fields are carried over into this subclass, superclass by superclass.
        BatchNormalization built = builder.build();
        BatchNorm conf = new BatchNorm();
        for (Class<?> c = BatchNormalization.class; c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                try {
                    f.setAccessible(true);
                    f.set(conf, f.get(built));
                } catch (ReflectiveOperationException | RuntimeException e) {
                    throw new IllegalStateException("cannot copy batch-norm configuration field " + f, e);
                }
            }
        }
        return conf;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(new Impl(conf, networkDataType), conf, listeners, layerIndex, layerParamsView,
                initializeParams, initializer());
    }

    /** DL4J's batch-norm layer with {@link MomentsBatchNormHelper} as its helper. */
    public static class Impl extends org.deeplearning4j.nn.layers.normalization.BatchNormalization {

        /** DL4J's layer keeps its helper in a package-private field, chosen in its constructor. */
        private static final Field HELPER;

        static {
            try {
                HELPER = org.deeplearning4j.nn.layers.normalization.BatchNormalization.class
                        .getDeclaredField("helper");
                HELPER.setAccessible(true);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        public Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
            BatchNormalizationHelper helper = new MomentsBatchNormHelper();
            BatchNormalization c = (BatchNormalization) conf.getLayer();
            if (helper.checkSupported(c.getEps(), c.isLockGammaBeta())) {
                try {
                    HELPER.set(this, helper);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }

        /** Whether the helper failed once and the layer went on with DL4J's built-in code (it logs why). */
        public boolean fellBack() {
            return helperCountFail > 0;
        }
    }
}
