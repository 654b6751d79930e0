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
    USER,
    /** TorchScript: {@code torch.jit._pickle.build_intlist(list)}, the identity on a list of ints. */
    BUILD_INTLIST,
    /** TorchScript: {@code build_doublelist(list)}, the identity on a list of floats. */
    BUILD_DOUBLELIST,
    /** TorchScript: {@code build_boollist(list)}, the identity on a list of bools. */
    BUILD_BOOLLIST,
    /** TorchScript: {@code build_tensorlist(list)}, the identity on a list of tensors. */
    BUILD_TENSORLIST,
    /** TorchScript (legacy): {@code build_tensor_from_id(int)}, which returns the int. */
    BUILD_TENSOR_FROM_ID,
    /** TorchScript: {@code restore_type_tag(value, type_str)}, which returns the value. */
    RESTORE_TYPE_TAG,
    /** TorchScript: a {@code __torch__} class that the archive's code/ defines; NEWOBJ then BUILD only. */
    SCRIPT_CLASS
}
