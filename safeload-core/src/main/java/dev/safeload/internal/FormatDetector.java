package dev.safeload.internal;

import dev.safeload.api.ModelFormat;
import dev.safeload.internal.io.ByteSource;
import java.nio.charset.StandardCharsets;
import org.apache.commons.compress.archivers.sevenz.SevenZFile;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Tells a file's format from its first bytes, never from its name. Zip archives are classified further
 * by their entry names once the central directory has been read.
 */
public final class FormatDetector {

    private static final byte[] ZIP_LOCAL = {'P', 'K', 3, 4};
    private static final byte[] ZIP_EMPTY = {'P', 'K', 5, 6};
    private static final byte[] PYTORCH_PREVIEW = "PYTORCH1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] GGUF = "GGUF".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HDF5 = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    private static final byte[] BOM_THEN_BRACE = {(byte) 0xef, (byte) 0xbb, (byte) 0xbf, '{'};
    /** Legacy torch.save starts with pickle(MAGIC_NUMBER): PROTO, an optional FRAME, then this LONG1 literal. */
    private static final byte[] LEGACY_MAGIC_LONG1 = {(byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc,
        (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19};

    private FormatDetector() {
    }

    public static ModelFormat detect(ByteSource source) {
        long size = source.size();
        if (size == 0) {
            return ModelFormat.EMPTY;
        }
        byte[] head = source.bytes(0, (int) Math.min(size, 512));
        // miniz finds a zip by its end record, so bytes prepended to a torch archive do not stop torch
        // from loading it: such a file is a zip here too, and the strict reader rejects the prefix.
        if (source.matches(0, ZIP_LOCAL) || source.matches(0, ZIP_EMPTY) || endsLikeZip(source)) {
            return ModelFormat.ZIP;
        }
        if (source.matches(0, PYTORCH_PREVIEW)) {
            return ModelFormat.TORCH_PREVIEW;
        }
        if (startsWithLegacyMagic(source)) {
            return ModelFormat.LEGACY_TORCH;
        }
        // Before pickle: a safetensors header length such as 384 (0x180) starts with the pickle PROTO byte.
        if (looksLikeSafetensors(source)) {
            return ModelFormat.SAFETENSORS;
        }
        if ((head[0] & 0xff) == 0x80 && head.length > 1 && (head[1] & 0xff) <= 5) {
            return ModelFormat.PICKLE;
        }
        if (SevenZFile.matches(head, head.length)) {
            return ModelFormat.SEVEN_ZIP;
        }
        if (GzipCompressorInputStream.matches(head, head.length)) {
            return ModelFormat.GZIP;
        }
        if (source.matches(0, GGUF)) {
            return ModelFormat.GGUF;
        }
        if (source.matches(0, HDF5)) {
            return ModelFormat.HDF5;
        }
        if (looksLikeOnnx(head)) {
            return ModelFormat.ONNX;
        }
        if (head.length >= 512 && TarArchiveInputStream.matches(head, head.length)) {
            return ModelFormat.TAR;
        }
        return ModelFormat.UNKNOWN;
    }

    private static boolean startsWithLegacyMagic(ByteSource source) {
        if (source.size() < 2 || source.u8(0) != 0x80) {
            return false;
        }
        long at = 2;
        if (source.size() > 11 && source.u8(2) == 0x95) { // FRAME, protocol 4 and later
            at += 9;
        }
        return source.matches(at, LEGACY_MAGIC_LONG1);
    }

    private static boolean endsLikeZip(ByteSource source) {
        return source.size() >= 22 && source.matches(source.size() - 22, ZIP_EMPTY);
    }

    /**
     * An ONNX ModelProto starts with field 1 ({@code ir_version}, a small varint) and names its producer or
     * opset early on. Only used to name what is rejected.
     */
    private static boolean looksLikeOnnx(byte[] head) {
        if (head.length < 8 || head[0] != 0x08 || head[1] < 1 || head[1] > 20) {
            return false;
        }
        String text = new String(head, StandardCharsets.ISO_8859_1);
        return text.contains("onnx") || text.contains("pytorch") || text.contains("tf2onnx") || text.contains("skl2onnx");
    }

    /**
     * An 8-byte little-endian header length below 4 GiB (real headers are at most 100 MB, so the upper four
     * bytes are zero, which text never has), followed by a JSON object, or by a byte order mark and a JSON
     * object. The length is not compared with the file size, and the byte order mark is not skipped: both are
     * for the safetensors parser to reject, not reasons to call the file unknown.
     */
    private static boolean looksLikeSafetensors(ByteSource source) {
        if (source.size() < 10) {
            return false;
        }
        long headerLength = source.u64(0);
        return headerLength > 1 && headerLength >>> 32 == 0
                && (source.u8(8) == '{' || source.matches(8, BOM_THEN_BRACE));
    }
}
