package org.spikekd.nir;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One node of a NIR graph: its primitive's type name ({@code "Conv2d"}, {@code "LIF"}, ...) and the
 * primitive's fields by their NIR names. Field values are what {@link NirFile} can write: a
 * {@link Tensor}, a {@code long[]}, a {@code long} or a {@code String}. Metadata holds what NIR has no
 * field for (a string or a number per key); readers that do not know a key ignore it.
 */
public final class NirNode {
    private final String type;
    private final Map<String, Object> fields = new LinkedHashMap<>();
    private final Map<String, Object> metadata = new LinkedHashMap<>();

    public NirNode(String type) {
        this.type = Objects.requireNonNull(type);
    }

    public String type() {
        return type;
    }

    public NirNode field(String name, Tensor value) {
        fields.put(name, value);
        return this;
    }

    public NirNode field(String name, long[] value) {
        fields.put(name, value.clone());
        return this;
    }

    public NirNode field(String name, long value) {
        fields.put(name, value);
        return this;
    }

    public NirNode metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    public NirNode metadata(String key, long value) {
        metadata.put(key, value);
        return this;
    }

    public Map<String, Object> fields() {
        return Collections.unmodifiableMap(fields);
    }

    public Map<String, Object> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    /** A float32 array of any shape, row-major. */
    public static final class Tensor {
        final float[] values;
        final long[] shape;

        public Tensor(float[] values, long... shape) {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            if (n != values.length) {
                throw new IllegalArgumentException(values.length + " values do not fill a tensor of shape "
                        + java.util.Arrays.toString(shape));
            }
            this.values = values;
            this.shape = shape.clone();
        }

        /** {@code value} in every element of an array of {@code shape}. */
        public static Tensor filled(double value, long... shape) {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            float[] values = new float[Math.toIntExact(n)];
            java.util.Arrays.fill(values, (float) value);
            return new Tensor(values, shape);
        }

        public long[] shape() {
            return shape.clone();
        }

        public float[] values() {
            return values.clone();
        }
    }
}
