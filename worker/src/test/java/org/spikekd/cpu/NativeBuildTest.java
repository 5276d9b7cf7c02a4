package org.spikekd.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NativeBuildTest {
    // flags as /proc/cpuinfo lists them on the three kinds of development machine met so far
    static final Set<String> SSE_ONLY = Set.of("fpu", "sse", "sse2", "ssse3", "sse4_1", "sse4_2", "popcnt");
    static final Set<String> AVX2 = union(SSE_ONLY, Set.of("avx", "avx2", "fma", "bmi1", "bmi2", "f16c"));
    static final Set<String> AVX512 = union(AVX2, Set.of("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"));
    static final Set<String> AVX512_BF16 = union(AVX512, Set.of("avx512_bf16", "avx512_vnni", "avx512vbmi"));

    static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new HashSet<>(a);
        u.addAll(b);
        return u;
    }

    @Test
    void theMostSpecificBuildTheProcessorRuns() {
        assertEquals(Optional.of(NativeBuild.ONEDNN), NativeBuild.choose(SSE_ONLY, b -> true));
        assertEquals(Optional.of(NativeBuild.ONEDNN_AVX2), NativeBuild.choose(AVX2, b -> true));
        assertEquals(Optional.of(NativeBuild.ONEDNN_AVX512), NativeBuild.choose(AVX512, b -> true));
        assertEquals(Optional.of(NativeBuild.ONEDNN_AVX512), NativeBuild.choose(AVX512_BF16, b -> true));
        // AVX-512 F alone (Knights Landing has no BW/DQ/VL) is not enough for the Skylake-X build
        assertEquals(Optional.of(NativeBuild.ONEDNN_AVX2), NativeBuild.choose(union(AVX2, Set.of("avx512f")), b -> true));
        // unknown flags (no /proc/cpuinfo): the baseline build
        assertEquals(Optional.of(NativeBuild.ONEDNN), NativeBuild.choose(Set.of(), b -> true));
    }

    @Test
    void onlyBuildsTheApplicationCarries() {
        assertEquals(Optional.of(NativeBuild.ONEDNN_AVX2),
                NativeBuild.choose(AVX512, b -> b != NativeBuild.ONEDNN_AVX512));
        assertEquals(Optional.of(NativeBuild.ONEDNN), NativeBuild.choose(AVX512, b -> b == NativeBuild.ONEDNN));
        assertEquals(Optional.empty(), NativeBuild.choose(AVX512, b -> false));
        assertEquals(Optional.empty(), NativeBuild.choose(SSE_ONLY, b -> b == NativeBuild.ONEDNN_AVX2));
    }

    @Test
    void readsThisMachinesFlagsAndFindsTheCarriedBuilds() {
        Set<String> flags = NativeBuild.cpuFlags();
        assertTrue(flags.contains("sse2"), "every x86-64 processor has SSE2: " + flags);
        // the build the JVM runs with is on the classpath, and this processor runs it
        String loaded = System.getProperty(NativeBuild.PROPERTY, "");
        NativeBuild running = java.util.Arrays.stream(NativeBuild.values())
                .filter(b -> b.extension().equals(loaded)).findFirst()
                .orElseThrow(() -> new AssertionError("the JVM runs build '" + loaded + "', not a oneDNN one"));
        assertTrue(running.carried(), running + " carried");
        assertTrue(running.runsOn(flags), running + " runs on this processor");
    }

    @Test
    void aBuildNamedOnTheCommandLineWins() {
        String named = System.getProperty(NativeBuild.PROPERTY);
        NativeBuild.Choice choice = NativeBuild.select();
        assertEquals(named, choice.extension());
        assertEquals(named, System.getProperty(NativeBuild.PROPERTY), "select() left it as named");
        assertTrue(choice.reason().contains("named"), choice.reason());
    }
}
