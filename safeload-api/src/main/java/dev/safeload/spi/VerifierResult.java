package dev.safeload.spi;

import dev.safeload.api.Location;
import dev.safeload.api.Rejection;
import dev.safeload.api.RejectionCode;
import java.util.List;
import java.util.Objects;

/**
 * A verifier's verdict: pass, or reject with one or more {@link Rejection}s.
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1
 */
public final class VerifierResult {

    private static final VerifierResult PASS = new VerifierResult(List.of());

    private final List<Rejection> rejections;

    private VerifierResult(List<Rejection> rejections) {
        this.rejections = rejections;
    }

    /** {@return the passing verdict} */
    public static VerifierResult pass() {
        return PASS;
    }

    /**
     * {@return a rejecting verdict}
     *
     * @param code why; user rules use {@link RejectionCode#custom(String)}
     * @param message a human-readable reason; escape any model text with {@link dev.safeload.api.SafeText}
     */
    public static VerifierResult reject(RejectionCode code, String message) {
        return reject(Rejection.of(code, message, Location.NONE));
    }

    /** {@return a rejecting verdict} @param rejections at least one */
    public static VerifierResult reject(Rejection... rejections) {
        return reject(List.of(rejections));
    }

    /** {@return a rejecting verdict} @param rejections at least one */
    public static VerifierResult reject(List<Rejection> rejections) {
        List<Rejection> copy = List.copyOf(rejections);
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("a rejecting verdict needs at least one rejection");
        }
        return new VerifierResult(copy);
    }

    /** {@return whether the model passed} */
    public boolean passed() {
        return rejections.isEmpty();
    }

    /** {@return why the model failed; empty when it passed} */
    public List<Rejection> rejections() {
        return rejections;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof VerifierResult that && that.rejections.equals(rejections);
    }

    @Override
    public int hashCode() {
        return Objects.hash(rejections);
    }

    @Override
    public String toString() {
        return passed() ? "pass" : "reject" + rejections;
    }
}
