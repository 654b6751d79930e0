package dev.safeload.internal.pickle;

/**
 * The TorchScript classes that an archive's {@code code/} defines: the only {@code __torch__} globals its
 * pickles may name, because {@code torch.jit.load} resolves them against that code.
 */
public interface ScriptClasses {

    /** Whether code/ defines a class of this qualified name, such as {@code "__torch__.torch.nn.modules.linear.Linear"}. */
    boolean defines(String qualifiedName);

    /**
     * Whether that class defines {@code __setstate__}, which then receives the {@code BUILD} state as it is;
     * other classes get their attributes set from a dict of names.
     */
    boolean hasSetState(String qualifiedName);

    /**
     * Whether that class is an enum ({@code class C(Enum)}), which torch.jit.save pickles as
     * {@code GLOBAL}, the member's value, {@code REDUCE}.
     */
    default boolean isEnum(String qualifiedName) {
        return false;
    }
}
