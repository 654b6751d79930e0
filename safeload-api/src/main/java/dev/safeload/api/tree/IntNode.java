package dev.safeload.api.tree;

import java.math.BigInteger;
import java.util.Objects;

/**
 * A Python {@code int} of any size (pickle's {@code LONG1} holds up to 255 bytes).
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1
 */
public final class IntNode implements MetadataNode {

    private static final IntNode[] SMALL = new IntNode[1024 + 128];

    static {
        for (int i = 0; i < SMALL.length; i++) {
            SMALL[i] = new IntNode(i - 128, null);
        }
    }

    private final long small;
    private final BigInteger big;

    private IntNode(long small, BigInteger big) {
        this.small = small;
        this.big = big;
    }

    /** {@return the node for a value that fits in a {@code long}} */
    public static IntNode of(long value) {
        if (value >= -128 && value < SMALL.length - 128) {
            return SMALL[(int) value + 128];
        }
        return new IntNode(value, null);
    }

    /** {@return the node for any value} */
    public static IntNode of(BigInteger value) {
        Objects.requireNonNull(value, "value");
        return value.bitLength() < 64 ? of(value.longValue()) : new IntNode(0, value);
    }

    /** {@return whether the value fits in a {@code long}} */
    public boolean fitsInLong() {
        return big == null;
    }

    /**
     * {@return the value as a {@code long}}
     *
     * @throws ArithmeticException if it does not fit; check {@link #fitsInLong()} first
     */
    public long longValueExact() {
        if (big != null) {
            throw new ArithmeticException("integer does not fit in a long");
        }
        return small;
    }

    /** {@return the exact value} */
    public BigInteger value() {
        return big != null ? big : BigInteger.valueOf(small);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof IntNode that && that.small == small && Objects.equals(that.big, big);
    }

    @Override
    public int hashCode() {
        return big != null ? big.hashCode() : Long.hashCode(small);
    }

    @Override
    public String toString() {
        return big != null ? big.toString() : Long.toString(small);
    }
}
