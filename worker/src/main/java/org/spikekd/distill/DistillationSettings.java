package org.spikekd.distill;

import java.util.List;
import org.spikekd.settings.Checks;

/**
 * What a student learns from its teacher: the {@code distill.*} settings, typed and checked (the
 * defaults are in reference.conf; config.JobSettings binds them, and checks them against the role:
 * a teacher, or a student without one, distills nothing).
 *
 * @param teacher distill.teacher: the teacher's model file, or null to train directly
 * @param temperature distill.temperature (tau): how far the soft targets are softened
 * @param alpha distill.alpha: the soft term's weight, (1 - alpha) CE + alpha tau^2 KL
 * @param featureStages distill.feature.stages: the stages (1-based) whose firing-rate maps are
 *     matched to the teacher's features
 * @param featureBeta distill.feature.beta: the weight of each stage's feature loss
 * @param teacherOutputs distill.feature.teacher-outputs: for an ONNX or Keras teacher, the names of
 *     the tensors or layers that are its stage 1, 2, ... feature maps
 * @param teacherMean distill.teacher-normalization.mean: for an ONNX or Keras teacher, the
 *     per-channel mean its [0, 1] images are standardized with before the model ([] = none)
 * @param teacherStd distill.teacher-normalization.std: the standard deviations beside it
 */
public record DistillationSettings(String teacher, double temperature, double alpha, List<Integer> featureStages,
                                   double featureBeta, List<String> teacherOutputs, List<Double> teacherMean,
                                   List<Double> teacherStd) {

    public DistillationSettings {
        teacher = teacher == null || teacher.isBlank() ? null : teacher;
        Checks.inRange("distill.temperature", temperature, 0, 1e6, true);
        Checks.inRange("distill.alpha", alpha, 0, 1, false);
        featureStages = List.copyOf(featureStages);
        for (int stage : featureStages) {
            Checks.atLeast("distill.feature.stages", stage, 1);
        }
        Checks.inRange("distill.feature.beta", featureBeta, 0, 1e6, false);
        teacherOutputs = List.copyOf(teacherOutputs);
        teacherMean = List.copyOf(teacherMean);
        teacherStd = List.copyOf(teacherStd);
        if (teacherMean.size() != teacherStd.size()) {
            throw new IllegalArgumentException("distill.teacher-normalization: " + teacherMean.size() + " means and "
                    + teacherStd.size() + " standard deviations; give one of each per channel (or one for all)");
        }
        for (double sd : teacherStd) {
            Checks.inRange("distill.teacher-normalization.std", sd, 0, 1e9, true);
        }
        if (teacher == null && !featureStages.isEmpty()) {
            throw new IllegalArgumentException("distill.feature.stages: feature distillation needs a teacher "
                    + "(set distill.teacher)");
        }
    }

    /** What kind of file a teacher is, told by its name. */
    public enum TeacherFormat {
        /** A SpikeKD model file (model.zip of a teacher run). */
        MODEL_FILE,
        /** An ONNX model: *.onnx. */
        ONNX,
        /** A Keras HDF5 model: *.h5, *.hdf5. */
        KERAS
    }

    /** The teacher's format (MODEL_FILE without a teacher). */
    public TeacherFormat teacherFormat() {
        String name = teacher == null ? "" : teacher.toLowerCase(java.util.Locale.ROOT);
        if (name.endsWith(".onnx")) {
            return TeacherFormat.ONNX;
        }
        return name.endsWith(".h5") || name.endsWith(".hdf5") ? TeacherFormat.KERAS : TeacherFormat.MODEL_FILE;
    }

    /** The job's normalization for an imported teacher, {mean, std}, or null: none. */
    public double[][] teacherNormalization() {
        if (teacherMean.isEmpty()) {
            return null;
        }
        return new double[][] {teacherMean.stream().mapToDouble(Double::doubleValue).toArray(),
                teacherStd.stream().mapToDouble(Double::doubleValue).toArray()};
    }

    /** True when a student distills from a teacher. */
    public boolean distills() {
        return teacher != null;
    }

    /** The student's loss: the KD loss, or plain cross-entropy without a teacher. */
    public DistillationLoss loss() {
        return new DistillationLoss(temperature, distills() ? alpha : 0.0);
    }
}
