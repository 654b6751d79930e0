package dev.safeload.internal.pickle;

import dev.safeload.api.tree.DictNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The values the pickle machine keeps on its stack and memo while it simulates a pickle. Scalars are
 * plain Java objects ({@code String}, {@code Long}, {@code BigInteger}, {@code Double}, {@code Boolean},
 * {@link #NONE}); tuples are {@code Object[]}; tensors are API {@code TensorNode}s. The mutable
 * containers below exist only during simulation; the tree builder turns them into immutable nodes.
 */
final class Values {

    private Values() {
    }

    /** Python's None. */
    static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };

    /** A memo slot whose value was consumed by a call; torch.save never reads such a slot again. */
    static final Object CONSUMED = new Object() {
        @Override
        public String toString() {
            return "<consumed>";
        }
    };

    static final class PList {
        final ArrayList<Object> items = new ArrayList<>(4);
    }

    /** A dict in insertion order. Its lists are allocated on the first item: most dicts torch writes stay empty. */
    static final class PDict {
        private static final List<Object> EMPTY = List.of();
        final DictNode.Kind kind;
        private List<Object> keys = EMPTY;
        private List<Object> values = EMPTY;
        /** Attributes set by BUILD (an OrderedDict's {@code __dict__}), or null. */
        PDict attributes;

        PDict(DictNode.Kind kind) {
            this.kind = kind;
        }

        void put(Object key, Object value) {
            if (keys == EMPTY) {
                keys = new ArrayList<>(4);
                values = new ArrayList<>(4);
            }
            keys.add(key);
            values.add(value);
        }

        int size() {
            return keys.size();
        }

        boolean isEmpty() {
            return keys.isEmpty();
        }

        Object key(int i) {
            return keys.get(i);
        }

        Object value(int i) {
            return values.get(i);
        }
    }

    static final class PSet {
        final boolean frozen;
        final ArrayList<Object> items = new ArrayList<>(4);

        PSet(boolean frozen) {
            this.frozen = frozen;
        }
    }

    /** A str holding a short canonical decimal, such as a storage key, kept as an int. */
    record DecimalString(int value) {
    }

    /** bytes or bytearray. */
    record PBytes(byte[] bytes, boolean bytearray) {
    }

    /** A storage produced by a persistent id, before a rebuild function wraps it in a tensor. */
    record PStorage(dev.safeload.api.tree.StorageInfo info, boolean untyped) {
    }

    /** The result of a call to an allowlisted non-tensor global, or to a user-allowlisted class. */
    static final class PObject {
        final String module;
        final String name;
        final List<Object> args;
        final boolean acceptsState;
        Object state;

        PObject(String module, String name, List<Object> args, boolean acceptsState) {
            this.module = module;
            this.name = name;
            this.args = args;
            this.acceptsState = acceptsState;
        }
    }
}
