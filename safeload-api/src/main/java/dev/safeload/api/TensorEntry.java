package dev.safeload.api;

import dev.safeload.api.tree.IntNode;
import dev.safeload.api.tree.MetadataNode;
import dev.safeload.api.tree.StrNode;
import dev.safeload.api.tree.TensorNode;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A tensor together with one path from the root of the metadata tree to it.
 *
 * <p>Each path element is the dict key node (usually a {@link StrNode}) or, inside a list, tuple or
 * set, the position as an {@link IntNode}. For example {@code ["model", "fc.weight"]}.
 *
 * @param path the keys and positions from the root; immutable
 * @param tensor the tensor
 * @since 0.1
 */
public record TensorEntry(List<MetadataNode> path, TensorNode tensor) {
    /** Checks and copies the fields. */
    public TensorEntry {
        path = List.copyOf(path);
        Objects.requireNonNull(tensor, "tensor");
    }

    /** {@return the path joined with {@code /}, with model text escaped} */
    public String pathString() {
        return path.stream().map(TensorEntry::label).collect(Collectors.joining("/"));
    }

    private static String label(MetadataNode node) {
        if (node instanceof StrNode s) {
            return SafeText.escape(s.value());
        }
        return SafeText.escape(String.valueOf(node));
    }
}
