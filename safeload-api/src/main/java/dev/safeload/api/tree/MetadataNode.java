package dev.safeload.api.tree;

/**
 * One value of the validated metadata tree: what the model's pickle would have built, described without
 * building it.
 *
 * <p>Containers ({@link DictNode}, {@link SequenceNode}) hold other nodes; leaves are scalars
 * ({@link StrNode}, {@link IntNode}, {@link FloatNode}, {@link BoolNode}, {@link NoneNode},
 * {@link BytesNode}), references to allowlisted globals ({@link GlobalNode}), results of allowlisted calls
 * ({@link ObjectNode}) and tensors ({@link TensorNode}). A node may be reachable along several paths
 * (for example tied weights); safeload preserves that sharing and never produces cycles.
 *
 * <p>Every node is deeply immutable and thread-safe. New node kinds may be added in later versions, so
 * code that dispatches on the kind should have a fallback branch.
 *
 * @since 0.1
 */
public sealed interface MetadataNode
        permits DictNode, SequenceNode, StrNode, IntNode, FloatNode, BoolNode, NoneNode, BytesNode,
                GlobalNode, ObjectNode, TensorNode {
}
