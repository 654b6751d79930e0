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
import dev.safeload.internal.pickle.PickleValues;
import dev.safeload.internal.pickle.StorageResolver;
import dev.safeload.internal.pickle.TreeBuilder;
import java.math.BigInteger;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Verifies a legacy (pre-1.6, non-zip) {@code torch.save} file, which torch still loads: five pickles one
 * after another (the magic number, the protocol version, {@code sys_info}, the object, the sorted storage
 * keys), then each storage as an int64 little-endian element count followed by its bytes. Every pickle goes
 * through the same opcode machine; the four bookkeeping pickles may hold literals only (no globals at all),
 * so a magic number or key list produced by a call is rejected. Declared sizes are checked against the
 * bytes left before anything would be read, and nothing may follow the last storage.
 */
public final class LegacyTorchParser {

    /** {@code torch.serialization.MAGIC_NUMBER}. */
    static final BigInteger MAGIC_NUMBER = new BigInteger("1950a86a20f9469cfc6c", 16);
    /** {@code torch.serialization.PROTOCOL_VERSION}. */
    static final long PROTOCOL_VERSION = 1001;
    private static final String FOLDER = "storages";

    private final ByteSource source;
    private final VerificationLimits limits;
    private final Allowlist allowlist;
    private long pos;

    public LegacyTorchParser(ByteSource source, VerificationLimits limits, Allowlist allowlist) {
        this.source = source;
        this.limits = limits;
        this.allowlist = allowlist;
    }

    public TorchZipParser.Parsed parse(List<String> notes) {
        PickleMachine main = readAll();
        MetadataNode root = new TreeBuilder(limits, Location.entry("main pickle")).build(mainResult);
        return new TorchZipParser.Parsed(ModelFormat.LEGACY_TORCH, root, main.tensorCount());
    }

    /**
     * Vets the bytes {@code torch.storage._load_from_bytes} would {@code torch.load}: a whole legacy file
     * whose object is exactly one storage.
     */
    public StorageResolver.LoadedStorage parseNestedStorage() {
        readAll();
        StorageResolver.LoadedStorage storage = PickleValues.storage(mainResult);
        if (storage == null) {
            throw malformed("nested torch.save bytes hold something other than one storage", "main pickle");
        }
        return storage;
    }

    private Object mainResult;

    private PickleMachine readAll() {
        Object magic = literalPickle("magic-number pickle");
        if (!MAGIC_NUMBER.equals(asBig(magic))) {
            throw malformed("first pickle is not torch's magic number", "magic-number pickle");
        }
        Object protocol = literalPickle("protocol pickle");
        if (!(protocol instanceof Long version) || version != PROTOCOL_VERSION) {
            throw malformed("protocol version is not " + PROTOCOL_VERSION, "protocol pickle");
        }
        literalPickle("sys_info pickle"); // read and ignored by torch; literals only here

        Declarations declarations = new Declarations();
        long mainStart = pos;
        PickleMachine main = machine("main pickle", allowlist, declarations);
        mainResult = main.run();
        pos = mainStart + main.endPosition();

        List<String> keys = keyList(literalPickle("storage-key pickle"));
        checkKeys(keys, declarations);
        readStorages(keys, declarations);
        if (pos != source.size()) {
            throw Reject.of(RejectionCode.MALFORMED_ARCHIVE, (source.size() - pos)
                    + " bytes after the last storage", Location.fileOffset(pos));
        }
        return main;
    }

    /** Runs the next pickle with no globals allowed and returns its literal value. */
    private Object literalPickle(String name) {
        long start = pos;
        PickleMachine machine = machine(name, Allowlist.none(), (key, dtype, numel, offset) -> {
            throw Reject.of(RejectionCode.MALFORMED_PICKLE, "a persistent id in the " + name,
                    Location.at(name, offset));
        });
        Object value = machine.run();
        pos = start + machine.endPosition();
        return value;
    }

    private PickleMachine machine(String name, Allowlist globals, StorageResolver storages) {
        long remaining = source.size() - pos;
        if (remaining <= 0) {
            throw Reject.of(RejectionCode.MALFORMED_PICKLE, "file ends before the " + name, Location.fileOffset(pos));
        }
        long window = Math.min(remaining, Math.min(limits.maxPickleBytes(), Integer.MAX_VALUE - 8L));
        return PickleMachine.stacked(source.slice(pos, (int) window), name, limits, globals, storages,
                PickleMachine.Layout.LEGACY, window < remaining && window == limits.maxPickleBytes());
    }

    private static BigInteger asBig(Object value) {
        if (value instanceof BigInteger big) {
            return big;
        }
        return value instanceof Long l ? BigInteger.valueOf(l) : null;
    }

    private List<String> keyList(Object value) {
        List<String> keys = PickleValues.stringList(value);
        if (keys == null) {
            throw malformed("storage-key pickle is not a list of str", "storage-key pickle");
        }
        return keys;
    }

    /** Every listed key declared, every declared key listed, none twice: torch would leave gaps uninitialised. */
    private void checkKeys(List<String> keys, Declarations declarations) {
        Set<String> seen = new HashSet<>();
        Location at = Location.entry("storage-key pickle");
        for (String key : keys) {
            if (!seen.add(key)) {
                throw Reject.of(RejectionCode.TENSOR_INCONSISTENT, "storage key " + SafeText.escape(key)
                        + " listed twice", at);
            }
            if (!declarations.byKey.containsKey(key)) {
                throw Reject.of(RejectionCode.TENSOR_INCONSISTENT, "storage key " + SafeText.escape(key)
                        + " listed but never declared by a persistent id", at);
            }
        }
        for (String key : declarations.byKey.keySet()) {
            if (!seen.contains(key)) {
                throw Reject.of(RejectionCode.TENSOR_INCONSISTENT, "storage " + SafeText.escape(key)
                        + " declared but has no data (torch would leave it uninitialised)", at);
            }
        }
    }

    private void readStorages(List<String> keys, Declarations declarations) {
        for (String key : keys) {
            StorageInfo declared = declarations.byKey.get(key);
            Location at = Location.fileOffset(pos);
            if (source.size() - pos < 8) {
                throw Reject.of(RejectionCode.TENSOR_INCONSISTENT, "file ends before storage "
                        + SafeText.escape(key) + " (short storage)", at);
            }
            long count = source.u64(pos);
            if (count != declared.elementCount()) {
                throw Reject.of(RejectionCode.TENSOR_INCONSISTENT, "storage " + SafeText.escape(key) + " holds "
                        + Long.toUnsignedString(count) + " elements but its persistent id declares "
                        + declared.elementCount(), at);
            }
            long bytes = declared.recordBytes();
            if (bytes > source.size() - pos - 8) {
                throw Reject.of(RejectionCode.TENSOR_INCONSISTENT, "storage " + SafeText.escape(key) + " needs "
                        + bytes + " bytes but only " + (source.size() - pos - 8) + " remain (short storage)", at);
            }
            pos += 8 + bytes;
        }
    }

    private static Reject malformed(String message, String where) {
        return Reject.of(RejectionCode.MALFORMED_PICKLE, message, Location.entry(where));
    }

    /**
     * Storage declarations from the main pickle. The record size is the declared size; {@link #readStorages}
     * then requires the file's storage section to match it exactly.
     */
    private final class Declarations implements StorageResolver {
        private final Map<String, StorageInfo> byKey = new LinkedHashMap<>();
        private final StorageDeclarations declarations = new StorageDeclarations(limits);

        @Override
        public StorageInfo resolve(String key, DType dtype, long elementCount, long pickleOffset) {
            StorageInfo known = byKey.get(key);
            Supplier<Location> at = () -> Location.at("main pickle", pickleOffset);
            if (known != null) {
                StorageDeclarations.requireSame(known, key, dtype, elementCount, at);
                return known;
            }
            long bytes = declarations.declare(dtype, elementCount, at);
            StorageInfo info = new StorageInfo(key, dtype, elementCount, FOLDER, bytes);
            byKey.put(key, info);
            return info;
        }
    }
}
