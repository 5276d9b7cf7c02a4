package org.spikekd.cpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * ND4J's native builds of libnd4j with oneDNN, one per x86-64 instruction set, and the choice of
 * the one a JVM loads: the most specific build the application carries whose instructions the
 * processor has. javacpp loads the build {@value #PROPERTY} names, once, when ND4J first starts, so
 * the choice is made before that: by the command line's {@code main} on the driver and by a Spark
 * executor plugin on executors ({@code spark.NativeBuildPlugin}). A build named on the command line
 * ({@code -D}{@value #PROPERTY}) always wins.
 */
public enum NativeBuild {
    /** x86-64 with SSE only: runs on any 64-bit x86 processor. */
    ONEDNN("-onednn", List.of()),
    /** libnd4j compiled for Haswell and later (AVX2, FMA, BMI2, F16C). */
    ONEDNN_AVX2("-onednn-avx2", List.of("avx2", "fma", "bmi2", "f16c")),
    /**
     * libnd4j compiled for Skylake-X and later (AVX-512 F, CD, BW, DQ, VL). Known, but not carried by
     * the application (parent pom): on AMD Zen 5 it trained 4-8% slower than the others.
     */
    ONEDNN_AVX512("-onednn-avx512", List.of("avx2", "fma", "bmi2", "f16c", "avx512f", "avx512cd", "avx512bw",
            "avx512dq", "avx512vl"));

    /** The javacpp property that names the native build to load. */
    public static final String PROPERTY = "org.bytedeco.javacpp.platform.extension";

    private final String extension;
    private final List<String> cpuFlags;

    NativeBuild(String extension, List<String> cpuFlags) {
        this.extension = extension;
        this.cpuFlags = cpuFlags;
    }

    /** The classifier suffix and javacpp platform extension, e.g. {@code -onednn-avx2}. */
    public String extension() {
        return extension;
    }

    /** Whether a processor with these /proc/cpuinfo flags can run this build. */
    boolean runsOn(Set<String> flags) {
        return flags.containsAll(cpuFlags);
    }

    /** Whether this JVM's classpath holds this build's libnd4j (the application carries it). */
    boolean carried() {
        String library = "org/nd4j/linalg/cpu/nativecpu/bindings/linux-x86_64" + extension + "/libjnind4jcpu.so";
        return NativeBuild.class.getClassLoader().getResource(library) != null;
    }

    /** The build for this processor: the most specific one it runs that is carried; none if none is. */
    public static Optional<NativeBuild> forThisProcessor() {
        return choose(cpuFlags(), NativeBuild::carried);
    }

    /** The most specific build that runs on a processor with {@code flags} and is carried. */
    static Optional<NativeBuild> choose(Set<String> flags, Predicate<NativeBuild> carried) {
        List<NativeBuild> mostSpecificFirst = Arrays.asList(values());
        java.util.Collections.reverse(mostSpecificFirst);
        return mostSpecificFirst.stream().filter(b -> b.runsOn(flags)).filter(carried).findFirst();
    }

    /**
     * Names the build for this processor in {@value #PROPERTY}, unless it already names one, and
     * returns the build that will load. Call before anything starts ND4J; later calls change nothing.
     */
    public static synchronized Choice select() {
        if (chosen == null) {
            chosen = choose();
        }
        return chosen;
    }

    private static Choice chosen;

    private static Choice choose() {
        String named = System.getProperty(PROPERTY);
        if (named != null) {
            return new Choice(named, "named by -D" + PROPERTY);
        }
        Set<String> flags = cpuFlags();
        Optional<NativeBuild> build = choose(flags, NativeBuild::carried);
        if (build.isEmpty()) {
            // no oneDNN build on the classpath (a library user's own choice): javacpp loads the plain one
            return new Choice("", "no oneDNN build carried");
        }
        System.setProperty(PROPERTY, build.get().extension);
        return new Choice(build.get().extension, flags.isEmpty() ? "chosen without processor flags"
                : "chosen for this processor's flags");
    }

    /** The build a JVM loads ({@code extension}, "" for the plain one) and why. */
    public record Choice(String extension, String reason) {
        @Override
        public String toString() {
            return "nd4j build linux-x86_64" + extension + " (" + reason + ")";
        }
    }

    /** This processor's flags from /proc/cpuinfo; empty where there is none (then the baseline build runs). */
    static Set<String> cpuFlags() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(line -> line.startsWith("flags"))
                    .findFirst()
                    .map(line -> Arrays.stream(line.substring(line.indexOf(':') + 1).trim().split("\\s+"))
                            .collect(Collectors.toUnmodifiableSet()))
                    .orElse(Set.of());
        } catch (IOException | RuntimeException e) {
            return Set.of();
        }
    }
}
