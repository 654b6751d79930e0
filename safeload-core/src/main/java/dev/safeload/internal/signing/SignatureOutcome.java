package dev.safeload.internal.signing;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

import dev.safeload.api.Provenance;
import dev.safeload.api.Rejection;

/**
 * The verdict on one detached signature: either the signer that verified it, or the reasons it was refused.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Immutable and thread-safe; no component is {@code null}.</li>
 *   <li>Exactly one of the two is set: a signer with no rejections (valid), or one or more rejections with no
 *       signer (refused). A refusal always carries a reason.</li>
 * </ul>
 *
 * @param signer the signature that verified, if valid
 * @param rejections why the signature was refused; empty if valid
 */
public record SignatureOutcome(Optional<Provenance.SignatureInfo> signer, List<Rejection> rejections) {

    /** Checks and copies the components. */
    public SignatureOutcome {
        Objects.requireNonNull(signer, "signer");
        rejections = List.copyOf(rejections);
        if (signer.isPresent() == !rejections.isEmpty()) {
            throw new IllegalArgumentException("an outcome has either a signer or rejections, not both or neither");
        }
    }

    /** {@return a valid outcome} @param info the signature that verified */
    public static SignatureOutcome valid(Provenance.SignatureInfo info) {
        return new SignatureOutcome(Optional.of(info), List.of());
    }

    /** {@return a refused outcome} @param rejections at least one reason */
    public static SignatureOutcome refused(List<Rejection> rejections) {
        return new SignatureOutcome(Optional.empty(), rejections);
    }

    /** {@return a refused outcome} @param rejection the reason */
    public static SignatureOutcome refused(Rejection rejection) {
        return refused(List.of(rejection));
    }

    /** {@return whether the signature verified with a trusted key} */
    public boolean isValid() {
        return signer.isPresent();
    }
}
