package dev.safeload.api;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Why a model was rejected, as a stable machine-readable string.
 *
 * <p>This is an open value class rather than an enum: safeload adds built-in codes over time, and user
 * rules bring their own namespaced codes through {@link #custom(String)}. Compare codes with
 * {@link #equals(Object)}; switch on {@link #value()} with a {@code default} branch.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Immutable and thread-safe.</li>
 *   <li>Built-in codes are upper-case words joined by {@code _}; custom codes always contain a dot, so the
 *       two can never collide.</li>
 *   <li>A built-in code's value never changes once released.</li>
 * </ul>
 *
 * @since 0.1
 */
public final class RejectionCode {

    private static final Pattern BUILT_IN = Pattern.compile("[A-Z][A-Z0-9]*(_[A-Z0-9]+)*");
    private static final Pattern CUSTOM = Pattern.compile("[a-z0-9][a-z0-9-]*(\\.[a-z0-9][a-z0-9-]*)+");

    /** A pickle names a global that the allowlist does not contain, or a dotted or blocked name. */
    public static final RejectionCode DISALLOWED_GLOBAL = builtIn("DISALLOWED_GLOBAL");
    /** A pickle uses an opcode outside the accepted set, or an accepted opcode on an object it may not act on. */
    public static final RejectionCode DISALLOWED_OPCODE = builtIn("DISALLOWED_OPCODE");
    /** A pickle is truncated, inconsistent, or not in a shape that torch.save produces. */
    public static final RejectionCode MALFORMED_PICKLE = builtIn("MALFORMED_PICKLE");
    /** The zip container is malformed, ambiguous, tampered with, or not a torch.save archive. */
    public static final RejectionCode MALFORMED_ARCHIVE = builtIn("MALFORMED_ARCHIVE");
    /** A model name or archive entry name escapes its root ({@code ..}, absolute, NUL, symlink). */
    public static final RejectionCode PATH_TRAVERSAL = builtIn("PATH_TRAVERSAL");
    /** A configured {@link VerificationLimits limit} was exceeded. */
    public static final RejectionCode RESOURCE_LIMIT = builtIn("RESOURCE_LIMIT");
    /** A tensor does not fit its storage, or a storage does not match its data record. */
    public static final RejectionCode TENSOR_INCONSISTENT = builtIn("TENSOR_INCONSISTENT");
    /** The content is not a model format that this version of safeload vets. */
    public static final RejectionCode UNSUPPORTED_FORMAT = builtIn("UNSUPPORTED_FORMAT");
    /** A verifier failed to reach a verdict (for example it threw); safeload fails closed. */
    public static final RejectionCode VERIFIER_FAILED = builtIn("VERIFIER_FAILED");
    /**
     * TorchScript code names an operator that the operator policy refuses (file access such as
     * {@code aten::save}, distributed and RPC operators, custom extension namespaces), or names an operator
     * in a way the static scan cannot resolve.
     */
    public static final RejectionCode DISALLOWED_OPERATOR = builtIn("DISALLOWED_OPERATOR");
    /**
     * TorchScript code that runs while the archive is loaded does more than restore state: a
     * {@code __setstate__} method that calls anything, branches or computes.
     */
    public static final RejectionCode DISALLOWED_CODE = builtIn("DISALLOWED_CODE");
    /** A file's digest differs from its pinned digest, or a signed statement's digest. */
    public static final RejectionCode HASH_MISMATCH = builtIn("HASH_MISMATCH");
    /**
     * Pins are required but a file has none, a pinned file is absent, or a pin file is malformed; in a
     * signed model directory, a file the signed statement does not cover or a covered file that is absent.
     */
    public static final RejectionCode HASH_MISSING = builtIn("HASH_MISSING");
    /** A signature is malformed, does not verify, or uses a refused algorithm, key size or mode. */
    public static final RejectionCode SIGNATURE_INVALID = builtIn("SIGNATURE_INVALID");
    /** Signatures are required but the model has none. */
    public static final RejectionCode SIGNATURE_MISSING = builtIn("SIGNATURE_MISSING");
    /** A signature verifies, but with a key, certificate or identity outside the configured trust. */
    public static final RejectionCode UNTRUSTED_SIGNER = builtIn("UNTRUSTED_SIGNER");

    private final String value;

    private RejectionCode(String value) {
        this.value = value;
    }

    private static RejectionCode builtIn(String value) {
        if (!BUILT_IN.matcher(value).matches()) {
            throw new IllegalArgumentException("not a built-in code: " + value);
        }
        return new RejectionCode(value);
    }

    /**
     * Creates a namespaced code for a user rule, such as {@code "acme.license-missing"}.
     *
     * @param value lower-case words separated by at least one dot; never {@code null}
     * @return the code
     * @throws IllegalArgumentException if {@code value} has no namespace or uses other characters
     */
    public static RejectionCode custom(String value) {
        Objects.requireNonNull(value, "value");
        if (!CUSTOM.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    "custom rejection codes look like 'namespace.name' (lower-case, digits, '-'): " + value);
        }
        return new RejectionCode(value);
    }

    /** {@return the stable string form, for example {@code "DISALLOWED_GLOBAL"}} */
    public String value() {
        return value;
    }

    /** {@return whether this is one of safeload's own codes rather than a user rule's} */
    public boolean isBuiltIn() {
        return value.indexOf('.') < 0;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RejectionCode code && code.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return value;
    }
}
