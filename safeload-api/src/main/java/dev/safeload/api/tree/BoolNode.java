package dev.safeload.api.tree;

/**
 * A Python {@code bool}.
 *
 * @param value the truth value
 * @since 0.1
 */
public record BoolNode(boolean value) implements MetadataNode {
    /** {@code True}. */
    public static final BoolNode TRUE = new BoolNode(true);
    /** {@code False}. */
    public static final BoolNode FALSE = new BoolNode(false);

    /** {@return the shared node for {@code value}} */
    public static BoolNode of(boolean value) {
        return value ? TRUE : FALSE;
    }
}
