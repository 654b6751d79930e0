package dev.safeload.internal.torchscript;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Which TorchScript operators a model's code may name. Refused by default:
 * <ul>
 *   <li>{@code aten::save} and {@code aten::from_file} (every overload): they write, create or map any file
 *       (the CVE-2025-32434 proof of concept writes a file from {@code __setstate__} with {@code aten::save});</li>
 *   <li>the {@code prim::rpc_*} family, and every operator in the {@code c10d}, {@code rpc} and
 *       {@code dist_*} namespaces: network and distributed side effects;</li>
 *   <li>every operator outside the {@code aten}, {@code prim} and {@code quantized} namespaces: custom
 *       extension operators, whose behaviour depends on what the loading process has registered.</li>
 * </ul>
 * Exact operator names added by the user ({@code SafeModelLoader.Builder.allowTorchScriptOp}) are allowed,
 * except the file operators, which no configuration can allow. Immutable and thread-safe.
 */
public final class TorchScriptOpPolicy {

    private static final Pattern QUALIFIED = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*::[A-Za-z_][A-Za-z0-9_]*");
    private static final Set<String> CORE_NAMESPACES = Set.of("aten", "prim", "quantized");
    private static final Set<String> FILE_OPERATORS = Set.of("aten::save", "aten::from_file");
    private static final TorchScriptOpPolicy DEFAULTS = new TorchScriptOpPolicy(Set.of());

    private final Set<String> allowed;

    private TorchScriptOpPolicy(Set<String> allowed) {
        this.allowed = Set.copyOf(allowed);
    }

    /** {@return the default policy} */
    public static TorchScriptOpPolicy defaults() {
        return DEFAULTS;
    }

    /** {@return the defaults plus exact operator names, each checked by {@link #checkUserOperator}} */
    public static TorchScriptOpPolicy allowing(Collection<String> operators) {
        operators.forEach(TorchScriptOpPolicy::checkUserOperator);
        return operators.isEmpty() ? DEFAULTS : new TorchScriptOpPolicy(new TreeSet<>(operators));
    }

    /**
     * Checks a user addition, throwing {@link IllegalArgumentException} for a name that is not
     * {@code namespace::name} or that names a file operator.
     */
    public static void checkUserOperator(String operator) {
        if (!QUALIFIED.matcher(operator).matches()) {
            throw new IllegalArgumentException("not a qualified operator name such as 'myns::myop' "
                    + "(overload names and wildcards are not accepted): " + operator);
        }
        if (FILE_OPERATORS.contains(operator)) {
            throw new IllegalArgumentException(operator + " reads, writes or creates any file the loading process"
                    + " can reach and cannot be allowed");
        }
    }

    /** {@return the operators allowed beyond the defaults, sorted} */
    public Set<String> extraAllowed() {
        return allowed;
    }

    /**
     * Why an operator is refused, or {@code null} if it is allowed.
     *
     * @param operator a qualified name such as {@code "aten::save"}
     */
    public String refusal(String operator) {
        if (FILE_OPERATORS.contains(operator)) {
            return "it writes, creates or maps files";
        }
        if (allowed.contains(operator)) {
            return null;
        }
        int colons = operator.indexOf("::");
        String namespace = colons < 0 ? operator : operator.substring(0, colons);
        String name = colons < 0 ? "" : operator.substring(colons + 2);
        if (namespace.equals("prim") && name.startsWith("rpc_")) {
            return "it makes remote procedure calls";
        }
        if (namespace.equals("c10d") || namespace.equals("rpc") || namespace.startsWith("dist_")) {
            return "distributed and RPC operators have network side effects";
        }
        if (!CORE_NAMESPACES.contains(namespace)) {
            return "namespace '" + namespace + "' is not aten, prim or quantized (a custom extension operator"
                    + " does whatever the loading process registered under that name)";
        }
        return null;
    }

    /**
     * The names {@code n} for which {@code aten::n} is refused: a method call or attribute of that name is
     * refused wherever it appears, since the scan cannot tell what the receiver is.
     */
    static Set<String> refusedAtenNames() {
        return Set.of("save", "from_file");
    }
}
