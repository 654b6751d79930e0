package dev.safeload.api.tree;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A Python {@code bytes} or {@code bytearray} value. Its length is bounded by
 * {@link dev.safeload.api.VerificationLimits#maxBytesLength()}.
 *
 * <p>Immutable and thread-safe: {@link #bytes()} returns a copy.
 *
 * @since 0.1
 */
public final class BytesNode implements MetadataNode {

    private final byte[] bytes;
    private final boolean mutable;

    /**
     * @param bytes the content, copied
     * @param bytearray whether the value was a {@code bytearray} rather than {@code bytes}
     */
    public BytesNode(byte[] bytes, boolean bytearray) {
        this.bytes = bytes.clone();
        this.mutable = bytearray;
    }

    /** {@return a copy of the content} */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** {@return the number of bytes} */
    public int length() {
        return bytes.length;
    }

    /** {@return whether the value was a {@code bytearray}} */
    public boolean isBytearray() {
        return mutable;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BytesNode that && that.mutable == mutable && Arrays.equals(that.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes) * 31 + Boolean.hashCode(mutable);
    }

    @Override
    public String toString() {
        String hex = HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 32));
        return (mutable ? "bytearray(" : "bytes(") + bytes.length + ": " + hex + (bytes.length > 32 ? "...)" : ")");
    }
}
