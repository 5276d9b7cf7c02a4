package org.spikekd.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package structure drawn in the README, checked on the compiled classes of both modules: no
 * package depends on itself through others, and each layer uses only the layers below it. A new
 * dependency that breaks either fails this test with the classes and lines that made it.
 */
class PackageDependenciesTest {
    static JavaClasses classes;

    @BeforeAll
    static void importProductionClasses() {
        // the worker module arrives as target/classes or as its jar, by how Maven was called;
        // its test jar (test helpers) and both modules' test classes are left out, wherever the
        // build puts them (ArchUnit's DO_NOT_INCLUDE_TESTS knows only target/test-classes, not the
        // Spark 4.0 build's target/spark-4.0/test-classes)
        classes = new ClassFileImporter()
                .withImportOption(location -> !location.contains("/test-classes/"))
                .withImportOption(location -> !location.contains("-tests.jar"))
                .importPackages("org.spikekd");
        assertTrue(classes.contain("org.spikekd.neuron.SpikingLayer"), "the worker module's classes");
        assertTrue(classes.contain("org.spikekd.cli.SpikeKd"), "the driver module's classes");
        assertFalse(classes.contain("org.spikekd.testing.GraphGradientCheck"), "no test classes");
    }

    @Test
    void noPackageCycles() {
        // every package is its own slice, a sub-package too (data and data.shards are two)
        slices().matching("org.spikekd.(**)").should().beFreeOfCycles().check(classes);
    }

    /** The library training takes, in any JVM: the worker module. */
    static final String[] LIBRARY = {"org.spikekd.simd..", "org.spikekd.cpu..",
        "org.spikekd.settings..", "org.spikekd.surrogate..", "org.spikekd.neuron..", "org.spikekd.encoding..",
        "org.spikekd.timefold..", "org.spikekd.sparse..", "org.spikekd.layer..", "org.spikekd.batchnorm..", "org.spikekd.distill..",
        "org.spikekd.model..", "org.spikekd.convert..", "org.spikekd.nir..", "org.spikekd.onnx..", "org.spikekd.keras..", "org.spikekd.noise..", "org.spikekd.diagnose..",
        "org.spikekd.data..", "org.spikekd.eval..", "org.spikekd.train..", "org.spikekd.averaging.."};

    @Test
    void theWorkerModuleHoldsTheLibraryAndTheDriverModuleTheRest() {
        DescribedPredicate<JavaClass> inWorkerModule = DescribedPredicate.describe("in the worker module",
                c -> c.getSource().map(s -> s.getUri().toString()).orElse("").matches(".*(/worker/target/|spikekd-worker).*"));
        DescribedPredicate<JavaClass> ours = DescribedPredicate.describe("SpikeKD's",
                c -> c.getPackageName().startsWith("org.spikekd"));
        classes().that(ours.and(inWorkerModule)).should().resideInAnyPackage(LIBRARY).check(classes);
        classes().that(ours.and(DescribedPredicate.not(inWorkerModule))).should().resideOutsideOfPackages(LIBRARY)
                .check(classes);
    }

    @Test
    void eachLayerUsesOnlyTheLayersBelowIt() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("library").definedBy(LIBRARY)
                .layer("job settings").definedBy("org.spikekd.config..")
                .layer("run loop").definedBy("org.spikekd.run..")
                .layer("sweeps").definedBy("org.spikekd.sweep..")
                .layer("spark").definedBy("org.spikekd.spark..")
                .layer("studies").definedBy("org.spikekd.study..")
                .layer("ingest").definedBy("org.spikekd.ingest..")
                .layer("command line").definedBy("org.spikekd.cli..", "org.spikekd.bench..")
                .whereLayer("command line").mayNotBeAccessedByAnyLayer()
                .whereLayer("studies").mayOnlyBeAccessedByLayers("command line")
                .whereLayer("ingest").mayOnlyBeAccessedByLayers("command line")
                .whereLayer("spark").mayOnlyBeAccessedByLayers("studies", "command line")
                .whereLayer("sweeps").mayOnlyBeAccessedByLayers("spark", "command line")
                .whereLayer("run loop").mayOnlyBeAccessedByLayers("sweeps", "spark", "studies", "command line")
                .whereLayer("job settings").mayOnlyBeAccessedByLayers("run loop", "sweeps", "spark", "studies",
                        "command line")
                .check(classes);
    }
}
