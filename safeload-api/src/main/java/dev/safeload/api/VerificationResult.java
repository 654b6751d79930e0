package dev.safeload.api;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The verdict on one model: {@link Verified} with the validated metadata tree, or {@link Rejected} with
 * one or more typed reasons. There are exactly these two cases, and there will never be a third.
 *
 * <p>On Java 17 use {@link #isVerified()}, {@link #metadata()} or {@link #orThrow()}; on Java 21 and later
 * a {@code switch} over the two records is exhaustive.
 *
 * <pre>{@code
 * VerificationResult result = loader.verify(path);
 * if (result instanceof VerificationResult.Rejected rejected) {
 *     rejected.rejections().forEach(r -> log.warn("{}", r));
 *     return;
 * }
 * ModelMetadata metadata = result.orThrow();
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1
 */
public sealed interface VerificationResult permits VerificationResult.Verified, VerificationResult.Rejected {

    /** {@return what the verification did} */
    VerificationReport report();

    /** {@return whether the model passed every check} */
    default boolean isVerified() {
        return this instanceof Verified;
    }

    /** {@return the validated metadata, present only when verified} */
    default Optional<ModelMetadata> metadata() {
        return this instanceof Verified v ? Optional.of(v.model()) : Optional.empty();
    }

    /** {@return why the model was rejected; empty when verified} */
    List<Rejection> rejections();

    /**
     * {@return the validated metadata}
     *
     * @throws ModelRejectedException carrying the rejections, if the model was rejected
     */
    default ModelMetadata orThrow() {
        if (this instanceof Verified v) {
            return v.model();
        }
        throw new ModelRejectedException(report().modelName(), rejections());
    }

    /**
     * The model passed every check.
     *
     * @param model the validated metadata tree
     * @param report what the verification did
     */
    record Verified(ModelMetadata model, VerificationReport report) implements VerificationResult {
        /** Checks the fields. */
        public Verified {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(report, "report");
        }

        @Override
        public List<Rejection> rejections() {
            return List.of();
        }
    }

    /**
     * The model failed at least one check and must not be loaded.
     *
     * @param rejections why, in the order found; never empty
     * @param report what the verification did
     */
    record Rejected(List<Rejection> rejections, VerificationReport report) implements VerificationResult {
        /** Checks and copies the fields. */
        public Rejected {
            rejections = List.copyOf(rejections);
            if (rejections.isEmpty()) {
                throw new IllegalArgumentException("a rejected result needs at least one rejection");
            }
            Objects.requireNonNull(report, "report");
        }
    }
}
