package dev.safeload.spi;

/**
 * One rule that a model must satisfy. safeload's own checks implement this interface too, and users
 * add theirs with {@code SafeModelLoader.builder().addVerifier(...)}.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Return a verdict, never {@code null}. Throwing is allowed but counts as a failure: the loader
 *       turns any exception into a {@code VERIFIER_FAILED} rejection (fail closed).</li>
 *   <li>Implementations must be thread-safe; one instance serves concurrent verifications. Keep per-model
 *       state in local variables, not fields.</li>
 *   <li>Do not perform network I/O; do not execute anything from the model.</li>
 * </ul>
 *
 * <pre>{@code
 * Verifier noFloat64 = context -> context.metadata().tensors().stream()
 *         .anyMatch(t -> t.tensor().dtype() == DType.FLOAT64)
 *     ? VerifierResult.reject(RejectionCode.custom("acme.no-float64"), "float64 tensors are not allowed")
 *     : VerifierResult.pass();
 * }</pre>
 *
 * @since 0.1
 */
@FunctionalInterface
public interface Verifier {

    /**
     * Checks one model.
     *
     * @param context the model and, in the {@link Phase#METADATA} phase, its validated metadata; never {@code null}
     * @return the verdict; never {@code null}
     */
    VerifierResult verify(VerificationContext context);

    /** {@return when this verifier runs; by default after the model was parsed and validated} */
    default Phase phase() {
        return Phase.METADATA;
    }

    /** {@return a short name for reports and audit logs; by default the class name} */
    default String name() {
        return getClass().getName();
    }

    /** When a verifier runs relative to parsing the model. */
    enum Phase {
        /** Before parsing: only the model's name, size and bytes are available (hash pins, signatures, names). */
        SOURCE,
        /** After parsing and the built-in checks passed: the metadata tree is available. */
        METADATA
    }
}
