/**
 * The public types of safeload: what a verification returns ({@link dev.safeload.api.VerificationResult}),
 * why a model was refused ({@link dev.safeload.api.Rejection}), the validated tensor-metadata tree
 * ({@link dev.safeload.api.tree}), resource limits, and the {@link dev.safeload.spi.Verifier} SPI for
 * user rules. This module has no dependencies; the implementation lives in {@code dev.safeload.core}.
 */
module dev.safeload.api {
    exports dev.safeload.api;
    exports dev.safeload.api.tree;
    exports dev.safeload.spi;
}
