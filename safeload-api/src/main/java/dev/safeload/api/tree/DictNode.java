package dev.safeload.api.tree;

import java.util.AbstractList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A Python {@code dict} or {@code collections.OrderedDict}, with its keys in insertion order.
 *
 * <p>Keys are nodes too, since Python keys may be strings, integers or tuples. When a pickle sets the same
 * key twice, the later value replaces the earlier one in place, as Python does.
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1
 */
public final class DictNode implements MetadataNode {

    /** Which Python type the mapping was. */
    public enum Kind {
        /** {@code dict} */
        DICT,
        /** {@code collections.OrderedDict} */
        ORDERED_DICT
    }

    private final Kind kind;
    private final List<MetadataNode> keys;
    private final List<MetadataNode> values;
    private final DictNode attributes;

    /**
     * @param kind the Python type
     * @param keys the keys in order, copied
     * @param values the values in the same order, copied
     * @throws IllegalArgumentException if the lists differ in length
     */
    public DictNode(Kind kind, List<MetadataNode> keys, List<MetadataNode> values) {
        this(kind, keys, values, null);
    }

    /**
     * @param kind the Python type
     * @param keys the keys in order, copied
     * @param values the values in the same order, copied
     * @param attributes the object's attributes set by {@code BUILD} (such as a state dict's
     *     {@code _metadata}), or {@code null} if none
     * @throws IllegalArgumentException if the lists differ in length
     */
    public DictNode(Kind kind, List<MetadataNode> keys, List<MetadataNode> values, DictNode attributes) {
        this.attributes = attributes;
        this.kind = Objects.requireNonNull(kind, "kind");
        if (keys.size() != values.size()) {
            throw new IllegalArgumentException("keys and values differ in length");
        }
        this.keys = List.copyOf(keys);
        this.values = List.copyOf(values);
    }

    /** {@return the attributes set on the mapping object itself, such as a state dict's {@code _metadata}} */
    public Optional<DictNode> attributes() {
        return Optional.ofNullable(attributes);
    }

    /** {@return the Python type} */
    public Kind kind() {
        return kind;
    }

    /** {@return the number of entries} */
    public int size() {
        return keys.size();
    }

    /** {@return the keys, in insertion order} */
    public List<MetadataNode> keys() {
        return keys;
    }

    /** {@return the values, in the order of {@link #keys()}} */
    public List<MetadataNode> values() {
        return values;
    }

    /** {@return the entries, in insertion order} */
    public List<Map.Entry<MetadataNode, MetadataNode>> entries() {
        return new AbstractList<>() {
            @Override
            public Map.Entry<MetadataNode, MetadataNode> get(int index) {
                return Map.entry(keys.get(index), values.get(index));
            }

            @Override
            public int size() {
                return keys.size();
            }
        };
    }

    /** {@return the value under a string key, found by a linear scan} @param key the key */
    public Optional<MetadataNode> get(String key) {
        for (int i = 0; i < keys.size(); i++) {
            if (keys.get(i) instanceof StrNode s && s.value().equals(key)) {
                return Optional.of(values.get(i));
            }
        }
        return Optional.empty();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof DictNode that && that.kind == kind && that.keys.equals(keys)
                && that.values.equals(values) && Objects.equals(that.attributes, attributes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, keys, values);
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(java.util.Locale.ROOT) + "(" + keys.size() + " entries)";
    }
}
