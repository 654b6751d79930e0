package dev.safeload.spi;

import dev.safeload.api.ModelFormat;
import dev.safeload.api.ModelMetadata;
import dev.safeload.api.VerificationLimits;
import java.io.InputStream;

/**
 * What a {@link Verifier} may look at for one model. Confined to the thread verifying that model.
 *
 * @since 0.1
 */
public interface VerificationContext {

    /** {@return the name the model is verified under: the path or the caller's name; raw, escape before logging} */
    String modelName();

    /** {@return the model's size in bytes} */
    long sizeBytes();

    /** {@return the format detected from the content} */
    ModelFormat format();

    /** {@return the limits in force} */
    VerificationLimits limits();

    /**
     * {@return a fresh stream over the model's bytes}; the caller closes it. Reading does not affect other
     * verifiers.
     */
    InputStream openContent();

    /**
     * {@return the validated metadata}
     *
     * @throws IllegalStateException in the {@link Verifier.Phase#SOURCE} phase, before the model was parsed
     */
    ModelMetadata metadata();
}
