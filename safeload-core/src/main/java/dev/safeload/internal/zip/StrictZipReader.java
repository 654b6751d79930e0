package dev.safeload.internal.zip;

import dev.safeload.api.Location;
import dev.safeload.api.ModelFormat;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.SafeText;
import dev.safeload.api.VerificationLimits;
import dev.safeload.internal.Reject;
import dev.safeload.internal.io.ByteSource;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Predicate;
import org.apache.commons.compress.archivers.zip.UnixStat;
import org.apache.commons.compress.archivers.zip.ZipLong;
import org.apache.commons.compress.archivers.zip.ZipMethod;

/**
 * Reads the central directory of a torch-style zip archive and checks it against every local header,
 * far more strictly than a general zip reader: whatever torch's reader (miniz) and Python's or Java's
 * zip readers could disagree on is a rejection.
 *
 * <p>The archive must tile the file exactly: local entries one after another from offset 0, each
 * followed by its data and data descriptor, then the central directory, the optional ZIP64 records and
 * the end record, with no comment and nothing before, between or after. All arithmetic on offsets and
 * sizes is overflow-checked against the file length.
 */
public final class StrictZipReader {

    private static final long LFH_SIG = ZipLong.LFH_SIG.getValue();
    private static final long CFH_SIG = ZipLong.CFH_SIG.getValue();
    private static final long DD_SIG = ZipLong.DD_SIG.getValue();
    private static final long EOCD_SIG = 0x06054b50L;
    private static final long ZIP64_EOCD_SIG = 0x06064b50L;
    private static final long ZIP64_LOCATOR_SIG = 0x07064b50L;
    private static final int FLAG_DATA_DESCRIPTOR = 0x0008;
    private static final int FLAG_UTF8 = 0x0800;
    private static final int HEADER_ID_ZIP64 = 0x0001;
    /** PyTorchStreamWriter pads local headers to 64-byte data alignment with this extra field ("FB"). */
    private static final int HEADER_ID_TORCH_PADDING = 0x4246;
    private static final int UNIX_HOST = 3;
    private static final long U32_MAX = 0xffffffffL;
    private static final int U16_MAX = 0xffff;

    private final ByteSource source;
    private final VerificationLimits limits;
    private final boolean verifyCrc;

    public StrictZipReader(ByteSource source, VerificationLimits limits, boolean verifyCrc) {
        this.source = source;
        this.limits = limits;
        this.verifyCrc = verifyCrc;
    }

    /** Where the central directory is, from the end records. */
    public record Directory(long offset, long end, long entries) {
    }

    /** Locates the central directory through the end records, checking that nothing follows them. */
    public Directory directory() {
        long size = source.size();
        if (size < 22) {
            throw malformed("file too short for a zip end record", Location.NONE);
        }
        long eocd = size - 22;
        if (source.u32(eocd) != EOCD_SIG) {
            throw malformed("no end-of-central-directory record at the end of the file"
                    + " (an archive comment or appended data is not allowed)", Location.fileOffset(eocd));
        }
        int thisDisk = source.u16(eocd + 4);
        int cdDisk = source.u16(eocd + 6);
        long entriesOnDisk = source.u16(eocd + 8);
        long entries = source.u16(eocd + 10);
        long cdSize = source.u32(eocd + 12);
        long cdOffset = source.u32(eocd + 16);
        int commentLength = source.u16(eocd + 20);
        if (thisDisk != 0 || cdDisk != 0 || entriesOnDisk != entries || commentLength != 0) {
            throw malformed("multi-disk archive or archive comment", Location.fileOffset(eocd));
        }
        long cdEnd = eocd;
        long locator = eocd - 20;
        if (locator >= 0 && source.u32(locator) == ZIP64_LOCATOR_SIG) {
            long zip64Disk = source.u32(locator + 4);
            long zip64Offset = source.u64(locator + 8);
            long totalDisks = source.u32(locator + 16);
            if (zip64Disk != 0 || totalDisks != 1 || zip64Offset != locator - 56) {
                throw malformed("ZIP64 locator does not point at the record right before it",
                        Location.fileOffset(locator));
            }
            long z = zip64Offset;
            if (source.u32(z) != ZIP64_EOCD_SIG || source.u64(z + 4) != 44
                    || source.u32(z + 16) != 0 || source.u32(z + 20) != 0) {
                throw malformed("malformed ZIP64 end-of-central-directory record", Location.fileOffset(z));
            }
            long entriesOnDisk64 = source.u64(z + 24);
            long entries64 = source.u64(z + 32);
            long cdSize64 = source.u64(z + 40);
            long cdOffset64 = source.u64(z + 48);
            if (entriesOnDisk64 != entries64
                    || !agrees(entries, entries64, U16_MAX)
                    || !agrees(cdSize, cdSize64, U32_MAX)
                    || !agrees(cdOffset, cdOffset64, U32_MAX)) {
                throw malformed("ZIP64 and classic end records disagree", Location.fileOffset(z));
            }
            entries = entries64;
            cdSize = cdSize64;
            cdOffset = cdOffset64;
            cdEnd = zip64Offset;
        }
        if (entries < 0 || cdSize < 0 || cdOffset < 0 || cdOffset > cdEnd || cdSize != cdEnd - cdOffset) {
            throw malformed("central directory offset or size does not match the end records",
                    Location.fileOffset(cdEnd));
        }
        Reject.checkLimit("maxZipEntries", entries, limits.maxZipEntries(), Location.NONE);
        if (entries == 0) {
            throw malformed("archive holds no entries", Location.NONE);
        }
        if (cdSize / 46 < entries) {
            throw malformed("central directory too small for its entry count", Location.fileOffset(cdOffset));
        }
        return new Directory(cdOffset, cdEnd, entries);
    }

    private static boolean agrees(long classic, long zip64, long sentinel) {
        return classic == sentinel || classic == zip64;
    }

    /**
     * Tells the archive's kind from its entry names before the strict checks, checking nothing but bounds
     * and allocating nothing per entry. TorchScript, mobile and torch.package archives are recognised by
     * their marker records; an archive with {@code data.pkl} or {@code version} below its first folder is
     * taken as a torch.save archive, which the strict pass then checks.
     */
    public ModelFormat classify(Directory dir) {
        boolean torch = false;
        boolean kerasConfig = false;
        boolean kerasMetadata = false;
        boolean script = false;
        boolean mobile = false;
        long pos = dir.offset();
        for (long i = 0; i < dir.entries(); i++) {
            if (pos > dir.end() - 46 || source.u32(pos) != CFH_SIG) {
                return ModelFormat.TORCH_ZIP; // the strict pass says what is wrong
            }
            int nameLength = source.u16(pos + 28);
            long name = pos + 46;
            if (name + nameLength > dir.end()) {
                return ModelFormat.TORCH_ZIP;
            }
            long slash = -1;
            for (long p = name; p < name + nameLength; p++) {
                if (source.u8(p) == '/') {
                    slash = p;
                    break;
                }
            }
            kerasConfig |= is(name, nameLength, "config.json");
            kerasMetadata |= is(name, nameLength, "metadata.json");
            if (slash >= 0) {
                long rel = slash + 1;
                int relLength = (int) (name + nameLength - rel);
                // A mobile archive also holds TorchScript's records: the most specific marker wins, whatever
                // the order of the entries.
                script |= is(rel, relLength, "constants.pkl") || startsWith(rel, relLength, "code/")
                        || is(rel, relLength, "model.json");
                mobile |= is(rel, relLength, "bytecode.pkl");
                if (is(rel, relLength, ".data/extern_modules") || is(rel, relLength, ".data/python_version")) {
                    return ModelFormat.TORCH_PACKAGE_ZIP;
                }
                torch |= is(rel, relLength, "data.pkl") || is(rel, relLength, "version")
                        || is(rel, relLength, ".data/version");
            }
            pos += 46L + nameLength + source.u16(pos + 30) + source.u16(pos + 32);
        }
        if (mobile) {
            return ModelFormat.TORCH_MOBILE_ZIP;
        }
        if (script) {
            return ModelFormat.TORCHSCRIPT_ZIP;
        }
        if (torch) {
            return ModelFormat.TORCH_ZIP;
        }
        return kerasConfig && kerasMetadata ? ModelFormat.KERAS_ZIP : ModelFormat.ZIP;
    }

    private boolean is(long pos, int length, String ascii) {
        return length == ascii.length() && startsWith(pos, length, ascii);
    }

    private boolean startsWith(long pos, int length, String ascii) {
        if (length < ascii.length()) {
            return false;
        }
        for (int i = 0; i < ascii.length(); i++) {
            if (source.u8(pos + i) != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Walks and checks every entry, returning the index of records below the archive's root folder.
     *
     * @param storagePrefix the folder of storage records, such as {@code "data/"}
     */
    public ZipIndex read(Directory dir, String storagePrefix) {
        return read(dir, storagePrefix, name -> false);
    }

    /**
     * As {@link #read(Directory, String)}, but records whose name below the root satisfies
     * {@code deflateAllowed} may also be DEFLATE-compressed (method 8), as TorchScript's {@code code/}
     * records are. Such records are indexed as {@link DeflatedRecord}s: their sizes and headers are
     * checked here, their CRC only once the caller has inflated them.
     *
     * @param storagePrefix the folder of storage records, such as {@code "data/"}
     * @param deflateAllowed which relative names may be compressed
     */
    public ZipIndex read(Directory dir, String storagePrefix, Predicate<String> deflateAllowed) {
        int entries = (int) dir.entries();
        long pos = dir.offset();
        long expectedLocal = 0;
        long[] nameHashes = new long[entries];
        long[] cdPositions = new long[entries];
        String root = null;
        ZipIndex index = null;
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);

        for (int i = 0; i < entries; i++) {
            Location at = Location.fileOffset(pos);
            if (pos > dir.end() - 46 || source.u32(pos) != CFH_SIG) {
                throw malformed("central directory entry " + i + " is missing or truncated", at);
            }
            cdPositions[i] = pos;
            int madeBy = source.u16(pos + 4);
            int flags = source.u16(pos + 8);
            int method = source.u16(pos + 10);
            long crc = source.u32(pos + 16);
            long compressed = source.u32(pos + 20);
            long uncompressed = source.u32(pos + 24);
            int nameLength = source.u16(pos + 28);
            int extraLength = source.u16(pos + 30);
            int commentLength = source.u16(pos + 32);
            int diskStart = source.u16(pos + 34);
            long externalAttributes = source.u32(pos + 38);
            long localOffset = source.u32(pos + 42);
            long next = pos + 46L + nameLength + extraLength + commentLength;
            if (next > dir.end()) {
                throw malformed("central directory entry " + i + " runs past the directory", at);
            }
            byte[] nameBytes = source.bytes(pos + 46, nameLength);
            String name = decodeName(utf8, nameBytes, at);
            // Built only when something is wrong: escaping every name of a million-entry archive costs time.
            LazyLocation entryAt = new LazyLocation(name);

            if ((flags & ~(FLAG_DATA_DESCRIPTOR | FLAG_UTF8)) != 0) {
                throw malformed("entry has unexpected general-purpose flags 0x" + Integer.toHexString(flags)
                        + " (encryption or other features torch never writes)", entryAt);
            }
            boolean deflated = method == ZipMethod.DEFLATED.getCode();
            if (method != ZipMethod.STORED.getCode() && !deflated) {
                throw malformed("entry is compressed (method " + method + "); torch.save stores every record",
                        entryAt);
            }
            if (diskStart != 0) {
                throw malformed("entry starts on another disk", entryAt);
            }
            if ((madeBy >> 8) == UNIX_HOST
                    && ((externalAttributes >>> 16) & UnixStat.FILE_TYPE_FLAG) == UnixStat.LINK_FLAG) {
                throw malformed("entry is a symbolic link", entryAt);
            }
            // ZIP64 values, in the order the spec lists them, only for fields that hold the sentinel.
            long[] zip64 = zip64Values(pos + 46 + nameLength, extraLength, uncompressed == U32_MAX,
                    compressed == U32_MAX, localOffset == U32_MAX, entryAt, true);
            uncompressed = zip64[0] >= 0 ? zip64[0] : uncompressed;
            compressed = zip64[1] >= 0 ? zip64[1] : compressed;
            localOffset = zip64[2] >= 0 ? zip64[2] : localOffset;
            if (!deflated && compressed != uncompressed) {
                throw malformed("stored entry whose compressed and uncompressed sizes differ", entryAt);
            }

            checkName(name);
            int slash = name.indexOf('/');
            if (slash <= 0) {
                throw malformed("entry is not inside a root folder", entryAt);
            }
            if (root == null) {
                root = name.substring(0, slash);
                index = new ZipIndex(root, entries, storagePrefix);
            } else if (!name.startsWith(root) || name.length() == root.length() || name.charAt(root.length()) != '/') {
                throw malformed("entry is outside the archive's root folder '" + SafeText.escape(root) + "'",
                        entryAt);
            }
            if (name.endsWith("/")) {
                throw malformed("directory entries are not part of torch archives", entryAt);
            }
            String relativeName = name.substring(root.length() + 1);
            if (deflated && !deflateAllowed.test(relativeName)) {
                throw malformed("entry is compressed (method " + method + "); only TorchScript code records may be",
                        entryAt);
            }
            nameHashes[i] = foldedHash(nameBytes);

            // The local header must repeat the central entry exactly and start where the previous entry ended.
            if (localOffset != expectedLocal) {
                throw malformed(expectedLocal == 0
                        ? "data before the first local header (prepended bytes)"
                        : "local header at " + localOffset + " where the previous entry ended at " + expectedLocal
                                + " (overlapping, out-of-order or hidden data)", entryAt);
            }
            long spanEnd = checkLocalHeader(localOffset, dir.offset(), flags, method, crc, compressed, uncompressed,
                    nameBytes, entryAt, index, relativeName);
            expectedLocal = spanEnd;
            pos = next;
        }
        if (pos != dir.end()) {
            throw malformed("bytes between the central directory and its end record", Location.fileOffset(pos));
        }
        if (expectedLocal != dir.offset()) {
            throw malformed("bytes between the last entry and the central directory",
                    Location.fileOffset(expectedLocal));
        }
        checkDuplicates(nameHashes, cdPositions);
        return index;
    }

    private long checkLocalHeader(long lho, long cdOffset, int flags, int method, long crc, long size,
                                  long uncompressed, byte[] nameBytes, LazyLocation entryAt, ZipIndex index,
                                  String relativeName) {
        if (lho > cdOffset - 30 || source.u32(lho) != LFH_SIG) {
            throw malformed("local header missing", entryAt);
        }
        int localFlags = source.u16(lho + 6);
        int localMethod = source.u16(lho + 8);
        long localCrc = source.u32(lho + 14);
        long localCompressed = source.u32(lho + 18);
        long localUncompressed = source.u32(lho + 22);
        int nameLength = source.u16(lho + 26);
        int extraLength = source.u16(lho + 28);
        if (localFlags != flags || localMethod != method) {
            throw malformed("local header flags or method differ from the central directory", entryAt);
        }
        if (nameLength != nameBytes.length || lho + 30 + nameLength > cdOffset
                || !sameBytes(lho + 30, nameBytes)) {
            throw malformed("local header name differs from the central directory name", entryAt);
        }
        long extraStart = lho + 30 + nameLength;
        if (extraStart + extraLength > cdOffset) {
            throw malformed("local extra field runs past the entries", entryAt);
        }
        long[] zip64 = zip64Values(extraStart, extraLength, localUncompressed == U32_MAX,
                localCompressed == U32_MAX, false, entryAt, false);
        // size is the stored (compressed) length; for STORED entries the two are equal.
        boolean zip64Sizes = zip64[0] >= 0 || zip64[1] >= 0 || size >= U32_MAX || uncompressed >= U32_MAX;
        long shownUncompressed = zip64[0] >= 0 ? zip64[0] : localUncompressed;
        long shownCompressed = zip64[1] >= 0 ? zip64[1] : localCompressed;
        boolean descriptor = (flags & FLAG_DATA_DESCRIPTOR) != 0;
        boolean localZeroed = localCrc == 0 && shownCompressed == 0 && shownUncompressed == 0;
        boolean localExact = localCrc == crc && shownCompressed == size && shownUncompressed == uncompressed;
        if (!(localExact || (descriptor && localZeroed))) {
            throw malformed("local header CRC or sizes differ from the central directory", entryAt);
        }
        long dataOffset = extraStart + extraLength;
        if (size > cdOffset - dataOffset) {
            throw malformed("entry data runs past the start of the central directory", entryAt);
        }
        long dataEnd = dataOffset + size;
        long spanEnd = dataEnd;
        if (descriptor) {
            int sizeBytes = zip64Sizes ? 8 : 4;
            long descriptorLength = 4 + 4 + 2L * sizeBytes;
            if (dataEnd > cdOffset - descriptorLength || source.u32(dataEnd) != DD_SIG) {
                throw malformed("data descriptor missing after the entry data", entryAt);
            }
            long ddCrc = source.u32(dataEnd + 4);
            long ddCompressed = zip64Sizes ? source.u64(dataEnd + 8) : source.u32(dataEnd + 8);
            long ddUncompressed = zip64Sizes ? source.u64(dataEnd + 8 + sizeBytes) : source.u32(dataEnd + 12);
            if (ddCrc != crc || ddCompressed != size || ddUncompressed != uncompressed) {
                throw malformed("data descriptor differs from the central directory", entryAt);
            }
            spanEnd = dataEnd + descriptorLength;
        }
        if (method != ZipMethod.STORED.getCode()) {
            index.addDeflated(new DeflatedRecord(relativeName, dataOffset, size, uncompressed, crc));
            return spanEnd;
        }
        if (verifyCrc && source.crc32(dataOffset, size) != crc) {
            throw malformed("CRC-32 of the entry data does not match", entryAt);
        }
        index.add(relativeName, dataOffset, size);
        return spanEnd;
    }

    private boolean sameBytes(long pos, byte[] expected) {
        for (int i = 0; i < expected.length; i++) {
            if (source.u8(pos + i) != (expected[i] & 0xff)) {
                return false;
            }
        }
        return true;
    }

    private static final long[] NO_ZIP64 = {-1, -1, -1};

    /**
     * Parses an extra field area, which must consist of whole ZIP64 or torch padding fields. Returns the
     * ZIP64 values for uncompressed size, compressed size and local header offset, or -1 for each that
     * is not present.
     */
    private long[] zip64Values(long start, int length, boolean wantUncompressed, boolean wantCompressed,
                               boolean wantOffset, LazyLocation at, boolean central) {
        if (length == 0 && !wantUncompressed && !wantCompressed && !wantOffset) {
            return NO_ZIP64; // shared and never written to
        }
        long[] out = {-1, -1, -1};
        long pos = start;
        long end = start + length;
        boolean seenZip64 = false;
        while (pos < end) {
            if (pos > end - 4) {
                throw malformed("truncated extra field", at);
            }
            int id = source.u16(pos);
            int size = source.u16(pos + 2);
            long dataStart = pos + 4;
            if (dataStart + size > end) {
                throw malformed("extra field runs past its area", at);
            }
            if (id == HEADER_ID_ZIP64) {
                if (seenZip64) {
                    throw malformed("two ZIP64 extra fields", at);
                }
                seenZip64 = true;
                long p = dataStart;
                long[] wanted = {wantUncompressed ? 1 : 0, wantCompressed ? 1 : 0, wantOffset ? 1 : 0};
                for (int k = 0; k < 3; k++) {
                    if (wanted[k] == 0) {
                        continue;
                    }
                    if (p + 8 > dataStart + size) {
                        throw malformed("ZIP64 extra field too short", at);
                    }
                    long value = source.u64(p);
                    if (value < 0) {
                        throw malformed("ZIP64 size or offset out of range", at);
                    }
                    out[k] = value;
                    p += 8;
                }
            } else if (id == HEADER_ID_TORCH_PADDING && !central) {
                // Alignment padding; its content carries no meaning.
            } else {
                throw malformed("unexpected extra field 0x" + Integer.toHexString(id), at);
            }
            pos = dataStart + size;
        }
        if ((wantUncompressed && out[0] < 0) || (wantCompressed && out[1] < 0) || (wantOffset && out[2] < 0)) {
            throw malformed("ZIP64 sentinel without a ZIP64 extra field", at);
        }
        return out;
    }

    private String decodeName(CharsetDecoder utf8, byte[] nameBytes, Location at) {
        boolean ascii = true;
        for (byte b : nameBytes) {
            ascii &= b >= 0;
        }
        if (ascii) {
            return new String(nameBytes, StandardCharsets.ISO_8859_1);
        }
        try {
            return utf8.reset().decode(ByteBuffer.wrap(nameBytes)).toString();
        } catch (CharacterCodingException e) {
            throw malformed("entry name is not valid UTF-8: " + SafeText.escapeBytes(nameBytes), at);
        }
    }

    /** Rejects names that could escape a folder when extracted, or that readers could normalise differently. */
    static void checkName(String name) {
        String why = null;
        if (name.isEmpty()) {
            why = "empty entry name";
        } else if (name.indexOf('\0') >= 0) {
            why = "entry name contains a NUL byte";
        } else if (name.indexOf('\\') >= 0) {
            why = "entry name contains a backslash";
        } else if (name.startsWith("/")) {
            why = "absolute entry name";
        } else if (name.length() >= 2 && name.charAt(1) == ':' && Character.isLetter(name.charAt(0))) {
            why = "entry name starts with a drive letter";
        } else {
            why = badSegment(name);
        }
        if (why != null) {
            throw Reject.of(RejectionCode.PATH_TRAVERSAL, why + ": " + SafeText.escape(name), Location.entry(name));
        }
    }

    /** A '.', '..' or empty path segment (a trailing '/' aside), or null; no regex, this runs per entry. */
    private static String badSegment(String name) {
        int start = 0;
        for (int i = 0; i <= name.length(); i++) {
            if (i < name.length() && name.charAt(i) != '/') {
                continue;
            }
            int length = i - start;
            if (length == 0 && i < name.length()) {
                return "entry name has an empty segment";
            }
            if ((length == 1 || length == 2) && name.startsWith("..".substring(0, length), start)) {
                return "entry name has a '" + name.substring(start, i) + "' segment";
            }
            start = i + 1;
        }
        return null;
    }

    /** FNV-1a over the ASCII-lower-cased name: miniz looks names up case-insensitively. */
    private static long foldedHash(byte[] name) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : name) {
            int c = b & 0xff;
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            hash = (hash ^ c) * 0x100000001b3L;
        }
        return hash;
    }

    private void checkDuplicates(long[] hashes, long[] cdPositions) {
        long[] sorted = hashes.clone();
        Arrays.sort(sorted);
        for (int i = 1; i < sorted.length; i++) {
            if (sorted[i] == sorted[i - 1]) {
                confirmDuplicate(sorted[i], hashes, cdPositions);
            }
        }
    }

    /** A hash appears twice: compare the actual folded names, which only a real duplicate makes equal. */
    private void confirmDuplicate(long hash, long[] hashes, long[] cdPositions) {
        String first = null;
        for (int i = 0; i < hashes.length; i++) {
            if (hashes[i] != hash) {
                continue;
            }
            long pos = cdPositions[i];
            String folded = asciiLowerCase(
                    new String(source.bytes(pos + 46, source.u16(pos + 28)), StandardCharsets.ISO_8859_1));
            if (first == null) {
                first = folded;
            } else if (first.equals(folded)) {
                throw malformed("duplicate entry name (compared case-insensitively, as torch looks names up): "
                        + SafeText.escape(folded), Location.entry(folded));
            }
        }
    }

    private static String asciiLowerCase(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
        }
        return out.toString();
    }

    private static Reject malformed(String message, Location at) {
        return Reject.of(RejectionCode.MALFORMED_ARCHIVE, message, at);
    }

    private static Reject malformed(String message, LazyLocation at) {
        return malformed(message, Location.entry(at.name()));
    }

    /** An entry name whose escaped {@link Location} is built only for a rejection. */
    private record LazyLocation(String name) {
    }
}
