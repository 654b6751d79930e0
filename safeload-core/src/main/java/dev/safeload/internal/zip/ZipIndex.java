package dev.safeload.internal.zip;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The records of a verified torch archive, keyed by their name below the root folder. Storage records
 * ({@code data/<key>}) are kept in compact arrays indexed by their decimal key, because a checkpoint may
 * hold millions of them; other records are kept by name. Tracks which storage records were referenced.
 */
public final class ZipIndex {

    private final String root;
    private final int entryCount;
    private final Map<String, ZipRecord> named = new HashMap<>();
    private final String storagePrefix;
    // Dense storage keys "0", "1", ...: record sizes indexed by key; -1 marks a missing key. (Their data
    // offsets are not kept: nothing reads tensor data, and a checkpoint may have millions of records.)
    private long[] denseSize = new long[0];
    private final Map<String, ZipRecord> sparseStorage = new HashMap<>();
    private final BitSet denseReferenced = new BitSet();
    private final Set<String> sparseReferenced = new HashSet<>();
    /** DEFLATE-compressed records (TorchScript code), in archive order. */
    private final Map<String, DeflatedRecord> deflated = new java.util.LinkedHashMap<>();

    ZipIndex(String root, int entryCount, String storagePrefix) {
        this.root = root;
        this.entryCount = entryCount;
        this.storagePrefix = storagePrefix;
    }

    void add(String relativeName, long dataOffset, long size) {
        if (relativeName.startsWith(storagePrefix)) {
            String key = relativeName.substring(storagePrefix.length());
            int dense = denseKey(key, entryCount);
            if (dense >= 0) {
                if (dense >= denseSize.length) {
                    int capacity = Math.min(entryCount, Math.max(dense + 1, denseSize.length * 2));
                    int old = denseSize.length;
                    denseSize = Arrays.copyOf(denseSize, capacity);
                    Arrays.fill(denseSize, old, capacity, -1L);
                }
                denseSize[dense] = size;
                return;
            }
            sparseStorage.put(key, new ZipRecord(relativeName, dataOffset, size));
            return;
        }
        named.put(relativeName, new ZipRecord(relativeName, dataOffset, size));
    }

    void addDeflated(DeflatedRecord record) {
        deflated.put(record.name(), record);
    }

    /** The DEFLATE-compressed records, by name below the root, in archive order. */
    public Map<String, DeflatedRecord> deflatedRecords() {
        return java.util.Collections.unmodifiableMap(deflated);
    }

    /** The key's value if it is a canonical decimal below {@code bound}, else -1. */
    public static int denseKey(String key, int bound) {
        int length = key.length();
        if (length == 0 || length > 9 || (length > 1 && key.charAt(0) == '0')) {
            return -1;
        }
        int value = 0;
        for (int i = 0; i < length; i++) {
            char c = key.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value < bound ? value : -1;
    }

    public String root() {
        return root;
    }

    public int entryCount() {
        return entryCount;
    }

    /** A non-storage record by its name below the root, or null. */
    public ZipRecord record(String relativeName) {
        return named.get(relativeName);
    }

    public boolean has(String relativeName) {
        return named.containsKey(relativeName);
    }

    public Set<String> namedRecords() {
        return named.keySet();
    }

    /** The size of the storage record for a key, marking it referenced, or -1 if there is none. */
    public long referenceStorage(String key) {
        int dense = denseKey(key, denseSize.length);
        if (dense >= 0) {
            if (denseSize[dense] < 0) {
                return -1;
            }
            denseReferenced.set(dense);
            return denseSize[dense];
        }
        ZipRecord record = sparseStorage.get(key);
        if (record == null) {
            return -1;
        }
        sparseReferenced.add(key);
        return record.size();
    }

    /** Storage records that no persistent id referenced, at most {@code max} of them. */
    public List<String> unreferencedStorage(int max) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < denseSize.length && out.size() < max; i++) {
            if (denseSize[i] >= 0 && !denseReferenced.get(i)) {
                out.add(storagePrefix + i);
            }
        }
        for (String key : sparseStorage.keySet()) {
            if (out.size() >= max) {
                break;
            }
            if (!sparseReferenced.contains(key)) {
                out.add(storagePrefix + key);
            }
        }
        return out;
    }

    public long unreferencedStorageCount() {
        long count = 0;
        for (int i = 0; i < denseSize.length; i++) {
            if (denseSize[i] >= 0 && !denseReferenced.get(i)) {
                count++;
            }
        }
        for (String key : sparseStorage.keySet()) {
            if (!sparseReferenced.contains(key)) {
                count++;
            }
        }
        return count;
    }
}
