package dev.safeload.api.tree;

import java.util.Arrays;
import java.util.Objects;

/**
 * A dense tensor: a strided view into a {@link StorageInfo storage}.
 *
 * <h2>Guarantees in a verified result</h2>
 * <ul>
 *   <li>Sizes, strides and the storage offset are non-negative; their products and sums do not overflow.</li>
 *   <li>When the tensor has elements, {@code storageOffset + sum((size[i] - 1) * stride[i]) < storage.elementCount}
 *       (the view lies inside its storage).</li>
 *   <li>Its storage record exists and holds exactly {@code elementCount * elementSize} bytes.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe: array accessors return copies.
 *
 * @since 0.1
 */
public final class TensorNode implements MetadataNode {

    private final DType dtype;
    /** Sizes then strides, in one array to halve the per-tensor overhead of huge checkpoints. */
    private final long[] dims;
    private final long storageOffset;
    private final StorageInfo storage;
    private final boolean requiresGrad;
    private final boolean parameter;

    private TensorNode(DType dtype, long[] dims, long storageOffset, StorageInfo storage,
                       boolean requiresGrad, boolean parameter) {
        this.dtype = dtype;
        this.dims = dims;
        this.storageOffset = storageOffset;
        this.storage = storage;
        this.requiresGrad = requiresGrad;
        this.parameter = parameter;
    }

    /**
     * Creates a tensor node. The arrays are copied. This factory checks only that the arguments are
     * present and of equal rank; safeload's verifiers check the view against its storage.
     *
     * @param dtype the element type
     * @param shape the size of each dimension
     * @param stride the stride of each dimension, in elements
     * @param storageOffset the offset of the first element, in elements
     * @param storage the storage viewed
     * @param requiresGrad the tensor's {@code requires_grad} flag
     * @param parameter whether the tensor was an {@code nn.Parameter}
     * @return the node
     */
    public static TensorNode of(DType dtype, long[] shape, long[] stride, long storageOffset, StorageInfo storage,
                                boolean requiresGrad, boolean parameter) {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(storage, "storage");
        if (shape.length != stride.length) {
            throw new IllegalArgumentException("shape and stride differ in rank");
        }
        long[] dims = new long[shape.length * 2];
        System.arraycopy(shape, 0, dims, 0, shape.length);
        System.arraycopy(stride, 0, dims, shape.length, stride.length);
        return new TensorNode(dtype, dims, storageOffset, storage, requiresGrad, parameter);
    }

    /** {@return the same tensor marked as an {@code nn.Parameter} with the given flag} */
    public TensorNode asParameter(boolean requiresGrad) {
        return new TensorNode(dtype, dims, storageOffset, storage, requiresGrad, true);
    }

    /** {@return the element type} */
    public DType dtype() {
        return dtype;
    }

    /** {@return the number of dimensions} */
    public int rank() {
        return dims.length / 2;
    }

    /** {@return a copy of the sizes} */
    public long[] shape() {
        return Arrays.copyOfRange(dims, 0, rank());
    }

    /** {@return a copy of the strides, in elements} */
    public long[] stride() {
        return Arrays.copyOfRange(dims, rank(), dims.length);
    }

    /** {@return the size of one dimension} @param dim the dimension */
    public long size(int dim) {
        return dims[checkDim(dim)];
    }

    /** {@return the stride of one dimension} @param dim the dimension */
    public long stride(int dim) {
        return dims[rank() + checkDim(dim)];
    }

    private int checkDim(int dim) {
        if (dim < 0 || dim >= rank()) {
            throw new IndexOutOfBoundsException("dimension " + dim + " of a rank-" + rank() + " tensor");
        }
        return dim;
    }

    /** {@return the offset of the first element in the storage, in elements} */
    public long storageOffset() {
        return storageOffset;
    }

    /** {@return the storage viewed} */
    public StorageInfo storage() {
        return storage;
    }

    /** {@return the size in bytes of the storage record this tensor views} */
    public long byteLength() {
        return storage.recordBytes();
    }

    /** {@return the {@code requires_grad} flag} */
    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** {@return whether the tensor was an {@code nn.Parameter}} */
    public boolean isParameter() {
        return parameter;
    }

    /**
     * {@return the number of elements, the product of the sizes}
     *
     * @throws ArithmeticException if it overflows (never in a verified result)
     */
    public long elementCount() {
        long n = 1;
        for (int d = 0; d < rank(); d++) {
            n = Math.multiplyExact(n, dims[d]);
        }
        return n;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TensorNode that && that.dtype == dtype && Arrays.equals(that.dims, dims)
                && that.storageOffset == storageOffset
                && that.storage.equals(storage) && that.requiresGrad == requiresGrad && that.parameter == parameter;
    }

    @Override
    public int hashCode() {
        return Objects.hash(dtype, Arrays.hashCode(dims), storageOffset, storage);
    }

    @Override
    public String toString() {
        return (parameter ? "Parameter" : "Tensor") + "(" + dtype + ", shape=" + Arrays.toString(shape())
                + ", stride=" + Arrays.toString(stride()) + ", offset=" + storageOffset + ", storage=" + storage.key() + ")";
    }
}
