package dev.safeload.internal.torchscript;

import dev.safeload.api.tree.DictNode;
import dev.safeload.api.tree.MetadataNode;
import dev.safeload.api.tree.ObjectNode;
import dev.safeload.api.tree.SequenceNode;
import dev.safeload.api.tree.StrNode;
import dev.safeload.api.tree.TensorNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Marks the tensors of a TorchScript module tree that are {@code nn.Parameter}s. The C++ pickler writes
 * parameters as plain tensors with {@code requires_grad}; which attributes are parameters is said by each
 * class's {@code __parameters__} list in code/. The tree is rebuilt where something changed, keeping every
 * shared node shared (a tied weight stays one node); walks are iterative.
 */
final class ParameterMarker {

    private ParameterMarker() {
    }

    /**
     * @param root the tree
     * @param parametersOf a class's qualified name to the attribute names it lists in {@code __parameters__}
     * @return the tree with those tensors marked, or {@code root} itself if there are none
     */
    static MetadataNode mark(MetadataNode root, Function<String, List<String>> parametersOf) {
        Set<TensorNode> targets = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<MetadataNode> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<MetadataNode> stack = new ArrayDeque<>();
        stack.push(root);
        while (!stack.isEmpty()) {
            MetadataNode node = stack.pop();
            if (!seen.add(node)) {
                continue;
            }
            if (node instanceof ObjectNode o && o.state().orElse(null) instanceof DictNode state
                    && o.module().startsWith("__torch__")) {
                List<String> parameters = parametersOf.apply(o.qualifiedName());
                for (int i = 0; i < state.size(); i++) {
                    if (state.keys().get(i) instanceof StrNode key && parameters.contains(key.value())
                            && state.values().get(i) instanceof TensorNode t && !t.isParameter()) {
                        targets.add(t);
                    }
                }
            }
            children(node).forEach(stack::push);
        }
        return targets.isEmpty() ? root : rebuild(root, targets);
    }

    private static List<MetadataNode> children(MetadataNode node) {
        if (node instanceof DictNode d) {
            List<MetadataNode> out = new ArrayList<>(d.keys());
            out.addAll(d.values());
            d.attributes().ifPresent(out::add);
            return out;
        }
        if (node instanceof SequenceNode s) {
            return s.items();
        }
        if (node instanceof ObjectNode o) {
            List<MetadataNode> out = new ArrayList<>(o.args());
            o.state().ifPresent(out::add);
            return out;
        }
        return List.of();
    }

    /** Post-order: a node is replaced when one of its children was; each distinct node is built once. */
    private static MetadataNode rebuild(MetadataNode root, Set<TensorNode> targets) {
        IdentityHashMap<MetadataNode, MetadataNode> done = new IdentityHashMap<>();
        Deque<Frame> stack = new ArrayDeque<>();
        stack.push(new Frame(root, children(root)));
        while (true) {
            Frame frame = stack.peek();
            if (frame.next < frame.children.size()) {
                MetadataNode child = frame.children.get(frame.next);
                MetadataNode built = done.get(child);
                if (built == null && children(child).isEmpty()) {
                    built = child instanceof TensorNode t && targets.contains(t) ? t.asParameter(t.requiresGrad()) : child;
                    done.put(child, built);
                }
                if (built != null) {
                    frame.accept(built);
                } else {
                    stack.push(new Frame(child, children(child)));
                }
                continue;
            }
            stack.pop();
            MetadataNode built = frame.changed ? assemble(frame.node, Arrays.asList(frame.built)) : frame.node;
            done.put(frame.node, built);
            if (stack.isEmpty()) {
                return built;
            }
            stack.peek().accept(built);
        }
    }

    private static final class Frame {
        final MetadataNode node;
        final List<MetadataNode> children;
        final MetadataNode[] built;
        int next;
        boolean changed;

        Frame(MetadataNode node, List<MetadataNode> children) {
            this.node = node;
            this.children = children;
            this.built = new MetadataNode[children.size()];
        }

        void accept(MetadataNode child) {
            changed |= child != children.get(next);
            built[next++] = child;
        }
    }

    private static MetadataNode assemble(MetadataNode node, List<MetadataNode> parts) {
        if (node instanceof DictNode d) {
            int n = d.size();
            DictNode attributes = d.attributes().isPresent() ? (DictNode) parts.get(2 * n) : null;
            return new DictNode(d.kind(), parts.subList(0, n), parts.subList(n, 2 * n), attributes);
        }
        if (node instanceof SequenceNode s) {
            return new SequenceNode(s.kind(), parts);
        }
        ObjectNode o = (ObjectNode) node;
        int n = o.args().size();
        return new ObjectNode(o.module(), o.name(), parts.subList(0, n), o.state().isPresent() ? parts.get(n) : null);
    }
}
