package dev.safeload.internal.integrity;

import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;

/**
 * An expected digest for one file. {@code name == null} means "the model being verified", as a pin given on
 * the command line or in code without a name; otherwise the file's name (single file) or its {@code /}-separated
 * path relative to the model directory, without a leading {@code ./}. {@code size < 0} means no size is pinned
 * (only Git LFS pointers carry one).
 */
public record HashPin(String name, HashAlgorithm algorithm, byte[] digest, long size, String source) {

    public HashPin {
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(source, "source");
        if (digest.length != algorithm.length()) {
            throw new IllegalArgumentException(algorithm.label() + " pins have " + algorithm.length() * 2
                    + " hex digits, got " + digest.length * 2);
        }
        digest = digest.clone();
    }

    /** Parses a hex digest given in code or on a command line; the algorithm follows from its length. */
    public static HashPin ofHex(String name, String hex, String source) {
        Objects.requireNonNull(hex, "hex");
        String trimmed = hex.trim();
        HashAlgorithm algorithm = HashAlgorithm.forHexLength(trimmed.length());
        if (algorithm == null || !isHex(trimmed)) {
            throw new IllegalArgumentException("a pin is 64 (SHA-256) or 128 (SHA-512) hex digits: "
                    + dev.safeload.api.SafeText.escape(trimmed));
        }
        return new HashPin(name, algorithm, HexFormat.of().parseHex(trimmed.toLowerCase(Locale.ROOT)), -1, source);
    }

    static boolean isHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
                return false;
            }
        }
        return !s.isEmpty();
    }

    public String hex() {
        return HexFormat.of().formatHex(digest);
    }

    @Override
    public byte[] digest() {
        return digest.clone();
    }

    /** Whether this pin applies to a file recorded under {@code fileName}. */
    public boolean appliesTo(String fileName) {
        return name == null || name.equals(fileName);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HashPin p && Objects.equals(name, p.name) && algorithm == p.algorithm
                && java.util.Arrays.equals(digest, p.digest) && size == p.size;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, algorithm, java.util.Arrays.hashCode(digest), size);
    }

    @Override
    public String toString() {
        return "HashPin[" + (name == null ? "<model>" : name) + " " + algorithm.label() + ":" + hex() + "]";
    }
}
