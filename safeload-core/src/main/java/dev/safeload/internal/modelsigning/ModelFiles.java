package dev.safeload.internal.modelsigning;

import java.nio.file.Path;
import java.util.Optional;
import java.util.SortedMap;

/**
 * The files of a model on disk, as the caller found them, for {@link VerifiedStatement#checkFiles(ModelFiles)}.
 *
 * <p>The caller walks the model directory (without following directory symlinks), drops what
 * {@link VerifiedStatement#ignoreMatcher(java.util.List)} matches for the statement's
 * {@linkplain VerifiedStatement#ignorePaths() signed ignore paths} plus the signature file itself, and lists the
 * rest here. Implementations must return the same answers for the duration of one check.
 */
public interface ModelFiles {

    /**
     * {@return the regular files of the model, relative POSIX path to absolute path}; a single-file model is one
     * entry named {@code "."}. Already filtered of ignored paths by the caller.
     */
    SortedMap<String, Path> files();

    /**
     * {@return the file's SHA-256 if the caller already computed it, else empty}
     *
     * @param name a key of {@link #files()}
     */
    Optional<byte[]> sha256(String name);
}
