package dev.safeload.api.tree;

import java.util.List;
import java.util.Objects;

/**
 * A Python {@code list}, {@code tuple}, {@code set} or {@code frozenset}, in pickle order.
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1
 */
public final class SequenceNode implements MetadataNode {

    /** Which Python type the sequence was. */
    public enum Kind {
        /** {@code list} */
        LIST,
        /** {@code tuple} */
        TUPLE,
        /** {@code set} */
        SET,
        /** {@code frozenset} */
        FROZENSET
    }

    private final Kind kind;
    private final List<MetadataNode> items;

    /**
     * @param kind the Python type
     * @param items the elements, copied
     */
    public SequenceNode(Kind kind, List<MetadataNode> items) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.items = List.copyOf(items);
    }

    /** {@return the Python type} */
    public Kind kind() {
        return kind;
    }

    /** {@return the elements} */
    public List<MetadataNode> items() {
        return items;
    }

    /** {@return the number of elements} */
    public int size() {
        return items.size();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SequenceNode that && that.kind == kind && that.items.equals(items);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + items.hashCode();
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(java.util.Locale.ROOT) + items;
    }
}
