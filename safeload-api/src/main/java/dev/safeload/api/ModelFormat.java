package dev.safeload.api;

/**
 * The kind of file safeload found, decided from its content and never from its name.
 *
 * <p>New constants may be added in later versions: a {@code switch} over this type needs a {@code default}.
 *
 * @since 0.1
 */
public enum ModelFormat {
    /** A {@code torch.save} zip archive (PyTorch 1.6 and later): {@code data.pkl} plus storage records. */
    TORCH_ZIP,
    /** A {@code torch.jit.save} TorchScript archive: a zip with {@code code/} and {@code constants.pkl}. */
    TORCHSCRIPT_ZIP,
    /** A lite-interpreter (mobile) TorchScript archive: a zip with {@code bytecode.pkl}. */
    TORCH_MOBILE_ZIP,
    /** A {@code torch.package} archive: a zip with {@code .data/extern_modules}. */
    TORCH_PACKAGE_ZIP,
    /** The legacy, non-zip {@code torch.save} format: stacked pickles followed by raw storages. */
    LEGACY_TORCH,
    /** A plain pickle stream that is not a legacy torch file. */
    PICKLE,
    /** The PyTorch 1.0 preview format ({@code PYTORCH1} magic). */
    TORCH_PREVIEW,
    /** A zip archive that is none of the torch kinds above. */
    ZIP,
    /** A safetensors file. */
    SAFETENSORS,
    /** A 7z archive. */
    SEVEN_ZIP,
    /** A gzip stream. */
    GZIP,
    /** A tar archive. */
    TAR,
    /** A GGUF model file. */
    GGUF,
    /** An ONNX model (a protobuf {@code ModelProto}). */
    ONNX,
    /** An HDF5 file, such as a Keras {@code .h5} model. */
    HDF5,
    /** A Keras v3 {@code .keras} archive: a zip with {@code config.json} and {@code metadata.json}. */
    KERAS_ZIP,
    /**
     * A model directory verified as one unit ({@code SafeModelLoader.verifyDirectory}): its tree maps each
     * file's relative path to that file's own tree.
     */
    DIRECTORY,
    /** An empty file. */
    EMPTY,
    /** Content safeload does not recognise. */
    UNKNOWN
}
