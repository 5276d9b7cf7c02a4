package org.spikekd.layer;

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
import org.spikekd.batchnorm.BatchNormKernels;

/**
 * DL4J's batch normalization, with SpikeKD's batch statistics and backward pass for float data.
 *
 * <p>DL4J 1.0.0-M2's batch-norm layer gets a training batch's statistics from its oneDNN helper as a
 * mean reduction plus a separate TAD variance op, and its gradients from libnd4j's
 * {@code batchnorm_bp}; on a student's [T*N, 32, 28, 28] currents, forward and backward together
 * took about three times what {@link BatchNormKernels}' two loops per channel take. This
 * configuration is DL4J's (same parameters, JSON fields and {@code instanceof BatchNormalization});
 * the layer it creates is DL4J's layer with {@link FloatBatchNormHelper} in its helper slot, so
 * everything else — running statistics, inference, other data types — stays DL4J's own. Old model
 * files (DL4J's class) still load and run as before.
 */
public class BatchNorm extends BatchNormalization {

    /** For JSON deserialization; use {@link #of}. */
    public BatchNorm() {}

    /** The layer {@code builder} describes, with SpikeKD's float batch statistics and backward pass. */
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

    /** DL4J's batch-norm layer with a {@link FloatBatchNormHelper} as its helper. */
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
            BatchNormalizationHelper helper = new FloatBatchNormHelper();
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
