package dev.safeload.internal;

import dev.safeload.api.ModelSummary;
import dev.safeload.api.tree.DictNode;
import dev.safeload.api.tree.MetadataNode;
import dev.safeload.api.tree.ObjectNode;
import dev.safeload.api.tree.SequenceNode;
import dev.safeload.api.tree.TensorNode;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;

/** Visits each distinct node of a metadata tree once, iteratively (the tree is a DAG without cycles). */
public final class TreeWalk {

    private TreeWalk() {
    }

    /** Calls {@code action} once for every distinct tensor, in depth-first order. */
    public static void distinctTensors(MetadataNode root, Consumer<TensorNode> action) {
        distinctTensors(root, 16, action);
    }

    /** As above, with a hint of how many tensors there are, to size the bookkeeping once. */
    public static void distinctTensors(MetadataNode root, long expectedTensors, Consumer<TensorNode> action) {
        IdentitySet seen = new IdentitySet(expectedTensors + 16);
        Deque<MetadataNode> stack = new ArrayDeque<>();
        stack.push(root);
        while (!stack.isEmpty()) {
            MetadataNode node = stack.pop();
            boolean interesting = node instanceof TensorNode || node instanceof DictNode
                    || node instanceof SequenceNode || node instanceof ObjectNode;
            if (!interesting || !seen.add(node)) {
                continue;
            }
            if (node instanceof TensorNode t) {
                action.accept(t);
            } else if (node instanceof DictNode d) {
                d.attributes().ifPresent(stack::push);
                for (int i = d.size() - 1; i >= 0; i--) {
                    stack.push(d.values().get(i));
                    stack.push(d.keys().get(i));
                }
            } else if (node instanceof SequenceNode s) {
                for (int i = s.size() - 1; i >= 0; i--) {
                    stack.push(s.items().get(i));
                }
            } else if (node instanceof ObjectNode o) {
                o.state().ifPresent(stack::push);
                for (int i = o.args().size() - 1; i >= 0; i--) {
                    stack.push(o.args().get(i));
                }
            }
        }
    }

    /** Counts tensors, storages, elements and bytes, saturating instead of overflowing. */
    public static ModelSummary summarize(MetadataNode root, long expectedTensors) {
        long[] counts = new long[4];
        IdentitySet storages = new IdentitySet(expectedTensors);
        long[] storageBytes = {0};
        distinctTensors(root, expectedTensors, tensor -> {
            counts[0]++;
            long elements = saturatingElements(tensor);
            counts[1] = saturatingAdd(counts[1], elements);
            if (tensor.isParameter()) {
                counts[2] = saturatingAdd(counts[2], elements);
            }
            if (storages.add(tensor.storage())) {
                storageBytes[0] = saturatingAdd(storageBytes[0], tensor.storage().recordBytes());
            }
        });
        return new ModelSummary(counts[0], storages.size(), counts[2], counts[1], storageBytes[0]);
    }

    private static long saturatingElements(TensorNode tensor) {
        try {
            return tensor.elementCount();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static long saturatingAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }
}
