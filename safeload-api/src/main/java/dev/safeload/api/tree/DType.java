package dev.safeload.api.tree;

import java.util.Optional;

/**
 * A tensor element type, named as torch names it ({@code str(dtype)} without {@code torch.}).
 *
 * <p>New constants may be added in later versions: a {@code switch} over this type needs a {@code default}.
 *
 * @since 0.1
 */
public enum DType {
    /** {@code torch.float64}, saved as {@code DoubleStorage}. */
    FLOAT64("float64", 8, "DoubleStorage"),
    /** {@code torch.float32}, saved as {@code FloatStorage}. */
    FLOAT32("float32", 4, "FloatStorage"),
    /** {@code torch.float16}, saved as {@code HalfStorage}. */
    FLOAT16("float16", 2, "HalfStorage"),
    /** {@code torch.bfloat16}, saved as {@code BFloat16Storage}. */
    BFLOAT16("bfloat16", 2, "BFloat16Storage"),
    /** {@code torch.int64}, saved as {@code LongStorage}. */
    INT64("int64", 8, "LongStorage"),
    /** {@code torch.int32}, saved as {@code IntStorage}. */
    INT32("int32", 4, "IntStorage"),
    /** {@code torch.int16}, saved as {@code ShortStorage}. */
    INT16("int16", 2, "ShortStorage"),
    /** {@code torch.int8}, saved as {@code CharStorage}. */
    INT8("int8", 1, "CharStorage"),
    /** {@code torch.uint8}, saved as {@code ByteStorage}; also the element type of untyped storages. */
    UINT8("uint8", 1, "ByteStorage"),
    /** {@code torch.bool}, saved as {@code BoolStorage}. */
    BOOL("bool", 1, "BoolStorage"),
    /** {@code torch.complex128}, saved as {@code ComplexDoubleStorage}. */
    COMPLEX128("complex128", 16, "ComplexDoubleStorage"),
    /** {@code torch.complex64}, saved as {@code ComplexFloatStorage}. */
    COMPLEX64("complex64", 8, "ComplexFloatStorage"),
    /** {@code torch.complex32}, saved over an untyped storage by newer torch. */
    COMPLEX32("complex32", 4, null),
    /** {@code torch.uint16}, saved over an untyped storage by newer torch. */
    UINT16("uint16", 2, null),
    /** {@code torch.uint32}, saved over an untyped storage by newer torch. */
    UINT32("uint32", 4, null),
    /** {@code torch.uint64}, saved over an untyped storage by newer torch. */
    UINT64("uint64", 8, null),
    /** {@code torch.float8_e5m2}, saved over an untyped storage. */
    FLOAT8_E5M2("float8_e5m2", 1, null),
    /** {@code torch.float8_e4m3fn}, saved over an untyped storage. */
    FLOAT8_E4M3FN("float8_e4m3fn", 1, null),
    /** {@code torch.float8_e5m2fnuz}, saved over an untyped storage. */
    FLOAT8_E5M2FNUZ("float8_e5m2fnuz", 1, null),
    /** {@code torch.float8_e4m3fnuz}, saved over an untyped storage. */
    FLOAT8_E4M3FNUZ("float8_e4m3fnuz", 1, null);

    private final String torchName;
    private final int elementSize;
    private final String storageClass;

    DType(String torchName, int elementSize, String storageClass) {
        this.torchName = torchName;
        this.elementSize = elementSize;
        this.storageClass = storageClass;
    }

    /** {@return the torch name, for example {@code "bfloat16"}} */
    public String torchName() {
        return torchName;
    }

    /** {@return the size of one element in bytes} */
    public int elementSize() {
        return elementSize;
    }

    /** {@return the legacy typed storage class in module {@code torch}, if this dtype has one} */
    public Optional<String> storageClass() {
        return Optional.ofNullable(storageClass);
    }

    /** {@return the dtype with this torch name} @param name for example {@code "float32"} */
    public static Optional<DType> fromTorchName(String name) {
        for (DType d : values()) {
            if (d.torchName.equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /** {@return the dtype whose legacy storage class in module {@code torch} has this name} */
    public static Optional<DType> fromStorageClass(String name) {
        for (DType d : values()) {
            if (name.equals(d.storageClass)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return torchName;
    }
}
