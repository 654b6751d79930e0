package dev.safeload.api;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Resource limits that bound the work and memory of one verification, checked before anything is
 * allocated or recursed into.
 *
 * <p>The defaults accept every real checkpoint up to at least one million tensors and one million zip
 * entries, while keeping a hostile file from taking more than a few hundred megabytes or a few seconds.
 * A tripped limit is a {@link RejectionCode#RESOURCE_LIMIT} rejection that names the limit, the value
 * seen and the value allowed ({@link Rejection.LimitBreach}).
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Immutable and thread-safe; there is no global default that can be changed at run time.</li>
 *   <li>Every limit is positive; {@link Builder#build()} refuses anything else.</li>
 * </ul>
 *
 * <pre>{@code
 * VerificationLimits limits = VerificationLimits.builder()
 *         .maxTensors(50_000)
 *         .maxPickleBytes(64L << 20)
 *         .build();
 * }</pre>
 *
 * @since 0.1
 */
public final class VerificationLimits {

    /** Default for {@link #maxPickleBytes()}: 1 GiB of pickle data. */
    public static final long DEFAULT_MAX_PICKLE_BYTES = 1L << 30;
    /** Default for {@link #maxOpcodes()}: 200 million opcodes (a 1M-tensor state dict has about 30 million). */
    public static final long DEFAULT_MAX_OPCODES = 200_000_000L;
    /** Default for {@link #maxMemoEntries()}: 50 million memo entries (a 1M-tensor state dict has about 8 million). */
    public static final long DEFAULT_MAX_MEMO_ENTRIES = 50_000_000L;
    /** Default for {@link #maxStackDepth()}: values on the pickle stack, 10 million. */
    public static final long DEFAULT_MAX_STACK_DEPTH = 10_000_000L;
    /** Default for {@link #maxNestingDepth()}: open MARKs and container nesting, 1,000. */
    public static final long DEFAULT_MAX_NESTING_DEPTH = 1_000L;
    /** Default for {@link #maxStringBytes()}: one string, 64 MiB of UTF-8. */
    public static final long DEFAULT_MAX_STRING_BYTES = 64L << 20;
    /** Default for {@link #maxBytesLength()}: one bytes value, 64 MiB. */
    public static final long DEFAULT_MAX_BYTES_LENGTH = 64L << 20;
    /** Default for {@link #maxTensors()}: 10 million tensors. */
    public static final long DEFAULT_MAX_TENSORS = 10_000_000L;
    /** Default for {@link #maxZipEntries()}: 10 million archive entries. */
    public static final long DEFAULT_MAX_ZIP_ENTRIES = 10_000_000L;
    /** Default for {@link #maxTotalDeclaredBytes()}: storages declaring 4 TiB in all. */
    public static final long DEFAULT_MAX_TOTAL_DECLARED_BYTES = 1L << 42;
    /** Default for {@link #maxTreeNodes()}: the metadata tree expanded into paths, 100 million nodes. */
    public static final long DEFAULT_MAX_TREE_NODES = 100_000_000L;
    /** Default for {@link #maxTensorRank()}: 64 dimensions. */
    public static final long DEFAULT_MAX_TENSOR_RANK = 64L;
    /**
     * Default for {@link #maxHeaderBytes()}: a safetensors JSON header of 100,000,000 bytes, the limit the
     * safetensors library itself enforces.
     */
    public static final long DEFAULT_MAX_HEADER_BYTES = 100_000_000L;
    /**
     * Default for {@link #maxCodeBytes()}: 64 MiB of TorchScript code and debug records in all, after
     * inflation (a scripted ResNet-50 has about 0.2 MiB).
     */
    public static final long DEFAULT_MAX_CODE_BYTES = 64L << 20;
    /**
     * Default for {@link #maxDirectoryFiles()}: 100,000 files in a model directory (a large Hugging Face
     * snapshot has a few hundred).
     */
    public static final long DEFAULT_MAX_DIRECTORY_FILES = 100_000L;
    /**
     * Default for {@link #maxManifestBytes()}: 16 MiB for a pin file, a signature, a model-signing bundle or a
     * shard index JSON, each read whole before it is parsed.
     */
    public static final long DEFAULT_MAX_MANIFEST_BYTES = 16L << 20;

    private static final VerificationLimits DEFAULTS = builder().build();

    private final long maxPickleBytes;
    private final long maxOpcodes;
    private final long maxMemoEntries;
    private final long maxStackDepth;
    private final long maxNestingDepth;
    private final long maxStringBytes;
    private final long maxBytesLength;
    private final long maxTensors;
    private final long maxZipEntries;
    private final long maxTotalDeclaredBytes;
    private final long maxTreeNodes;
    private final long maxTensorRank;
    private final long maxHeaderBytes;
    private final long maxCodeBytes;
    private final long maxDirectoryFiles;
    private final long maxManifestBytes;

    private VerificationLimits(Builder b) {
        this.maxPickleBytes = b.maxPickleBytes;
        this.maxOpcodes = b.maxOpcodes;
        this.maxMemoEntries = b.maxMemoEntries;
        this.maxStackDepth = b.maxStackDepth;
        this.maxNestingDepth = b.maxNestingDepth;
        this.maxStringBytes = b.maxStringBytes;
        this.maxBytesLength = b.maxBytesLength;
        this.maxTensors = b.maxTensors;
        this.maxZipEntries = b.maxZipEntries;
        this.maxTotalDeclaredBytes = b.maxTotalDeclaredBytes;
        this.maxTreeNodes = b.maxTreeNodes;
        this.maxTensorRank = b.maxTensorRank;
        this.maxHeaderBytes = b.maxHeaderBytes;
        this.maxCodeBytes = b.maxCodeBytes;
        this.maxDirectoryFiles = b.maxDirectoryFiles;
        this.maxManifestBytes = b.maxManifestBytes;
    }

    /** {@return the default limits} */
    public static VerificationLimits defaults() {
        return DEFAULTS;
    }

    /** {@return a builder starting from the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder starting from these limits} */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxPickleBytes = maxPickleBytes;
        b.maxOpcodes = maxOpcodes;
        b.maxMemoEntries = maxMemoEntries;
        b.maxStackDepth = maxStackDepth;
        b.maxNestingDepth = maxNestingDepth;
        b.maxStringBytes = maxStringBytes;
        b.maxBytesLength = maxBytesLength;
        b.maxTensors = maxTensors;
        b.maxZipEntries = maxZipEntries;
        b.maxTotalDeclaredBytes = maxTotalDeclaredBytes;
        b.maxTreeNodes = maxTreeNodes;
        b.maxTensorRank = maxTensorRank;
        b.maxHeaderBytes = maxHeaderBytes;
        b.maxCodeBytes = maxCodeBytes;
        b.maxDirectoryFiles = maxDirectoryFiles;
        b.maxManifestBytes = maxManifestBytes;
        return b;
    }

    /** {@return the largest pickle stream, in bytes} */
    public long maxPickleBytes() {
        return maxPickleBytes;
    }

    /** {@return the most opcodes one pickle may execute} */
    public long maxOpcodes() {
        return maxOpcodes;
    }

    /** {@return the most memo entries one pickle may write} */
    public long maxMemoEntries() {
        return maxMemoEntries;
    }

    /** {@return the most values on the pickle stack at once} */
    public long maxStackDepth() {
        return maxStackDepth;
    }

    /** {@return the deepest nesting of open MARKs, and of containers in the metadata tree} */
    public long maxNestingDepth() {
        return maxNestingDepth;
    }

    /** {@return the longest string, in UTF-8 bytes} */
    public long maxStringBytes() {
        return maxStringBytes;
    }

    /** {@return the longest bytes value} */
    public long maxBytesLength() {
        return maxBytesLength;
    }

    /** {@return the most tensors in one model} */
    public long maxTensors() {
        return maxTensors;
    }

    /** {@return the most entries in one zip archive} */
    public long maxZipEntries() {
        return maxZipEntries;
    }

    /** {@return the most bytes that all storages together may declare} */
    public long maxTotalDeclaredBytes() {
        return maxTotalDeclaredBytes;
    }

    /** {@return the most nodes in the metadata tree when shared subtrees are counted once per path} */
    public long maxTreeNodes() {
        return maxTreeNodes;
    }

    /** {@return the most dimensions of one tensor} */
    public long maxTensorRank() {
        return maxTensorRank;
    }

    /** {@return the longest safetensors JSON header, in bytes} */
    public long maxHeaderBytes() {
        return maxHeaderBytes;
    }

    /**
     * {@return the most bytes of TorchScript {@code code/} records in one archive, counted after
     * inflation} Checked against the sizes the archive declares before anything is inflated, and again
     * while inflating.
     */
    public long maxCodeBytes() {
        return maxCodeBytes;
    }

    /** {@return the most files (and directories) walked in one model directory, ignored ones included} */
    public long maxDirectoryFiles() {
        return maxDirectoryFiles;
    }

    /**
     * {@return the largest pin file, detached signature, model-signing bundle or shard index accepted}
     * Checked against the file's size before it is read.
     */
    public long maxManifestBytes() {
        return maxManifestBytes;
    }

    /** {@return every limit by name, in a stable order} */
    public Map<String, Long> asMap() {
        Map<String, Long> map = new LinkedHashMap<>();
        map.put("maxPickleBytes", maxPickleBytes);
        map.put("maxOpcodes", maxOpcodes);
        map.put("maxMemoEntries", maxMemoEntries);
        map.put("maxStackDepth", maxStackDepth);
        map.put("maxNestingDepth", maxNestingDepth);
        map.put("maxStringBytes", maxStringBytes);
        map.put("maxBytesLength", maxBytesLength);
        map.put("maxTensors", maxTensors);
        map.put("maxZipEntries", maxZipEntries);
        map.put("maxTotalDeclaredBytes", maxTotalDeclaredBytes);
        map.put("maxTreeNodes", maxTreeNodes);
        map.put("maxTensorRank", maxTensorRank);
        map.put("maxHeaderBytes", maxHeaderBytes);
        map.put("maxCodeBytes", maxCodeBytes);
        map.put("maxDirectoryFiles", maxDirectoryFiles);
        map.put("maxManifestBytes", maxManifestBytes);
        return Map.copyOf(map);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof VerificationLimits that && that.asMap().equals(asMap());
    }

    @Override
    public int hashCode() {
        return asMap().hashCode();
    }

    @Override
    public String toString() {
        return "VerificationLimits" + new java.util.TreeMap<>(asMap());
    }

    /**
     * Builds {@link VerificationLimits}. Not thread-safe; every setter rejects non-positive values
     * immediately with an {@link IllegalArgumentException} naming the limit.
     *
     * @since 0.1
     */
    public static final class Builder {
        private long maxPickleBytes = DEFAULT_MAX_PICKLE_BYTES;
        private long maxOpcodes = DEFAULT_MAX_OPCODES;
        private long maxMemoEntries = DEFAULT_MAX_MEMO_ENTRIES;
        private long maxStackDepth = DEFAULT_MAX_STACK_DEPTH;
        private long maxNestingDepth = DEFAULT_MAX_NESTING_DEPTH;
        private long maxStringBytes = DEFAULT_MAX_STRING_BYTES;
        private long maxBytesLength = DEFAULT_MAX_BYTES_LENGTH;
        private long maxTensors = DEFAULT_MAX_TENSORS;
        private long maxZipEntries = DEFAULT_MAX_ZIP_ENTRIES;
        private long maxTotalDeclaredBytes = DEFAULT_MAX_TOTAL_DECLARED_BYTES;
        private long maxTreeNodes = DEFAULT_MAX_TREE_NODES;
        private long maxTensorRank = DEFAULT_MAX_TENSOR_RANK;
        private long maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES;
        private long maxCodeBytes = DEFAULT_MAX_CODE_BYTES;
        private long maxDirectoryFiles = DEFAULT_MAX_DIRECTORY_FILES;
        private long maxManifestBytes = DEFAULT_MAX_MANIFEST_BYTES;

        private Builder() {
        }

        private static long positive(String name, long value) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + " must be positive, got " + value);
            }
            return value;
        }

        /** @param value bytes @return this builder */
        public Builder maxPickleBytes(long value) {
            maxPickleBytes = positive("maxPickleBytes", value);
            return this;
        }

        /** @param value opcodes @return this builder */
        public Builder maxOpcodes(long value) {
            maxOpcodes = positive("maxOpcodes", value);
            return this;
        }

        /** @param value memo slots @return this builder */
        public Builder maxMemoEntries(long value) {
            maxMemoEntries = positive("maxMemoEntries", value);
            return this;
        }

        /** @param value stack values @return this builder */
        public Builder maxStackDepth(long value) {
            maxStackDepth = positive("maxStackDepth", value);
            return this;
        }

        /** @param value nesting levels @return this builder */
        public Builder maxNestingDepth(long value) {
            maxNestingDepth = positive("maxNestingDepth", value);
            return this;
        }

        /** @param value UTF-8 bytes @return this builder */
        public Builder maxStringBytes(long value) {
            maxStringBytes = positive("maxStringBytes", value);
            return this;
        }

        /** @param value bytes @return this builder */
        public Builder maxBytesLength(long value) {
            maxBytesLength = positive("maxBytesLength", value);
            return this;
        }

        /** @param value tensors @return this builder */
        public Builder maxTensors(long value) {
            maxTensors = positive("maxTensors", value);
            return this;
        }

        /** @param value archive entries @return this builder */
        public Builder maxZipEntries(long value) {
            maxZipEntries = positive("maxZipEntries", value);
            return this;
        }

        /** @param value bytes @return this builder */
        public Builder maxTotalDeclaredBytes(long value) {
            maxTotalDeclaredBytes = positive("maxTotalDeclaredBytes", value);
            return this;
        }

        /** @param value tree nodes @return this builder */
        public Builder maxTreeNodes(long value) {
            maxTreeNodes = positive("maxTreeNodes", value);
            return this;
        }

        /** @param value dimensions @return this builder */
        public Builder maxTensorRank(long value) {
            maxTensorRank = positive("maxTensorRank", value);
            return this;
        }

        /** @param value bytes @return this builder */
        public Builder maxHeaderBytes(long value) {
            maxHeaderBytes = positive("maxHeaderBytes", value);
            return this;
        }

        /** @param value bytes of inflated TorchScript code @return this builder */
        public Builder maxCodeBytes(long value) {
            maxCodeBytes = positive("maxCodeBytes", value);
            return this;
        }

        /** @param value files in a model directory @return this builder */
        public Builder maxDirectoryFiles(long value) {
            maxDirectoryFiles = positive("maxDirectoryFiles", value);
            return this;
        }

        /** @param value bytes of one pin file, signature, bundle or index @return this builder */
        public Builder maxManifestBytes(long value) {
            maxManifestBytes = positive("maxManifestBytes", value);
            return this;
        }

        /** {@return the limits} */
        public VerificationLimits build() {
            return new VerificationLimits(this);
        }
    }
}
