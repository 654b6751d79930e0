package dev.safeload.internal.pickle;

/** What an allowlisted global is for, which decides how the machine may use it. */
enum GlobalKind {
    REBUILD_TENSOR_V2,
    REBUILD_TENSOR_V3,
    REBUILD_PARAMETER,
    REBUILD_PARAMETER_WITH_STATE,
    TYPED_STORAGE_CLASS,
    UNTYPED_STORAGE_CLASS,
    DTYPE,
    ORDERED_DICT,
    SET,
    BYTEARRAY,
    CODECS_ENCODE,
    COMPLEX,
    DEVICE,
    SIZE,
    /** {@code torch.storage._load_from_bytes}: plain pickles only; its bytes are vetted as a nested legacy file. */
    LOAD_FROM_BYTES,
    /** Added by the user: may be called (REDUCE/NEWOBJ) and its results built (BUILD). */
    USER
}
