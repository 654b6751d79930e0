package dev.safeload.internal.safetensors;

import dev.safeload.api.tree.DType;

/**
 * One tensor as the header declares it, before its sizes and offsets are checked.
 *
 * @param name the header key
 * @param dtype the element type
 * @param shape the sizes, each non-negative (owned by this record; not copied)
 * @param begin the first byte of its data, relative to the data area
 * @param end one past its last byte, relative to the data area
 * @param fileOffset where its name starts in the file, for locations
 */
record DeclaredTensor(String name, DType dtype, long[] shape, long begin, long end, long fileOffset) {
}
