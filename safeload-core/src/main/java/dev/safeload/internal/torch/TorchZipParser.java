package dev.safeload.internal.torch;

import dev.safeload.api.Location;
import dev.safeload.api.ModelFormat;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.SafeText;
import dev.safeload.api.VerificationLimits;
import dev.safeload.api.tree.DType;
import dev.safeload.api.tree.MetadataNode;
import dev.safeload.api.tree.StorageInfo;
import dev.safeload.internal.Reject;
import dev.safeload.internal.io.ByteSource;
import dev.safeload.internal.pickle.Allowlist;
import dev.safeload.internal.pickle.PickleMachine;
import dev.safeload.internal.pickle.StorageResolver;
import dev.safeload.internal.pickle.TreeBuilder;
import dev.safeload.internal.zip.StrictZipReader;
import dev.safeload.internal.zip.ZipIndex;
import dev.safeload.internal.zip.ZipRecord;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Verifies a {@code torch.save} zip archive: the strict container, the records torch writes, and the
 * {@code data.pkl} pickle with its storages. Produces the metadata tree; tensor-versus-storage arithmetic
 * is left to the tensor consistency verifier.
 */
public final class TorchZipParser {

    /** Records torch.save writes besides data.pkl and data/&lt;key&gt;, across versions 1.6 to 2.x. */
    private static final Set<String> KNOWN_RECORDS = Set.of(
            "data.pkl", "version", ".data/version", "byteorder", ".data/serialization_id", ".format_version",
            ".storage_alignment");
    private static final int MAX_SUPPORTED_VERSION = 10;
    private static final int MAX_NOTED_UNREFERENCED = 5;

    private final ByteSource source;
    private final VerificationLimits limits;
    private final Allowlist allowlist;
    private final boolean verifyCrc;

    public TorchZipParser(ByteSource source, VerificationLimits limits, Allowlist allowlist, boolean verifyCrc) {
        this.source = source;
        this.limits = limits;
        this.allowlist = allowlist;
        this.verifyCrc = verifyCrc;
    }

    /** The outcome: the detected kind and, for torch.save archives, the tree. */
    public record Parsed(ModelFormat format, MetadataNode root, long tensorCount, List<String> operators) {
        /** A parse of a format that runs no code, so has no operator inventory. */
        public Parsed(ModelFormat format, MetadataNode root, long tensorCount) {
            this(format, root, tensorCount, List.of());
        }
    }

    /** Which kind of zip this is, from its entry names; only {@link ModelFormat#TORCH_ZIP} is parsed further. */
    public ModelFormat classify() {
        StrictZipReader reader = new StrictZipReader(source, limits, verifyCrc);
        StrictZipReader.Directory dir = reader.directory();
        return reader.classify(dir);
    }

    public Parsed parse(List<String> notes) {
        StrictZipReader reader = new StrictZipReader(source, limits, verifyCrc);
        ZipIndex index = reader.read(reader.directory(), "data/");
        for (String name : index.namedRecords()) {
            if (!KNOWN_RECORDS.contains(name)) {
                throw Reject.of(RejectionCode.MALFORMED_ARCHIVE, "unexpected record '" + SafeText.escape(name)
                        + "' in a torch.save archive", Location.entry(index.root() + "/" + name));
            }
        }
        checkVersion(index);
        checkByteOrder(index);
        for (String digits : List.of(".data/serialization_id", ".format_version", ".storage_alignment")) {
            checkDigits(index, digits);
        }
        ZipRecord pickle = index.record("data.pkl");
        if (pickle == null) {
            throw Reject.of(RejectionCode.MALFORMED_ARCHIVE, "archive has no data.pkl record", Location.NONE);
        }
        String pickleEntry = index.root() + "/data.pkl";
        Reject.checkLimit("maxPickleBytes", pickle.size(), Math.min(limits.maxPickleBytes(), Integer.MAX_VALUE - 8L),
                Location.entry(pickleEntry));
        PickleMachine machine = new PickleMachine(source.slice(pickle.dataOffset(), (int) pickle.size()),
                pickleEntry, limits, allowlist, new Storages(index, pickleEntry));
        Object result = machine.run();
        MetadataNode root = new TreeBuilder(limits, Location.entry(pickleEntry)).build(result);
        long unreferenced = index.unreferencedStorageCount();
        if (unreferenced > 0) {
            notes.add(unreferenced + " storage record(s) not referenced by any tensor, e.g. "
                    + index.unreferencedStorage(MAX_NOTED_UNREFERENCED));
        }
        return new Parsed(ModelFormat.TORCH_ZIP, root, machine.tensorCount());
    }

    private void checkVersion(ZipIndex index) {
        ZipRecord plain = index.record("version");
        ZipRecord dotted = index.record(".data/version");
        if (plain != null && dotted != null) {
            throw Reject.of(RejectionCode.MALFORMED_ARCHIVE, "archive has both version and .data/version",
                    Location.NONE);
        }
        ZipRecord record = plain != null ? plain : dotted;
        if (record == null) {
            throw Reject.of(RejectionCode.MALFORMED_ARCHIVE, "archive has no version record", Location.NONE);
        }
        Location at = Location.entry(index.root() + "/" + record.name());
        String text = smallText(record, 32, at);
        if (text.endsWith("\n")) {
            text = text.substring(0, text.length() - 1);
        }
        if (!text.matches("[0-9]{1,2}")) {
            throw Reject.of(RejectionCode.MALFORMED_ARCHIVE, "version record is not a plain decimal: '"
                    + SafeText.escape(text) + "'", at);
        }
        int version = Integer.parseInt(text);
        if (version < 1 || version > MAX_SUPPORTED_VERSION) {
            throw Reject.of(RejectionCode.MALFORMED_ARCHIVE, "archive format version " + version
                    + " is outside the supported 1.." + MAX_SUPPORTED_VERSION, at);
        }
    }

    private void checkByteOrder(ZipIndex index) {
        ZipRecord record = index.record("byteorder");
        if (record == null) {
            return;
        }
        Location at = Location.entry(index.root() + "/byteorder");
        String text = smallText(record, 16, at);
        if (!text.equals("little") && !text.equals("big")) {
            throw Reject.of(RejectionCode.MALFORMED_ARCHIVE, "byteorder record is '" + SafeText.escape(text)
                    + "', not 'little' or 'big'", at);
        }
    }

    /** Bookkeeping records newer torch writes hold short decimals; anything else there is smuggled data. */
    private void checkDigits(ZipIndex index, String name) {
        ZipRecord record = index.record(name);
        if (record == null) {
            return;
        }
        Location at = Location.entry(index.root() + "/" + name);
        String text = smallText(record, 64, at);
        if (!text.matches("[0-9]{1,64}\n?")) {
            throw Reject.of(RejectionCode.MALFORMED_ARCHIVE, name + " record is not a decimal: '"
                    + SafeText.escape(text) + "'", at);
        }
    }

    private String smallText(ZipRecord record, int max, Location at) {
        if (record.size() > max) {
            throw Reject.of(RejectionCode.MALFORMED_ARCHIVE, "record is " + record.size() + " bytes, expected at most "
                    + max, at);
        }
        return new String(source.bytes(record.dataOffset(), (int) record.size()), StandardCharsets.ISO_8859_1);
    }

    /**
     * Resolves persistent ids to storage records. One StorageInfo per key, so views share it; a second
     * declaration of a key must agree with the first (torch silently keeps the first).
     */
    private final class Storages implements StorageResolver {
        private final ZipIndex index;
        private final String pickleEntry;
        private final StorageInfo[] dense;
        private final Map<String, StorageInfo> sparse = new HashMap<>();
        private final StorageDeclarations declarations = new StorageDeclarations(limits);

        Storages(ZipIndex index, String pickleEntry) {
            this.index = index;
            this.pickleEntry = pickleEntry;
            this.dense = new StorageInfo[index.entryCount()];
        }

        @Override
        public StorageInfo resolve(String key, DType dtype, long elementCount, long pickleOffset) {
            Supplier<Location> at = () -> Location.at(pickleEntry, pickleOffset);
            int slot = denseSlot(key);
            StorageInfo known = slot >= 0 ? dense[slot] : sparse.get(key);
            if (known != null) {
                StorageDeclarations.requireSame(known, key, dtype, elementCount, at);
                return known;
            }
            long recordBytes = index.referenceStorage(key);
            if (recordBytes < 0) {
                throw Reject.of(RejectionCode.TENSOR_INCONSISTENT, "storage " + SafeText.escape(key)
                        + " has no data/" + SafeText.escape(key) + " record", at.get());
            }
            declarations.declare(dtype, elementCount, at);
            StorageInfo info = new StorageInfo(key, dtype, elementCount, "data", recordBytes);
            if (slot >= 0) {
                dense[slot] = info;
            } else {
                sparse.put(key, info);
            }
            return info;
        }

        private int denseSlot(String key) {
            return ZipIndex.denseKey(key, dense.length);
        }
    }
}
