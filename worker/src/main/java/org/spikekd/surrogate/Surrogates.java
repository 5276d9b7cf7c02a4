package org.spikekd.surrogate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleFunction;

/** Surrogates by configuration name. */
public final class Surrogates {
    /**
     * Every surrogate by its configuration name, in the order the documentation lists them: the one
     * place a new surrogate is registered (its class owns its formulas, ND4J and vector forms).
     */
    private static final Map<String, DoubleFunction<SurrogateFunction>> BY_NAME = new LinkedHashMap<>();

    static {
        BY_NAME.put("sigmoid", SigmoidSurrogate::new);
        BY_NAME.put("arctan", ArctanSurrogate::new);
        BY_NAME.put("fast-sigmoid", FastSigmoidSurrogate::new);
        BY_NAME.put("triangle", TriangleSurrogate::new);
    }

    /** The names {@link #byName} accepts, in the order the documentation lists them. */
    public static final List<String> NAMES = List.copyOf(BY_NAME.keySet());

    private Surrogates() {}

    /**
     * The surrogate called {@code name} with sharpness {@code alpha}.
     *
     * @throws IllegalArgumentException naming the accepted names for an unknown one
     */
    public static SurrogateFunction byName(String name, double alpha) {
        DoubleFunction<SurrogateFunction> make = BY_NAME.get(name);
        if (make == null) {
            throw new IllegalArgumentException("unknown surrogate '" + name + "'; use one of " + NAMES);
        }
        return make.apply(alpha);
    }

    static double checkAlpha(double alpha) {
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException(
                    "surrogate alpha must be a finite number > 0, got " + alpha);
        }
        return alpha;
    }
}
