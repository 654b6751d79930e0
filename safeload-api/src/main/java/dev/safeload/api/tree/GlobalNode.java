package dev.safeload.api.tree;

import java.util.Objects;

/**
 * A reference to an allowlisted Python global that the pickle used as a value rather than calling it,
 * for example the dtype {@code torch.float16} stored in a config dict. Nothing was imported.
 *
 * @param module the module, as written in the pickle (for example {@code "torch"})
 * @param name the name within the module (for example {@code "float16"})
 * @since 0.1
 */
public record GlobalNode(String module, String name) implements MetadataNode {
    /** Checks the fields. */
    public GlobalNode {
        Objects.requireNonNull(module, "module");
        Objects.requireNonNull(name, "name");
    }

    /** {@return {@code module.name}} */
    public String qualifiedName() {
        return module + "." + name;
    }
}
