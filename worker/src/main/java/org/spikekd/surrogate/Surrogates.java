package org.spikekd.surrogate;

import java.util.List;

/** Surrogates by configuration name. */
public final class Surrogates {
    /** The names {@link #byName} accepts, in the order the documentation lists them. */
    public static final List<String> NAMES = List.of("sigmoid", "arctan", "fast-sigmoid", "triangle");

    private Surrogates() {}

    /**
     * The surrogate called {@code name} with sharpness {@code alpha}.
     *
     * @throws IllegalArgumentException naming the accepted names for an unknown one
     */
    public static SurrogateFunction byName(String name, double alpha) {
        switch (name) {
            case "sigmoid": return new SigmoidSurrogate(alpha);
            case "arctan": return new ArctanSurrogate(alpha);
            case "fast-sigmoid": return new FastSigmoidSurrogate(alpha);
            case "triangle": return new TriangleSurrogate(alpha);
            default:
                throw new IllegalArgumentException(
                        "unknown surrogate '" + name + "'; use one of " + NAMES);
        }
    }

    static double checkAlpha(double alpha) {
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException(
                    "surrogate alpha must be a finite number > 0, got " + alpha);
        }
        return alpha;
    }
}
