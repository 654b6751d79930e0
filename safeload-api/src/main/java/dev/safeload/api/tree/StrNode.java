package dev.safeload.api.tree;

import java.util.Objects;

/**
 * A Python {@code str}. The value is the model's raw text: escape it with
 * {@link dev.safeload.api.SafeText} before logging.
 *
 * @param value the decoded text; never {@code null}
 * @since 0.1
 */
public record StrNode(String value) implements MetadataNode {
    /** Checks the value. */
    public StrNode {
        Objects.requireNonNull(value, "value");
    }
}
