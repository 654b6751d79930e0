package dev.safeload.api;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Thrown by {@link VerificationResult#orThrow()} when a model was rejected. Carries the rejections.
 *
 * @since 0.1
 */
public final class ModelRejectedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient List<Rejection> rejections;

    /** @param modelName the escaped model name @param rejections why; at least one */
    public ModelRejectedException(String modelName, List<Rejection> rejections) {
        super("model " + modelName + " rejected: "
                + rejections.stream().map(Rejection::toString).collect(Collectors.joining("; ")));
        this.rejections = List.copyOf(rejections);
    }

    /** {@return why the model was rejected} */
    public List<Rejection> rejections() {
        return rejections;
    }
}
