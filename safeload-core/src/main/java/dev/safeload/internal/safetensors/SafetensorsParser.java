package dev.safeload.internal.safetensors;

import dev.safeload.api.Location;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.SafeText;
import dev.safeload.api.VerificationLimits;
import dev.safeload.api.tree.DictNode;
import dev.safeload.api.tree.MetadataNode;
import dev.safeload.api.tree.StorageInfo;
import dev.safeload.api.tree.StrNode;
import dev.safeload.api.tree.TensorNode;
import dev.safeload.internal.Reject;
import dev.safeload.internal.io.ByteSource;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Verifies a safetensors file: an 8-byte little-endian header length {@code N}, {@code N} bytes of UTF-8 JSON
 * declaring each tensor's dtype, shape and byte range, then the data area. Only the header is read; the
 * tensor data never is, so the work depends on the header, not on the file's size.
 *
 * <p>Checks, in order: the header length against {@code maxHeaderBytes} and the file, before anything else is
 * read; the header's bytes ({@link HeaderText}); its JSON against the format's grammar ({@link HeaderReader});
 * each tensor's byte range against its dtype and shape; and the ranges against the data area
 * ({@link DataLayout}). Header and JSON problems are {@code MALFORMED_ARCHIVE}, size and offset problems
 * {@code TENSOR_INCONSISTENT}, tripped limits {@code RESOURCE_LIMIT}.
 *
 * <p>The result is the tree the torch formats produce for a state dict: a dict from each name, in header
 * order, to a contiguous tensor over its own storage record of exactly its bytes; {@code __metadata__}
 * becomes the dict's attributes.
 */
public final class SafetensorsParser {

    private static final int LENGTH_BYTES = 8;

    private final ByteSource source;
    private final VerificationLimits limits;

    public SafetensorsParser(ByteSource source, VerificationLimits limits) {
        this.source = source;
        this.limits = limits;
    }

    /** The tree and the number of tensors in it. */
    public record Parsed(MetadataNode root, long tensorCount) {
    }

    public Parsed parse() {
        long fileBytes = source.size();
        if (fileBytes < LENGTH_BYTES) {
            throw Reject.of(RejectionCode.MALFORMED_ARCHIVE, "a file of " + fileBytes
                    + " bytes is too short for the 8-byte header length", Location.fileOffset(0));
        }
        long declared = source.u64(0);
        // An unsigned length past Long.MAX_VALUE reads as negative: it is over any limit.
        Reject.checkLimit("maxHeaderBytes", declared < 0 ? Long.MAX_VALUE : declared,
                Math.min(limits.maxHeaderBytes(), Integer.MAX_VALUE - 8L), Location.fileOffset(0));
        if (declared > fileBytes - LENGTH_BYTES) {
            throw Reject.of(RejectionCode.MALFORMED_ARCHIVE, "the header length " + declared
                    + " runs past the end of the " + fileBytes + "-byte file", Location.fileOffset(0));
        }
        ByteBuffer header = source.slice(LENGTH_BYTES, (int) declared);
        int jsonBytes = HeaderText.jsonLength(header, LENGTH_BYTES);
        HeaderReader.Header parsed = HeaderReader.read(header.duplicate().position(0).limit(jsonBytes), limits,
                LENGTH_BYTES);

        List<DeclaredTensor> tensors = parsed.tensors();
        long[] elementCounts = new long[tensors.size()];
        for (int i = 0; i < tensors.size(); i++) {
            elementCounts[i] = checkBytes(tensors.get(i));
        }
        long dataStart = LENGTH_BYTES + declared;
        long dataBytes = fileBytes - dataStart;
        DataLayout.checkTiling(tensors, dataBytes, dataStart);
        Reject.checkLimit("maxTotalDeclaredBytes", dataBytes, limits.maxTotalDeclaredBytes(), Location.NONE);
        int metadataEntries = parsed.metadata() == null ? 0 : parsed.metadata().size();
        Reject.checkLimit("maxTreeNodes", 1 + 2L * tensors.size() + (parsed.metadata() == null ? 0 : 1)
                + 2L * metadataEntries, limits.maxTreeNodes(), Location.NONE);
        int tensorCount = tensors.size();
        return new Parsed(tree(tensors, elementCounts, parsed.metadata()), tensorCount);
    }

    /** Checks that a tensor's byte range holds exactly its elements; returns its element count. */
    private static long checkBytes(DeclaredTensor tensor) {
        String quoted = "tensor '" + SafeText.escape(tensor.name()) + "'";
        if (tensor.begin() > tensor.end()) {
            throw inconsistent(tensor, quoted + " has data_offsets [" + tensor.begin() + ", " + tensor.end()
                    + "], which end before they begin");
        }
        long elements;
        long bytes;
        try {
            elements = 1;
            for (long size : tensor.shape()) {
                elements = Math.multiplyExact(elements, size);
            }
            bytes = Math.multiplyExact(elements, tensor.dtype().elementSize());
        } catch (ArithmeticException e) {
            throw inconsistent(tensor, quoted + " has shape " + Arrays.toString(tensor.shape())
                    + ", whose size in bytes overflows 64 bits");
        }
        if (tensor.end() - tensor.begin() != bytes) {
            throw inconsistent(tensor, quoted + " of shape " + Arrays.toString(tensor.shape()) + " and dtype "
                    + tensor.dtype() + " needs " + bytes + " bytes, but its data_offsets [" + tensor.begin() + ", "
                    + tensor.end() + "] span " + (tensor.end() - tensor.begin()));
        }
        return elements;
    }

    /** Builds the tree, dropping each declaration from {@code tensors} once its node exists, to halve the peak heap. */
    private static MetadataNode tree(List<DeclaredTensor> tensors, long[] elementCounts, List<String[]> metadata) {
        List<MetadataNode> names = new ArrayList<>(tensors.size());
        List<MetadataNode> values = new ArrayList<>(tensors.size());
        for (int i = 0; i < tensors.size(); i++) {
            DeclaredTensor tensor = tensors.set(i, null);
            StorageInfo storage = new StorageInfo(tensor.name(), tensor.dtype(), elementCounts[i], "data",
                    tensor.end() - tensor.begin());
            names.add(new StrNode(tensor.name()));
            values.add(TensorNode.of(tensor.dtype(), tensor.shape(), contiguousStrides(tensor), 0, storage,
                    false, false));
        }
        DictNode attributes = null;
        if (metadata != null) {
            List<MetadataNode> keys = new ArrayList<>(metadata.size());
            List<MetadataNode> texts = new ArrayList<>(metadata.size());
            for (String[] entry : metadata) {
                keys.add(new StrNode(entry[0]));
                texts.add(new StrNode(entry[1]));
            }
            attributes = new DictNode(DictNode.Kind.DICT, keys, texts);
        }
        return new DictNode(DictNode.Kind.DICT, names, values, attributes);
    }

    /**
     * Row-major strides as torch gives a contiguous tensor: each the product of the later sizes, with a size
     * of 0 counted as 1. Only an empty tensor can overflow here, since a non-empty one fits its bytes.
     */
    private static long[] contiguousStrides(DeclaredTensor tensor) {
        long[] shape = tensor.shape();
        long[] strides = new long[shape.length];
        long stride = 1;
        try {
            for (int d = shape.length - 1; d >= 0; d--) {
                strides[d] = stride;
                if (d > 0) {
                    stride = Math.multiplyExact(stride, Math.max(shape[d], 1));
                }
            }
        } catch (ArithmeticException e) {
            throw inconsistent(tensor, "tensor '" + SafeText.escape(tensor.name()) + "' has shape "
                    + Arrays.toString(shape) + ", whose strides overflow 64 bits");
        }
        return strides;
    }

    static Location locationOf(DeclaredTensor tensor) {
        return tensor.fileOffset() < 0 ? Location.NONE : Location.fileOffset(tensor.fileOffset());
    }

    private static Reject inconsistent(DeclaredTensor tensor, String message) {
        return Reject.of(RejectionCode.TENSOR_INCONSISTENT, message, locationOf(tensor));
    }
}
