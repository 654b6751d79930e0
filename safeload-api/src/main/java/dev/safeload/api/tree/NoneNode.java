package dev.safeload.api.tree;

/**
 * Python's {@code None}.
 *
 * @since 0.1
 */
public enum NoneNode implements MetadataNode {
    /** The only instance. */
    INSTANCE
}
