package org.spikekd.settings;

import java.util.Locale;

/**
 * The checks each concept's typed settings (records such as train.TrainingSettings) run in their
 * constructors. Every failure is an IllegalArgumentException whose message starts with the job key
 * and says what would fix it, so whoever built the settings, from a job file or in code, reads the
 * same one line.
 */
public final class Checks {
    private Checks() {}

    public static int atLeast(String key, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(key + " must be >= " + min + ", got " + value);
        }
        return value;
    }

    /** {@code value} in [min, max], or (min, max] if {@code minExclusive}; max may be infinite. */
    public static double inRange(String key, double value, double min, double max, boolean minExclusive) {
        if (Double.isNaN(value) || value > max || value < min || (minExclusive && value == min)) {
            throw new IllegalArgumentException(key + " must be " + (minExclusive ? "> " : ">= ") + min
                    + (max == Double.POSITIVE_INFINITY ? "" : " and <= " + max) + ", got " + value);
        }
        return value;
    }

    /** The constant of {@code type} named {@code value} in any case, or an error listing the names. */
    public static <E extends Enum<E>> E oneOf(String key, String value, Class<E> type) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(value)) {
                return e;
            }
        }
        StringBuilder names = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            names.append(names.length() == 0 ? "" : ", ").append(e.name().toLowerCase(Locale.ROOT));
        }
        throw new IllegalArgumentException(key + " must be one of [" + names + "], got '" + value + "'");
    }
}
