package dev.safeload.internal.pickle;

import dev.safeload.api.Location;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.VerificationLimits;
import dev.safeload.api.tree.BoolNode;
import dev.safeload.api.tree.BytesNode;
import dev.safeload.api.tree.DictNode;
import dev.safeload.api.tree.FloatNode;
import dev.safeload.api.tree.GlobalNode;
import dev.safeload.api.tree.IntNode;
import dev.safeload.api.tree.MetadataNode;
import dev.safeload.api.tree.NoneNode;
import dev.safeload.api.tree.ObjectNode;
import dev.safeload.api.tree.SequenceNode;
import dev.safeload.api.tree.StrNode;
import dev.safeload.api.tree.TensorNode;
import dev.safeload.internal.Reject;
import dev.safeload.internal.pickle.Values.PBytes;
import dev.safeload.internal.pickle.Values.PDict;
import dev.safeload.internal.pickle.Values.PList;
import dev.safeload.internal.pickle.Values.PObject;
import dev.safeload.internal.pickle.Values.PSet;
import dev.safeload.internal.pickle.Values.PStorage;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the machine's result into the immutable metadata tree. Containers referenced from several places
 * become one shared node. Walks iteratively, so deep nesting cannot overflow the Java stack, and rejects
 * cycles and trees whose expansion (every shared subtree counted once per path) exceeds
 * {@link VerificationLimits#maxTreeNodes()} or whose nesting exceeds {@link VerificationLimits#maxNestingDepth()}:
 * a consumer that walks the tree naively must still terminate quickly.
 */
public final class TreeBuilder {

    private final VerificationLimits limits;
    private final Location location;
    private final IdentityHashMap<Object, Built> done = new IdentityHashMap<>();

    private record Built(MetadataNode node, long expanded, long depth) {
    }

    private static final Object IN_PROGRESS = new Object();

    public TreeBuilder(VerificationLimits limits, Location location) {
        this.limits = limits;
        this.location = location;
    }

    public MetadataNode build(Object root) {
        Built built = convert(root);
        return built.node;
    }

    private Built convert(Object root) {
        Built leaf = leaf(root);
        if (leaf != null) {
            return leaf;
        }
        // Explicit post-order walk: a frame per open container, children converted before parents.
        List<Frame> stack = new ArrayList<>();
        IdentityHashMap<Object, Object> onPath = new IdentityHashMap<>();
        stack.add(new Frame(root, children(root)));
        onPath.put(root, IN_PROGRESS);
        while (true) {
            Frame frame = stack.get(stack.size() - 1);
            if (frame.next < frame.children.length) {
                Object child = frame.children[frame.next];
                Built built = leaf(child);
                if (built == null) {
                    built = done.get(child);
                }
                if (built != null) {
                    frame.accept(built, limits, location);
                    continue;
                }
                if (onPath.containsKey(child)) {
                    throw Reject.of(RejectionCode.MALFORMED_PICKLE, "the pickle builds a container that contains itself",
                            location);
                }
                Reject.checkLimit("maxNestingDepth", stack.size() + 1L, limits.maxNestingDepth(), location);
                onPath.put(child, IN_PROGRESS);
                stack.add(new Frame(child, children(child)));
                continue;
            }
            stack.remove(stack.size() - 1);
            onPath.remove(frame.value);
            Built built = new Built(assemble(frame.value, frame.converted), frame.expanded, frame.depth + 1);
            done.put(frame.value, built);
            if (stack.isEmpty()) {
                return built;
            }
            stack.get(stack.size() - 1).accept(built, limits, location);
        }
    }

    private static final class Frame {
        final Object value;
        final Object[] children;
        final MetadataNode[] converted;
        int next;
        long expanded = 1;
        long depth;

        Frame(Object value, Object[] children) {
            this.value = value;
            this.children = children;
            this.converted = new MetadataNode[children.length];
        }

        void accept(Built child, VerificationLimits limits, Location location) {
            converted[next++] = child.node;
            expanded = saturatingAdd(expanded, child.expanded);
            Reject.checkLimit("maxTreeNodes", expanded, limits.maxTreeNodes(), location);
            depth = Math.max(depth, child.depth);
        }
    }

    private static long saturatingAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    /** Containers' children in a fixed order: dict keys then values then attributes, etc. */
    private static Object[] children(Object value) {
        if (value instanceof Object[] tuple) {
            return tuple;
        }
        if (value instanceof PList list) {
            return list.items.toArray();
        }
        if (value instanceof PSet set) {
            return set.items.toArray();
        }
        if (value instanceof PDict dict) {
            int n = dict.size();
            Object[] out = new Object[2 * n + (dict.attributes != null ? 1 : 0)];
            for (int i = 0; i < n; i++) {
                out[i] = dict.key(i);
                out[n + i] = dict.value(i);
            }
            if (dict.attributes != null) {
                out[2 * n] = dict.attributes;
            }
            return out;
        }
        if (value instanceof PObject object) {
            Object[] out = object.args.toArray(new Object[object.args.size() + (object.state != null ? 1 : 0)]);
            if (object.state != null) {
                out[object.args.size()] = object.state;
            }
            return out;
        }
        throw new IllegalStateException("not a container: " + value.getClass());
    }

    private MetadataNode assemble(Object value, MetadataNode[] parts) {
        if (value instanceof Object[]) {
            return new SequenceNode(SequenceNode.Kind.TUPLE, Arrays.asList(parts));
        }
        if (value instanceof PList) {
            return new SequenceNode(SequenceNode.Kind.LIST, Arrays.asList(parts));
        }
        if (value instanceof PSet set) {
            return new SequenceNode(set.frozen ? SequenceNode.Kind.FROZENSET : SequenceNode.Kind.SET,
                    dedupe(Arrays.asList(parts)));
        }
        if (value instanceof PDict dict) {
            int n = dict.size();
            List<MetadataNode> keys = Arrays.asList(parts).subList(0, n);
            List<MetadataNode> values = Arrays.asList(parts).subList(n, 2 * n);
            DictNode attributes = dict.attributes != null ? (DictNode) parts[2 * n] : null;
            return dictWithPythonSemantics(dict.kind, keys, values, attributes);
        }
        PObject object = (PObject) value;
        int n = object.args.size();
        return new ObjectNode(object.module, object.name, Arrays.asList(parts).subList(0, n),
                object.state != null ? parts[n] : null);
    }

    /** A key set twice keeps its first position and takes the last value, as a Python dict does. */
    private static DictNode dictWithPythonSemantics(DictNode.Kind kind, List<MetadataNode> keys,
                                                    List<MetadataNode> values, DictNode attributes) {
        if (!mayHaveDuplicates(keys)) {
            return new DictNode(kind, keys, values, attributes);
        }
        Map<Object, Integer> positions = new HashMap<>(keys.size() * 2);
        List<MetadataNode> outKeys = new ArrayList<>(keys.size());
        List<MetadataNode> outValues = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            Object identity = keyIdentity(keys.get(i));
            Integer seen = positions.putIfAbsent(identity, outKeys.size());
            if (seen == null) {
                outKeys.add(keys.get(i));
                outValues.add(values.get(i));
            } else {
                outValues.set(seen, values.get(i));
            }
        }
        return new DictNode(kind, outKeys, outValues, attributes);
    }

    /** Whether two keys share a hash code: a cheap pre-check, so that huge dicts need no hash map. */
    private static boolean mayHaveDuplicates(List<MetadataNode> keys) {
        int[] hashes = new int[keys.size()];
        for (int i = 0; i < hashes.length; i++) {
            hashes[i] = keyIdentity(keys.get(i)).hashCode();
        }
        Arrays.sort(hashes);
        for (int i = 1; i < hashes.length; i++) {
            if (hashes[i] == hashes[i - 1]) {
                return true;
            }
        }
        return false;
    }

    private static List<MetadataNode> dedupe(List<MetadataNode> items) {
        Map<Object, Boolean> seen = new HashMap<>();
        List<MetadataNode> out = new ArrayList<>(items.size());
        for (MetadataNode item : items) {
            if (seen.putIfAbsent(keyIdentity(item), Boolean.TRUE) == null) {
                out.add(item);
            }
        }
        return out;
    }

    /**
     * Python key equality: numbers compare by value across bool, int and float; tensors by identity;
     * everything else that is hashable by value.
     */
    private static Object keyIdentity(MetadataNode node) {
        if (node instanceof BoolNode b) {
            return BigInteger.valueOf(b.value() ? 1 : 0);
        }
        if (node instanceof IntNode i) {
            return i.value();
        }
        if (node instanceof FloatNode f) {
            double d = f.value();
            if (d == Math.rint(d) && !Double.isInfinite(d)) {
                return new java.math.BigDecimal(d).toBigIntegerExact();
            }
            return Double.isNaN(d) ? new Object() : (Object) d;
        }
        if (node instanceof TensorNode) {
            return new IdentityKey(node);
        }
        if (node instanceof SequenceNode s && s.kind() == SequenceNode.Kind.TUPLE) {
            List<Object> parts = new ArrayList<>(s.size());
            for (MetadataNode item : s.items()) {
                parts.add(keyIdentity(item));
            }
            return parts;
        }
        return node;
    }

    private record IdentityKey(Object node) {
        @Override
        public boolean equals(Object other) {
            return other instanceof IdentityKey k && k.node == node;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(node);
        }
    }

    private Built leaf(Object value) {
        MetadataNode node;
        if (value instanceof String s) {
            node = new StrNode(s);
        } else if (value instanceof Values.DecimalString d) {
            node = new StrNode(Integer.toString(d.value()));
        } else if (value instanceof Long l) {
            node = IntNode.of(l);
        } else if (value instanceof BigInteger b) {
            node = IntNode.of(b);
        } else if (value instanceof Double d) {
            node = new FloatNode(d);
        } else if (value instanceof Boolean b) {
            node = BoolNode.of(b);
        } else if (value == Values.NONE) {
            node = NoneNode.INSTANCE;
        } else if (value instanceof PBytes b) {
            node = new BytesNode(b.bytes(), b.bytearray());
        } else if (value instanceof GlobalRef g) {
            node = new GlobalNode(g.module(), g.name());
        } else if (value instanceof TensorNode t) {
            node = t;
        } else if (value instanceof PStorage) {
            throw Reject.of(RejectionCode.MALFORMED_PICKLE,
                    "a storage outside any tensor (saving bare storages is not supported)", location);
        } else if (value == Values.CONSUMED) {
            throw Reject.of(RejectionCode.MALFORMED_PICKLE, "a consumed call argument ends up in the result", location);
        } else {
            return null;
        }
        return new Built(node, 1, 0);
    }
}
