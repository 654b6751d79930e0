package dev.safeload.api.tree;

/**
 * A Python {@code float}.
 *
 * @param value the IEEE 754 double
 * @since 0.1
 */
public record FloatNode(double value) implements MetadataNode {
}
