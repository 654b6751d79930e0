package dev.safeload.api.tree;

import java.util.Objects;

/**
 * A storage that one or more tensors view: the persistent id's key, element type and element count,
 * and the archive record that holds its bytes. Tensors that share a storage share this object.
 *
 * <p>In a verified result, {@code recordBytes == elementCount * dtype.elementSize()} always holds.
 *
 * @param key the storage key from the persistent id (for example {@code "0"})
 * @param dtype the storage's element type ({@link DType#UINT8} for untyped storages)
 * @param elementCount the declared number of elements
 * @param recordName the archive record holding the bytes, without the root folder (for example {@code "data/0"})
 * @param recordBytes the record's actual size in bytes
 * @since 0.1
 */
public record StorageInfo(String key, DType dtype, long elementCount, String recordName, long recordBytes) {
    /** Checks the fields. */
    public StorageInfo {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(recordName, "recordName");
    }
}
