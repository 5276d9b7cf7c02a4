package org.nd4j.nativeblas;

/**
 * Lets DL4J 1.0.0-M2 find ND4J's oneDNN support. DL4J's BaseMKLDNNHelper asks, by reflection, for
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment.getInstance().isUseMKLDNN()}; ND4J M2 moved its
 * bindings to {@code org.nd4j.linalg.cpu.nativecpu.bindings} and has no such method, so the lookup
 * fails and DL4J silently runs every convolution, batch norm and pooling layer on its slow generic
 * path (im2col), even with the oneDNN native build loaded. This class answers that question: true
 * when the loaded native build is a oneDNN one. Nothing else uses it. Remove it with DL4J > M2.
 */
public final class Nd4jCpu {
    private Nd4jCpu() {}

    /** The environment DL4J's oneDNN helpers query. */
    public static final class Environment {
        private static final Environment INSTANCE = new Environment();

        private Environment() {}

        public static Environment getInstance() {
            return INSTANCE;
        }

        /** True if the ND4J native build in use was built with oneDNN. */
        public boolean isUseMKLDNN() {
            return System.getProperty("org.bytedeco.javacpp.platform.extension", "").contains("onednn");
        }
    }
}
