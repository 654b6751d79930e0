package dev.safeload.api;

import java.util.Objects;
import java.util.Optional;

/**
 * Where in a model file a problem was found: an archive entry, a byte offset, or both.
 *
 * <p>The offset is relative to the start of the entry when an entry is named (for a pickle, the offset of
 * the opcode), otherwise relative to the start of the file. Entry names come from the file and are stored
 * escaped and truncated ({@link SafeText}), so they are safe to log.
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1
 */
public final class Location {

    /** No particular place: the problem concerns the file as a whole. */
    public static final Location NONE = new Location(null, -1);

    private final String entry;
    private final long offset;

    private Location(String entry, long offset) {
        this.entry = entry;
        this.offset = offset;
    }

    /** {@return a location naming an archive entry} @param entry the raw entry name, escaped here */
    public static Location entry(String entry) {
        return new Location(SafeText.escape(Objects.requireNonNull(entry, "entry")), -1);
    }

    /** {@return a location at a byte offset within an entry} */
    public static Location at(String entry, long offset) {
        return new Location(SafeText.escape(Objects.requireNonNull(entry, "entry")), requireOffset(offset));
    }

    /** {@return a location at a byte offset of the file itself} */
    public static Location fileOffset(long offset) {
        return new Location(null, requireOffset(offset));
    }

    private static long requireOffset(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be non-negative: " + offset);
        }
        return offset;
    }

    /** {@return the escaped entry name, if the problem is inside an archive entry} */
    public Optional<String> entryName() {
        return Optional.ofNullable(entry);
    }

    /** {@return the byte offset, if one applies} */
    public Optional<Long> offset() {
        return offset < 0 ? Optional.empty() : Optional.of(offset);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Location that && that.offset == offset && Objects.equals(that.entry, entry);
    }

    @Override
    public int hashCode() {
        return Objects.hash(entry, offset);
    }

    @Override
    public String toString() {
        if (entry == null && offset < 0) {
            return "-";
        }
        if (entry == null) {
            return "@" + offset;
        }
        return offset < 0 ? entry : entry + "@" + offset;
    }
}
