package dev.safeload.api.tree;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The result of a call that the pickle would make to an allowlisted global other than the tensor
 * rebuild functions, described rather than performed: for example {@code torch.device('cuda', 0)},
 * {@code torch.Size((2, 3))}, {@code complex(1.0, 2.0)}, or a call to a global that the user added to the
 * allowlist.
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1
 */
public final class ObjectNode implements MetadataNode {

    private final String module;
    private final String name;
    private final List<MetadataNode> args;
    private final MetadataNode state;

    /**
     * @param module the callable's module
     * @param name the callable's name
     * @param args the positional arguments, copied
     * @param state the state applied by a later {@code BUILD}, or {@code null} if none
     */
    public ObjectNode(String module, String name, List<MetadataNode> args, MetadataNode state) {
        this.module = Objects.requireNonNull(module, "module");
        this.name = Objects.requireNonNull(name, "name");
        this.args = List.copyOf(args);
        this.state = state;
    }

    /** {@return the callable's module} */
    public String module() {
        return module;
    }

    /** {@return the callable's name} */
    public String name() {
        return name;
    }

    /** {@return {@code module.name}} */
    public String qualifiedName() {
        return module + "." + name;
    }

    /** {@return the positional arguments} */
    public List<MetadataNode> args() {
        return args;
    }

    /** {@return the state given by {@code BUILD}, if any} */
    public Optional<MetadataNode> state() {
        return Optional.ofNullable(state);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ObjectNode that && that.module.equals(module) && that.name.equals(name)
                && that.args.equals(args) && Objects.equals(that.state, state);
    }

    @Override
    public int hashCode() {
        return Objects.hash(module, name, args, state);
    }

    @Override
    public String toString() {
        return qualifiedName() + args + (state == null ? "" : " state=" + state);
    }
}
