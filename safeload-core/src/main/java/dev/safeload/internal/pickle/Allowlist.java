package dev.safeload.internal.pickle;

import dev.safeload.api.tree.DType;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The exact {@code (module, name)} pairs a pickle may name: the globals torch.save output uses to rebuild
 * tensors, parameters and OrderedDicts, a few builtins it uses for config values, and whatever the user
 * added. Names are matched exactly; there is no prefix matching and no dotted-name resolution.
 * Immutable and thread-safe.
 */
public final class Allowlist {

    /** Modules that no user addition may name: allowing anything from them would allow code execution. */
    private static final Set<String> BLOCKED_MODULES = Set.of(
            "sys", "os", "posix", "nt", "subprocess", "builtins", "__builtin__", "runpy", "pickle", "_pickle",
            "cPickle", "marshal", "importlib", "pkgutil", "pydoc", "operator", "_operator", "functools", "ctypes",
            "shutil", "socket", "pty", "code", "codeop", "timeit", "cProfile", "profile", "pdb", "bdb",
            "webbrowser", "types", "io", "_io", "torch.serialization", "torch.storage", "torch.jit",
            "torch.hub", "torch.package");

    private final Map<String, GlobalRef> entries;

    private Allowlist(Map<String, GlobalRef> entries) {
        this.entries = Map.copyOf(entries);
    }

    /** No globals at all: for the pickles that may only hold literals (legacy magic number, key lists). */
    public static Allowlist none() {
        return new Allowlist(Map.of());
    }

    /** The default torch.save allowlist. */
    public static Allowlist torchDefaults() {
        return new Allowlist(defaults());
    }

    /**
     * For plain pickle files: the torch.save globals plus {@code torch.storage._load_from_bytes}, through
     * which {@code pickle.dump} of a tensor carries its storage as a nested legacy torch.save file (vetted
     * as such), plus user-allowed globals.
     */
    public static Allowlist plainPickle(Iterable<String[]> userGlobals) {
        Map<String, GlobalRef> map = defaults();
        put(map, "torch.storage", "_load_from_bytes", GlobalKind.LOAD_FROM_BYTES, null);
        return withUser(map, userGlobals);
    }

    /**
     * The globals of TorchScript pickles ({@code torch.jit.save}'s {@code data.pkl}, {@code constants.pkl}
     * and debug records): the torch.save defaults plus {@code torch.jit._pickle}'s typed-list builders and
     * {@code restore_type_tag}. User additions are not included: torch's C++ unpickler, which reads these
     * pickles, resolves no other globals. {@code __torch__} classes come from the archive's code, not from
     * here (see {@link PickleMachine#torchScript(ScriptClasses)}).
     */
    public static Allowlist torchScript() {
        Map<String, GlobalRef> map = defaults();
        put(map, "torch.jit._pickle", "build_intlist", GlobalKind.BUILD_INTLIST, null);
        put(map, "torch.jit._pickle", "build_doublelist", GlobalKind.BUILD_DOUBLELIST, null);
        put(map, "torch.jit._pickle", "build_boollist", GlobalKind.BUILD_BOOLLIST, null);
        put(map, "torch.jit._pickle", "build_tensorlist", GlobalKind.BUILD_TENSORLIST, null);
        put(map, "torch.jit._pickle", "build_tensor_from_id", GlobalKind.BUILD_TENSOR_FROM_ID, null);
        put(map, "torch.jit._pickle", "restore_type_tag", GlobalKind.RESTORE_TYPE_TAG, null);
        return new Allowlist(map);
    }

    /** The defaults plus user-allowed globals. */
    public static Allowlist torchDefaultsPlus(Iterable<String[]> userGlobals) {
        return withUser(defaults(), userGlobals);
    }

    private static Allowlist withUser(Map<String, GlobalRef> map, Iterable<String[]> userGlobals) {
        for (String[] pair : userGlobals) {
            map.putIfAbsent(key(pair[0], pair[1]), new GlobalRef(pair[0], pair[1], GlobalKind.USER, null));
        }
        return new Allowlist(map);
    }

    /**
     * Checks a user addition, throwing {@link IllegalArgumentException} for names that are malformed or
     * that could only serve code execution.
     */
    public static void checkUserGlobal(String module, String name) {
        if (!module.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*")) {
            throw new IllegalArgumentException("not a module name: " + module);
        }
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("not a plain global name (dotted names are never resolved): " + name);
        }
        for (String blocked : BLOCKED_MODULES) {
            if (module.equals(blocked) || module.startsWith(blocked + ".")) {
                throw new IllegalArgumentException("globals from module '" + module
                        + "' can execute code or load other files and cannot be allowlisted");
            }
        }
    }

    /** The entry for a pair, or null if it is not allowed. */
    GlobalRef lookup(String module, String name) {
        return entries.get(key(module, name));
    }

    private static String key(String module, String name) {
        return module + "\n" + name;
    }

    private static Map<String, GlobalRef> defaults() {
        Map<String, GlobalRef> map = new HashMap<>();
        put(map, "torch._utils", "_rebuild_tensor_v2", GlobalKind.REBUILD_TENSOR_V2, null);
        put(map, "torch._utils", "_rebuild_tensor_v3", GlobalKind.REBUILD_TENSOR_V3, null);
        put(map, "torch._utils", "_rebuild_parameter", GlobalKind.REBUILD_PARAMETER, null);
        put(map, "torch._utils", "_rebuild_parameter_with_state", GlobalKind.REBUILD_PARAMETER_WITH_STATE, null);
        put(map, "collections", "OrderedDict", GlobalKind.ORDERED_DICT, null);
        put(map, "torch.storage", "UntypedStorage", GlobalKind.UNTYPED_STORAGE_CLASS, DType.UINT8);
        for (DType dtype : DType.values()) {
            put(map, "torch", dtype.torchName(), GlobalKind.DTYPE, dtype);
            dtype.storageClass().ifPresent(cls -> put(map, "torch", cls, GlobalKind.TYPED_STORAGE_CLASS, dtype));
        }
        // Python 2 spellings appear in protocol-2 pickles; both map to builtins as torch maps them.
        for (String builtins : new String[] {"builtins", "__builtin__"}) {
            put(map, builtins, "set", GlobalKind.SET, null);
            put(map, builtins, "bytearray", GlobalKind.BYTEARRAY, null);
            put(map, builtins, "complex", GlobalKind.COMPLEX, null);
        }
        put(map, "_codecs", "encode", GlobalKind.CODECS_ENCODE, null);
        put(map, "torch", "device", GlobalKind.DEVICE, null);
        put(map, "torch", "Size", GlobalKind.SIZE, null);
        return map;
    }

    private static void put(Map<String, GlobalRef> map, String module, String name, GlobalKind kind, DType dtype) {
        map.put(key(module, name), new GlobalRef(module, name, kind, dtype));
    }
}
