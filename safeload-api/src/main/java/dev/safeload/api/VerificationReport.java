package dev.safeload.api;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a verification did: which verifiers ran, in order, how long it took, and notes that did not
 * change the verdict (for example an archive record that no tensor references).
 *
 * <p>Immutable and thread-safe. Notes quote model text only in escaped form.
 *
 * @param modelName the name the model was verified under (escaped)
 * @param sizeBytes the model's size in bytes
 * @param format the detected format
 * @param verifiersRun the names of the verifiers that ran, in order
 * @param notes observations that did not change the verdict
 * @param elapsed the wall-clock time the verification took
 * @param provenance the digests computed and the signatures verified ({@link Provenance#none()} if none); on a
 *     rejected result, what was established before the rejection
 * @since 0.1
 */
public record VerificationReport(String modelName, long sizeBytes, ModelFormat format, List<String> verifiersRun,
                                 List<String> notes, Duration elapsed, Provenance provenance) {
    /** Checks and copies the fields. */
    public VerificationReport {
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(format, "format");
        verifiersRun = List.copyOf(verifiersRun);
        notes = List.copyOf(notes);
        Objects.requireNonNull(elapsed, "elapsed");
        Objects.requireNonNull(provenance, "provenance");
    }

    /**
     * A report without provenance.
     *
     * @param modelName the name the model was verified under (escaped)
     * @param sizeBytes the model's size in bytes
     * @param format the detected format
     * @param verifiersRun the names of the verifiers that ran, in order
     * @param notes observations that did not change the verdict
     * @param elapsed the wall-clock time the verification took
     */
    public VerificationReport(String modelName, long sizeBytes, ModelFormat format, List<String> verifiersRun,
                              List<String> notes, Duration elapsed) {
        this(modelName, sizeBytes, format, verifiersRun, notes, elapsed, Provenance.none());
    }
}
