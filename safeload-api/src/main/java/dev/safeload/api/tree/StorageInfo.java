package dev.safeload.api.tree;

import java.util.Objects;

/**
 * A storage that one or more tensors view: the persistent id's key, element type and element count,
 * and the archive record that holds its bytes. Tensors that share a storage share this object.
 *
 * <p>In a verified result, {@code recordBytes() == elementCount() * dtype().elementSize()} always holds.
 *
 * <p>Immutable and thread-safe. (A final class rather than a record so that the record name, which
 * millions of storages share the folder of, is derived rather than stored.)
 *
 * @since 0.1
 */
public final class StorageInfo {

    private static final String DEFAULT_FOLDER = "data";

    /** The key, unless it is a small canonical decimal, which {@link #numericKey} holds instead. */
    private final String key;
    private final int numericKey;
    private final DType dtype;
    private final long elementCount;
    /** The record's folder, or null for the usual {@code "data"}. */
    private final String recordFolder;
    private final long recordBytes;

    /**
     * @param key the storage key from the persistent id (for example {@code "0"})
     * @param dtype the storage's element type ({@link DType#UINT8} for untyped storages)
     * @param elementCount the declared number of elements
     * @param recordFolder the archive folder of the record, without the root folder (for example {@code "data"})
     * @param recordBytes the record's actual size in bytes
     */
    public StorageInfo(String key, DType dtype, long elementCount, String recordFolder, long recordBytes) {
        Objects.requireNonNull(key, "key");
        // Checkpoints hold up to millions of storages keyed "0", "1", ...: keep those keys as ints.
        this.numericKey = canonicalDecimal(key);
        this.key = numericKey >= 0 ? null : key;
        this.dtype = Objects.requireNonNull(dtype, "dtype");
        this.elementCount = elementCount;
        this.recordFolder = Objects.requireNonNull(recordFolder, "recordFolder").equals(DEFAULT_FOLDER)
                ? null : recordFolder;
        this.recordBytes = recordBytes;
    }

    private static int canonicalDecimal(String key) {
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
        return value;
    }

    /** {@return the storage key from the persistent id} */
    public String key() {
        return key != null ? key : Integer.toString(numericKey);
    }

    /** {@return the storage's element type} */
    public DType dtype() {
        return dtype;
    }

    /** {@return the declared number of elements} */
    public long elementCount() {
        return elementCount;
    }

    /** {@return the record holding the bytes, below the archive's root folder, for example {@code "data/0"}} */
    public String recordName() {
        return folder() + "/" + key();
    }

    private String folder() {
        return recordFolder != null ? recordFolder : DEFAULT_FOLDER;
    }

    /** {@return the record's actual size in bytes} */
    public long recordBytes() {
        return recordBytes;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof StorageInfo that && that.key().equals(key()) && that.dtype == dtype
                && that.elementCount == elementCount && that.folder().equals(folder())
                && that.recordBytes == recordBytes;
    }

    @Override
    public int hashCode() {
        return Objects.hash(key(), dtype, elementCount, folder(), recordBytes);
    }

    @Override
    public String toString() {
        return "StorageInfo[" + recordName() + ", " + dtype + " x " + elementCount + ", " + recordBytes + " bytes]";
    }
}
