package dev.safeload.internal;

/**
 * A set of objects compared by identity, with open addressing in one array: about a quarter of the
 * memory of an {@code IdentityHashMap}-backed set, which matters when a checkpoint has millions of tensors.
 * Not thread-safe.
 */
public final class IdentitySet {

    private Object[] table;
    private int size;

    public IdentitySet() {
        this(16);
    }

    /** @param expected how many objects will probably be added, to size the table once */
    public IdentitySet(long expected) {
        long capacity = Long.highestOneBit(Math.max(16, Math.min(expected, 1L << 28)) * 2 - 1) * 2;
        table = new Object[(int) capacity];
    }

    /** Adds {@code value}; returns false if it was already present. */
    public boolean add(Object value) {
        if ((size + 1) * 2 > table.length) {
            grow();
        }
        int mask = table.length - 1;
        int i = mix(System.identityHashCode(value)) & mask;
        while (table[i] != null) {
            if (table[i] == value) {
                return false;
            }
            i = (i + 1) & mask;
        }
        table[i] = value;
        size++;
        return true;
    }

    public int size() {
        return size;
    }

    private void grow() {
        Object[] old = table;
        table = new Object[old.length * 2];
        int mask = table.length - 1;
        for (Object value : old) {
            if (value != null) {
                int i = mix(System.identityHashCode(value)) & mask;
                while (table[i] != null) {
                    i = (i + 1) & mask;
                }
                table[i] = value;
            }
        }
    }

    private static int mix(int h) {
        h *= 0x9e3779b9;
        return h ^ (h >>> 16);
    }
}
