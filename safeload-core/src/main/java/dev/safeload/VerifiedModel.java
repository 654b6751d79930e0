package dev.safeload;

import dev.safeload.api.ModelRejectedException;
import dev.safeload.api.VerificationResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A verified model that can be handed on without a verify-then-load race: the bytes behind {@link #path()} and
 * {@link #newInputStream()} are a private, read-only copy that safeload hashed while copying and then verified,
 * so replacing, editing or re-linking the original after verification changes nothing that is loaded.
 *
 * <p>Obtained from {@link SafeModelLoader#openVerified(Path)}. The verdict is always available from
 * {@link #result()}; the content only when it is {@linkplain VerificationResult#isVerified() verified} (a rejected
 * model's copy is deleted at once). {@link #close()} deletes the copy: load the model before closing the handle.
 * Thread-safe; closing is idempotent.
 *
 * <pre>{@code
 * try (VerifiedModel model = loader.openVerified(Path.of("/models/resnet.pt"))) {
 *     model.result().orThrow();                      // or inspect the rejections
 *     Model djl = Model.newInstance("resnet", "PyTorch");
 *     djl.load(model.path());                        // DJL opens the private copy, never the original
 * }
 * }</pre>
 *
 * @since 0.2
 */
public final class VerifiedModel implements AutoCloseable {

    private final VerificationResult result;
    private PrivateCopy copy;

    VerifiedModel(VerificationResult result, PrivateCopy copy) {
        this.result = Objects.requireNonNull(result, "result");
        if (copy != null && !result.isVerified()) {
            copy.delete();
            copy = null;
        }
        this.copy = copy;
    }

    /** {@return the verdict on the copied bytes} */
    public VerificationResult result() {
        return result;
    }

    /**
     * {@return the private copy: the model file, or the model directory (without ignored files)}
     *
     * @throws ModelRejectedException if the model was rejected
     * @throws IllegalStateException if the handle was closed
     */
    public synchronized Path path() {
        return live().path();
    }

    /**
     * {@return a new stream over the copied model file}; the caller closes it.
     *
     * @throws ModelRejectedException if the model was rejected
     * @throws IllegalStateException if the handle was closed or the model is a directory
     * @throws UncheckedIOException if the copy cannot be opened
     */
    public synchronized InputStream newInputStream() {
        PrivateCopy live = live();
        if (live.isDirectory()) {
            throw new IllegalStateException("the model is a directory: open its files under path()");
        }
        try {
            return Files.newInputStream(live.path());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private PrivateCopy live() {
        if (!result.isVerified()) {
            throw new ModelRejectedException(result.report().modelName(), result.rejections());
        }
        if (copy == null) {
            throw new IllegalStateException("the verified model was closed and its copy deleted");
        }
        return copy;
    }

    /** Deletes the private copy. */
    @Override
    public synchronized void close() {
        if (copy != null) {
            copy.delete();
            copy = null;
        }
    }
}
