package dev.safeload.internal.torchscript;

import dev.safeload.api.Location;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.SafeText;
import dev.safeload.api.VerificationLimits;
import dev.safeload.api.tree.DType;
import dev.safeload.api.tree.MetadataNode;
import dev.safeload.api.tree.ObjectNode;
import dev.safeload.api.tree.SequenceNode;
import dev.safeload.api.tree.StorageInfo;
import dev.safeload.internal.Reject;
import dev.safeload.internal.TensorConsistencyVerifier;
import dev.safeload.internal.TreeWalk;
import dev.safeload.internal.io.ByteSource;
import dev.safeload.internal.pickle.Allowlist;
import dev.safeload.internal.pickle.PickleMachine;
import dev.safeload.internal.pickle.ScriptClasses;
import dev.safeload.internal.pickle.StorageResolver;
import dev.safeload.internal.pickle.TreeBuilder;
import dev.safeload.internal.zip.DeflatedRecord;
import dev.safeload.internal.zip.StrictZipReader;
import dev.safeload.internal.zip.ZipIndex;
import dev.safeload.internal.zip.ZipRecord;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Verifies a TorchScript archive ({@code torch.jit.save}): the strict zip container, with DEFLATE allowed
 * for {@code code/} records only; the records TorchScript writes; the inflated code, scanned for operators
 * and load-time code ({@link CodeScanner}); {@code data.pkl} and {@code constants.pkl} through the pickle
 * machine's TorchScript profile, with {@code __torch__} classes only if the code defines them; and the
 * debug records, which torch's C++ unpickler reads too. The result's root is the scripted module object.
 */
public final class TorchScriptParser {

    /** Records TorchScript writes besides data/, constants/, code/ and extra/ (1.13 writes no byteorder yet). */
    private static final Set<String> KNOWN_RECORDS = Set.of(
            "data.pkl", "constants.pkl", "version", ".data/version", "byteorder", ".data/serialization_id");
    private static final int MAX_SUPPORTED_VERSION = 10;
    private static final int MAX_NOTED = 5;
    /** DEFLATE cannot expand data more than about 1032 times; a record declaring more is lying. */
    private static final long MAX_DEFLATE_RATIO = 1032;
    private static final int INFLATE_CHUNK = 64 << 10;

    private final ByteSource source;
    private final VerificationLimits limits;
    private final TorchScriptOpPolicy policy;
    private final boolean verifyCrc;
    private long declaredBytes;

    public TorchScriptParser(ByteSource source, VerificationLimits limits, TorchScriptOpPolicy policy,
                             boolean verifyCrc) {
        this.source = source;
        this.limits = limits;
        this.policy = policy;
        this.verifyCrc = verifyCrc;
    }

    /** The module tree, its tensor count and the code's operator inventory. */
    public record Parsed(MetadataNode root, long tensorCount, List<String> operators) {
    }

    /** Whether a record below the root is TorchScript code, which torch.jit.save compresses. */
    static boolean isCodeRecord(String name) {
        return name.startsWith("code/") && (name.endsWith(".py") || name.endsWith(".debug_pkl"));
    }

    public Parsed parse(List<String> notes) {
        StrictZipReader reader = new StrictZipReader(source, limits, verifyCrc);
        ZipIndex index = reader.read(reader.directory(), "data/", TorchScriptParser::isCodeRecord);
        String root = index.root();
        checkRecords(index, notes);
        checkVersion(index);
        checkSmallRecord(index, "byteorder", "little|big");
        checkSmallRecord(index, ".data/serialization_id", "[0-9]{1,64}\n?");

        CodeScanner scanner = new CodeScanner(policy);
        // One record at a time: inflated, scanned or parsed, then dropped, so memory holds the largest record.
        forEachCodeRecord(index, (name, bytes) -> {
            if (name.endsWith(".py")) {
                String module = name.substring("code/".length(), name.length() - ".py".length()).replace('/', '.');
                scanner.scan(root + "/" + name, module, bytes, bytes.length);
            } else {
                checkDebugRecord(root + "/" + name, bytes);
            }
        });
        if (scanner.fileCount() == 0) {
            throw Reject.of(RejectionCode.MALFORMED_ARCHIVE, "TorchScript archive (constants.pkl) without code/"
                    + " sources: torch would hand it to torch.jit.load, which cannot load it", Location.NONE);
        }
        ScriptClasses classes = scanner.classes();

        Storages constantStorages = new Storages(index, "constants", root + "/constants.pkl");
        MetadataNode constants = runPickle(index, "constants.pkl", constantStorages, classes).root;
        if (!(constants instanceof SequenceNode tuple) || tuple.kind() != SequenceNode.Kind.TUPLE) {
            throw Reject.of(RejectionCode.MALFORMED_PICKLE, "constants.pkl does not hold a tuple",
                    Location.entry(root + "/constants.pkl"));
        }
        checkTensors(constants);

        Storages dataStorages = new Storages(index, "data", root + "/data.pkl");
        Result data = runPickle(index, "data.pkl", dataStorages, classes);
        if (!(data.root instanceof ObjectNode module) || !isScriptClass(module)) {
            throw Reject.of(RejectionCode.MALFORMED_PICKLE, "data.pkl of a TorchScript archive does not hold a"
                    + " scripted module object", Location.entry(root + "/data.pkl"));
        }
        requireBuiltObjects(data.root, root + "/data.pkl");
        MetadataNode marked = ParameterMarker.mark(data.root, scanner::parameters);

        notes.add("TorchScript code: " + scanner.fileCount() + " source file(s), " + scanner.bytesScanned()
                + " bytes, " + scanner.classCount() + " class(es); " + tuple.size() + " constant(s)");
        noteUnreferenced(index, constantStorages, notes);
        return new Parsed(marked, data.tensors, scanner.operators());
    }

    // ---- records --------------------------------------------------------------------------------------

    private void checkRecords(ZipIndex index, List<String> notes) {
        Set<String> names = new HashSet<>(index.namedRecords());
        names.addAll(index.deflatedRecords().keySet());
        for (String name : names) {
            String what = null;
            if (name.equals("bytecode.pkl")) {
                what = "a lite-interpreter (mobile) TorchScript archive (bytecode.pkl); it is not vetted";
            } else if (name.equals(".data/extern_modules") || name.equals(".data/python_version")) {
                what = "a torch.package archive, whose pickles import packaged code";
            } else if (name.equals("model.json") || name.equals("attributes.pkl") || name.startsWith("tensors/")) {
                what = "a TorchScript archive of the pre-1.4 format (model.json); it is not vetted";
            }
            if (what != null) {
                throw Reject.of(RejectionCode.UNSUPPORTED_FORMAT, what, Location.entry(index.root() + "/" + name));
            }
        }
        List<String> extra = new ArrayList<>();
        long extraBytes = 0;
        for (String name : new java.util.TreeSet<>(names)) {
            if (name.startsWith("extra/")) {
                extra.add(name);
                extraBytes += index.record(name).size();
            } else if (!KNOWN_RECORDS.contains(name) && !name.startsWith("constants/") && !isCodeRecord(name)) {
                throw Reject.of(RejectionCode.MALFORMED_ARCHIVE, "unexpected record '" + SafeText.escape(name)
                        + "' in a TorchScript archive", Location.entry(index.root() + "/" + name));
            }
        }
        for (String required : List.of("data.pkl", "constants.pkl")) {
            if (!index.has(required)) {
                throw Reject.of(RejectionCode.MALFORMED_ARCHIVE, "TorchScript archive has no " + required + " record",
                        Location.NONE);
            }
        }
        if (!extra.isEmpty()) {
            List<String> shown = new ArrayList<>();
            for (String name : extra.subList(0, Math.min(MAX_NOTED, extra.size()))) {
                shown.add(SafeText.escape(name) + " (" + index.record(name).size() + " bytes)");
            }
            notes.add(extra.size() + " extra file(s), " + extraBytes + " bytes, not parsed (torch hands them to the"
                    + " caller as bytes): " + String.join(", ", shown) + (extra.size() > MAX_NOTED ? ", ..." : ""));
        }
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
        if (!text.matches("[0-9]{1,2}\n?")) {
            throw Reject.of(RejectionCode.MALFORMED_ARCHIVE, "version record is not a plain decimal: '"
                    + SafeText.escape(text) + "'", at);
        }
        int version = Integer.parseInt(text.strip());
        if (version < 1 || version > MAX_SUPPORTED_VERSION) {
            throw Reject.of(RejectionCode.MALFORMED_ARCHIVE, "archive format version " + version
                    + " is outside the supported 1.." + MAX_SUPPORTED_VERSION, at);
        }
    }

    /** Bookkeeping records hold short fixed forms; anything else there is smuggled data. */
    private void checkSmallRecord(ZipIndex index, String name, String pattern) {
        ZipRecord record = index.record(name);
        if (record == null) {
            return;
        }
        Location at = Location.entry(index.root() + "/" + name);
        String text = smallText(record, 64, at);
        if (!text.matches(pattern)) {
            throw Reject.of(RejectionCode.MALFORMED_ARCHIVE, name + " record holds '" + SafeText.escape(text)
                    + "'", at);
        }
    }

    private String smallText(ZipRecord record, int max, Location at) {
        if (record.size() > max) {
            throw Reject.of(RejectionCode.MALFORMED_ARCHIVE, "record is " + record.size() + " bytes, expected at most "
                    + max, at);
        }
        return new String(source.bytes(record.dataOffset(), (int) record.size()), StandardCharsets.ISO_8859_1);
    }

    // ---- code -----------------------------------------------------------------------------------------

    /**
     * Hands every code record's bytes, inflated where compressed, to {@code action}, in name order. The
     * declared sizes are summed and checked against {@link VerificationLimits#maxCodeBytes()} before anything
     * is inflated; each record's declared ratio must be one DEFLATE can produce; inflation stops at the
     * declared size, and the output must be exactly that size with the declared CRC-32.
     */
    private void forEachCodeRecord(ZipIndex index, java.util.function.BiConsumer<String, byte[]> action) {
        Map<String, Object> records = new TreeMap<>();
        long total = 0;
        for (String name : index.namedRecords()) {
            if (isCodeRecord(name)) {
                ZipRecord record = index.record(name);
                records.put(name, record);
                total = saturatingAdd(total, record.size());
            }
        }
        for (DeflatedRecord record : index.deflatedRecords().values()) {
            records.put(record.name(), record);
            total = saturatingAdd(total, record.uncompressedSize());
            if (record.uncompressedSize() / MAX_DEFLATE_RATIO > record.compressedSize()) {
                throw Reject.of(RejectionCode.MALFORMED_ARCHIVE, "record declares " + record.uncompressedSize()
                        + " bytes inflated from " + record.compressedSize() + ", more than DEFLATE can expand"
                        + " (a deflate bomb or a lying header)", Location.entry(index.root() + "/" + record.name()));
            }
        }
        Reject.checkLimit("maxCodeBytes", total, limits.maxCodeBytes(), Location.entry(index.root() + "/code/"));
        Inflater inflater = new Inflater(true);
        try {
            for (Map.Entry<String, Object> entry : records.entrySet()) {
                byte[] bytes;
                if (entry.getValue() instanceof DeflatedRecord record) {
                    inflater.reset();
                    bytes = inflate(inflater, record, Location.entry(index.root() + "/" + record.name()));
                } else {
                    ZipRecord record = (ZipRecord) entry.getValue();
                    bytes = source.bytes(record.dataOffset(), (int) record.size());
                }
                action.accept(entry.getKey(), bytes);
            }
        } finally {
            inflater.end();
        }
    }

    private byte[] inflate(Inflater inflater, DeflatedRecord record, Location at) {
        // The total declared size is within maxCodeBytes (at most 2 GiB - 1 is enforced here too).
        if (record.uncompressedSize() > Integer.MAX_VALUE - 8 || record.compressedSize() > Integer.MAX_VALUE - 8) {
            Reject.checkLimit("maxCodeBytes", record.uncompressedSize(), Integer.MAX_VALUE - 8, at);
        }
        byte[] out = new byte[(int) record.uncompressedSize()];
        long fed = 0;
        int produced = 0;
        try {
            while (!inflater.finished()) {
                if (inflater.needsInput()) {
                    if (fed == record.compressedSize()) {
                        throw malformed("compressed data ends before the DEFLATE stream does", at);
                    }
                    int chunk = (int) Math.min(INFLATE_CHUNK, record.compressedSize() - fed);
                    inflater.setInput(source.slice(record.dataOffset() + fed, chunk));
                    fed += chunk;
                }
                if (inflater.needsDictionary()) {
                    throw malformed("DEFLATE stream asks for a preset dictionary", at);
                }
                if (produced == out.length) {
                    // Full: one more byte of output means the record inflates to more than it declares.
                    if (inflater.inflate(new byte[1]) > 0) {
                        throw malformed("record inflates to more than its declared " + out.length + " bytes", at);
                    }
                    continue;
                }
                int got = inflater.inflate(out, produced, out.length - produced);
                if (got == 0 && !inflater.needsInput() && !inflater.finished() && !inflater.needsDictionary()) {
                    throw malformed("DEFLATE stream makes no progress", at);
                }
                produced += got;
            }
        } catch (DataFormatException e) {
            throw malformed("corrupt DEFLATE data", at);
        }
        if (produced != out.length) {
            throw malformed("record inflates to " + produced + " bytes, not its declared " + out.length, at);
        }
        if (fed != record.compressedSize() || inflater.getRemaining() != 0) {
            throw malformed("bytes after the end of the DEFLATE stream", at);
        }
        if (verifyCrc) {
            CRC32 crc = new CRC32();
            crc.update(out);
            if (crc.getValue() != record.crc()) {
                throw malformed("CRC-32 of the inflated data does not match", at);
            }
        }
        return out;
    }

    private static Reject malformed(String message, Location at) {
        return Reject.of(RejectionCode.MALFORMED_ARCHIVE, message, at);
    }

    private static long saturatingAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    /** Source-range records: plain data (strings, ints, typed lists); no classes, no storages. */
    private void checkDebugRecord(String entry, byte[] pickle) {
        Reject.checkLimit("maxPickleBytes", pickle.length, limits.maxPickleBytes(), Location.entry(entry));
        ScriptClasses none = new ScriptClasses() {
            @Override
            public boolean defines(String qualifiedName) {
                return false;
            }

            @Override
            public boolean hasSetState(String qualifiedName) {
                return false;
            }
        };
        StorageResolver noStorages = (key, dtype, count, offset) -> {
            throw Reject.of(RejectionCode.MALFORMED_PICKLE, "a debug record refers to a storage",
                    Location.at(entry, offset));
        };
        new PickleMachine(ByteBuffer.wrap(pickle).order(ByteOrder.LITTLE_ENDIAN), entry, limits,
                Allowlist.torchScript(), noStorages).torchScript(none).run();
    }

    // ---- pickles --------------------------------------------------------------------------------------

    private record Result(MetadataNode root, long tensors) {
    }

    private Result runPickle(ZipIndex index, String name, Storages storages, ScriptClasses classes) {
        ZipRecord pickle = index.record(name);
        String entry = index.root() + "/" + name;
        Reject.checkLimit("maxPickleBytes", pickle.size(), Math.min(limits.maxPickleBytes(), Integer.MAX_VALUE - 8L),
                Location.entry(entry));
        PickleMachine machine = new PickleMachine(source.slice(pickle.dataOffset(), (int) pickle.size()), entry,
                limits, Allowlist.torchScript(), storages).torchScript(classes);
        Object result = machine.run();
        return new Result(new TreeBuilder(limits, Location.entry(entry)).build(result), machine.tensorCount());
    }

    private static boolean isScriptClass(ObjectNode object) {
        return object.module().equals("__torch__") || object.module().startsWith("__torch__.");
    }

    /** torch.jit.load creates a scripted object at its BUILD: one that never got one is not a real object. */
    private static void requireBuiltObjects(MetadataNode root, String entry) {
        Set<MetadataNode> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        Deque<MetadataNode> stack = new ArrayDeque<>();
        stack.push(root);
        while (!stack.isEmpty()) {
            MetadataNode node = stack.pop();
            if (!seen.add(node)) {
                continue;
            }
            if (node instanceof ObjectNode o) {
                if (isScriptClass(o) && o.state().isEmpty() && o.args().isEmpty()) { // enum members have a value
                    throw Reject.of(RejectionCode.MALFORMED_PICKLE, "TorchScript object " + SafeText.escape(
                            o.qualifiedName()) + " is created but never given its state", Location.entry(entry));
                }
                o.state().ifPresent(stack::push);
                o.args().forEach(stack::push);
            } else if (node instanceof dev.safeload.api.tree.DictNode d) {
                d.keys().forEach(stack::push);
                d.values().forEach(stack::push);
                d.attributes().ifPresent(stack::push);
            } else if (node instanceof SequenceNode s) {
                s.items().forEach(stack::push);
            }
        }
    }

    /** Constants are not part of the module tree, so their tensors are checked here. */
    private static void checkTensors(MetadataNode constants) {
        TreeWalk.distinctTensors(constants, tensor -> {
            String problem = TensorConsistencyVerifier.checkStorage(tensor.storage());
            if (problem == null) {
                problem = TensorConsistencyVerifier.checkView(tensor);
            }
            if (problem != null) {
                throw Reject.of(RejectionCode.TENSOR_INCONSISTENT, "constant: " + problem,
                        Location.entry(tensor.storage().recordName()));
            }
        });
    }

    private void noteUnreferenced(ZipIndex index, Storages constants, List<String> notes) {
        List<String> unreferenced = new ArrayList<>(index.unreferencedStorage(MAX_NOTED));
        long count = index.unreferencedStorageCount();
        for (String name : new java.util.TreeSet<>(index.namedRecords())) {
            if (name.startsWith("constants/") && !constants.referenced.contains(name.substring("constants/".length()))) {
                count++;
                if (unreferenced.size() < MAX_NOTED) {
                    unreferenced.add(name);
                }
            }
        }
        if (count > 0) {
            notes.add(count + " storage record(s) not referenced by any tensor, e.g. " + unreferenced);
        }
    }

    /**
     * Resolves persistent ids to {@code data/<key>} (data.pkl) or {@code constants/<key>} (constants.pkl), as
     * torch's C++ unpickler does. One StorageInfo per key; a later declaration must agree with the first.
     */
    private final class Storages implements StorageResolver {
        private final ZipIndex index;
        private final String folder;
        private final String pickleEntry;
        private final Map<String, StorageInfo> known = new HashMap<>();
        final Set<String> referenced = new HashSet<>();

        Storages(ZipIndex index, String folder, String pickleEntry) {
            this.index = index;
            this.folder = folder;
            this.pickleEntry = pickleEntry;
        }

        @Override
        public StorageInfo resolve(String key, DType dtype, long elementCount, long pickleOffset) {
            Supplier<Location> at = () -> Location.at(pickleEntry, pickleOffset);
            StorageInfo info = known.get(key);
            if (info != null) {
                if (info.dtype() != dtype || info.elementCount() != elementCount) {
                    throw Reject.of(RejectionCode.TENSOR_INCONSISTENT, "storage " + SafeText.escape(key)
                            + " declared again with a different type or size", at.get());
                }
                return info;
            }
            long recordBytes;
            if (folder.equals("data")) {
                recordBytes = index.referenceStorage(key);
            } else {
                ZipRecord record = index.record(folder + "/" + key);
                recordBytes = record == null ? -1 : record.size();
                referenced.add(key);
            }
            if (recordBytes < 0) {
                throw Reject.of(RejectionCode.TENSOR_INCONSISTENT, "storage " + SafeText.escape(key) + " has no "
                        + folder + "/" + SafeText.escape(key) + " record", at.get());
            }
            try {
                declaredBytes = Math.addExact(declaredBytes, Math.multiplyExact(elementCount, dtype.elementSize()));
            } catch (ArithmeticException e) {
                declaredBytes = Long.MAX_VALUE;
            }
            Reject.checkLimit("maxTotalDeclaredBytes", declaredBytes, limits.maxTotalDeclaredBytes(), at.get());
            info = new StorageInfo(key, dtype, elementCount, folder, recordBytes);
            known.put(key, info);
            return info;
        }
    }
}
