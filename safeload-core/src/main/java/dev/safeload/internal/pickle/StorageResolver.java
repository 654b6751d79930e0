package dev.safeload.internal.pickle;

import dev.safeload.api.tree.DType;
import dev.safeload.api.tree.StorageInfo;

/** Turns a persistent id's storage declaration into the storage it names, or rejects it. */
@FunctionalInterface
public interface StorageResolver {
    /**
     * @param key the storage key
     * @param dtype the storage element type ({@link DType#UINT8} for untyped storages)
     * @param elementCount the declared element count, non-negative
     * @param pickleOffset where in the pickle the persistent id was read, for a rejection's location
     * @return the storage; the same object for every declaration of the same key
     */
    StorageInfo resolve(String key, DType dtype, long elementCount, long pickleOffset);
}
