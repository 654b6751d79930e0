package dev.safeload.api;

/**
 * Counts over a verified model.
 *
 * @param tensors tensor nodes in the tree, each counted once however often it is referenced
 * @param storages distinct storages
 * @param parameterElements elements of the tensors that are {@code nn.Parameter}s
 * @param elements elements of all tensors
 * @param storageBytes bytes of all distinct storage records
 * @since 0.1
 */
public record ModelSummary(long tensors, long storages, long parameterElements, long elements, long storageBytes) {
}
