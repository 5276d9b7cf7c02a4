package org.spikekd.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import org.spikekd.config.JobConfig;
import org.spikekd.config.JobSettings;
import org.spikekd.convert.AnnToSnnConverter;
import org.spikekd.data.LabeledImages;
import org.spikekd.model.TimeSteps;
import org.spikekd.noise.Corruption;
import org.spikekd.run.ModelFile;
import org.spikekd.spark.SparkContexts;
import org.spikekd.study.StudiedModel;
import org.spikekd.study.Study;
import org.spikekd.study.StudyReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Direct training needs far fewer time steps than conversion: the teacher converted to IF neurons,
 * evaluated at T = 8..1024, against the KD student at its own few steps, on the same test images.
 */
@Command(name = "conversion", mixinStandardHelpOptions = true,
        description = "ANN-to-SNN conversion of the teacher evaluated at T = 8..1024 against the KD student at its "
                + "own T (and the teacher): the T conversion needs to reach the KD student's accuracy.")
public final class ConversionBenchmark implements Callable<Integer> {
    @Mixin StudyModels models;

    @Option(names = "--limit", defaultValue = "500", description = "Test examples evaluated (default ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--time-steps", defaultValue = "8,16,32,64,128,256,512,1024",
            description = "T at which the converted network is evaluated (default ${DEFAULT-VALUE}).")
    String timeSteps;

    @Option(names = "--percentile", defaultValue = "99.9") double percentile;

    @Option(names = "--calibration-examples", defaultValue = "1000") int calibration;

    @Option(names = "--out", defaultValue = "bench-out/conversion", description = "The evaluation directory written.")
    Path out;

    @Override
    public Integer call() throws Exception {
        models.prepare(false);
        int[] steps = Study.parseTimeSteps(timeSteps);
        ModelFile teacher = ModelFile.load(models.teacher);
        LabeledImages calibrationImages = new JobSettings(teacher.config).data().loader().load("train", calibration);
        System.err.printf("[bench] converting the teacher (%d calibration images, percentile %s)%n",
                calibrationImages.size(), percentile);
        AnnToSnnConverter.Result converted = new AnnToSnnConverter().percentile(percentile).timeSteps(steps[steps.length - 1])
                .convert(teacher.network, calibrationImages);
        Path convertedFile = out.toAbsolutePath().resolve("converted.zip");
        ModelFile.save(converted.snn, teacher.config.convertedToSnn(TimeSteps.of(converted.snn), models.teacher), convertedFile.toString());
        StudiedModel teacherModel = StudiedModel.load("teacher=" + models.teacher);
        StudiedModel kd = StudiedModel.load("kd=" + models.kd);
        StudiedModel conv = StudiedModel.load("converted=" + convertedFile);
        JobConfig job = teacher.config.withValue("data.test-limit", limit).withValue("data.eval-split", "test");
        JobSettings settings = new JobSettings(job);
        StudyReport reference;
        StudyReport conversion;
        try (JavaSparkContext sc = SparkContexts.start(settings, "SpikeKD bench conversion")) {
            Study study = new Study(sc, job, SparkContexts.partitions(sc, settings.averaging().partitions()), 100);
            reference = study.run(List.of(teacherModel, kd), List.of(), new int[0], System.err);
            conversion = study.runTimeStepsOnly(conv, steps, System.err);
        }
        conversion.printTables(System.err);
        double kdAccuracy = reference.accuracy("kd", Corruption.none());
        double teacherAccuracy = reference.accuracy("teacher", Corruption.none());
        Integer matchKd = null;
        Integer withinPointOfTeacher = null;
        for (Map<String, Object> r : conversion.timeStepRows()) {
            double a = (double) r.get("accuracy");
            int t = (int) r.get("time_steps");
            if (matchKd == null && a >= kdAccuracy) {
                matchKd = t;
            }
            if (withinPointOfTeacher == null && a >= teacherAccuracy - 0.01) {
                withinPointOfTeacher = t;
            }
        }
        System.err.printf("teacher %.4f; KD student %.4f at T=%d; conversion reaches the KD student at T=%s, "
                + "within 1 point of the teacher at T=%s%n", teacherAccuracy, kdAccuracy, kd.timeSteps(),
                matchKd == null ? "(not within " + steps[steps.length - 1] + ")" : matchKd,
                withinPointOfTeacher == null ? "(not within " + steps[steps.length - 1] + ")" : withinPointOfTeacher);
        conversion.writeTo(out);
        Map<String, Object> figures = BenchmarkOutput.begin("conversion");
        figures.put("examples", conversion.toMap().get("examples"));
        figures.put("teacher_model", models.teacher);
        figures.put("kd_model", models.kd);
        figures.put("teacher_accuracy", teacherAccuracy);
        figures.put("kd_accuracy", kdAccuracy);
        figures.put("kd_time_steps", kd.timeSteps());
        figures.put("percentile", percentile);
        figures.put("lambdas", converted.lambdas);
        Map<String, Object> curve = new LinkedHashMap<>();
        conversion.timeStepRows().forEach(r -> curve.put(String.valueOf(r.get("time_steps")), r.get("accuracy")));
        figures.put("converted_accuracy_by_t", curve);
        figures.put("conversion_t_to_match_kd", matchKd);
        figures.put("conversion_t_within_1pt_of_teacher", withinPointOfTeacher);
        figures.put("out", out.toAbsolutePath().toString());
        BenchmarkOutput.print(figures);
        return 0;
    }
}
