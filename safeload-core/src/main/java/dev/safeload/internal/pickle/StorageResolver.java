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

    /**
     * Vets the bytes that {@code torch.storage._load_from_bytes} would hand to {@code torch.load} (how plain
     * pickles of tensors carry their storages) and returns the storage they hold. Only plain pickles
     * allow that global; other formats never get here.
     *
     * @param legacyFile the nested file's bytes
     * @param pickleOffset where in the pickle the call was made
     * @return the storage
     */
    default LoadedStorage loadFromBytes(byte[] legacyFile, long pickleOffset) {
        throw new IllegalStateException("this format does not nest storages");
    }

    /** A storage together with whether it was untyped. */
    record LoadedStorage(StorageInfo info, boolean untyped) {
    }
}
