package dev.safeload.internal.pickle;

import dev.safeload.api.Location;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.SafeText;
import dev.safeload.api.VerificationLimits;
import dev.safeload.api.tree.DType;
import dev.safeload.api.tree.DictNode;
import dev.safeload.api.tree.StorageInfo;
import dev.safeload.api.tree.TensorNode;
import dev.safeload.internal.Reject;
import dev.safeload.internal.pickle.Values.PBytes;
import dev.safeload.internal.pickle.Values.PDict;
import dev.safeload.internal.pickle.Values.PList;
import dev.safeload.internal.pickle.Values.PObject;
import dev.safeload.internal.pickle.Values.PSet;
import dev.safeload.internal.pickle.Values.PStorage;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Simulates a pickle stream opcode by opcode without importing or calling anything. Only the opcodes
 * that torch.save output needs are accepted, each only on the kinds of object it makes sense on; globals
 * are looked up in an exact {@link Allowlist}; calls are recognised by their shapes and described, never
 * performed. Every allocation and every loop is bounded by {@link VerificationLimits} before it happens.
 *
 * <p>Any departure is thrown as a {@link Reject}; one machine runs one pickle on one thread.
 */
public final class PickleMachine {

    private static final int MAX_GLOBAL_LINE = 256;
    private static final int MAX_FRAME_PROTOCOL = 5;
    private static final int RECENT = 16;

    private final ByteBuffer in;
    private final int end;
    private final String entry;
    private final VerificationLimits limits;
    private final Allowlist allowlist;
    private final StorageResolver storages;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);

    private int pos;
    private int opStart;
    private int frameEnd = -1;
    private int protocol = -1;
    private long opcodes;

    private Object[] stack;
    private int sp;
    private int[] marks;
    private int markDepth;

    private Object[] memo = new Object[64];
    private long memoCount;
    /** The last few memo writes, so that values consumed by a call can be freed from the memo. */
    private final int[] recentSlots = new int[RECENT];
    private final Object[] recentValues = new Object[RECENT];
    private int recentNext;

    private long tensors;
    private byte[] scratch = new byte[256];
    /** Set for TorchScript pickles (see {@link #torchScript}); null for torch.save pickles. */
    private ScriptClasses scriptClasses;

    /** Which persistent-id shape the surrounding format uses. */
    public enum Layout {
        /** torch.save zip archives: {@code ('storage', type, key, location, numel)}. */
        ZIP,
        /** legacy torch.save: {@code ('storage', type, root_key, location, numel, view_metadata=None)}. */
        LEGACY
    }

    private final Layout layout;
    private final boolean stacked;
    private final boolean cutByLimit;

    /** A machine for one pickle that must fill {@code data} exactly (the zip formats). */
    public PickleMachine(ByteBuffer data, String entry, VerificationLimits limits, Allowlist allowlist,
                         StorageResolver storages) {
        this(data, entry, limits, allowlist, storages, Layout.ZIP, false, false);
    }

    /**
     * A machine for formats that stack pickles one after another (legacy torch.save): {@code run()} returns
     * at STOP and {@link #endPosition()} tells where the next pickle starts.
     *
     * @param data the rest of the stream, at most {@code maxPickleBytes} long
     * @param cutByLimit whether {@code data} was cut short at {@code maxPickleBytes}, so that running out of
     *     data is a resource limit rather than a truncation
     */
    public static PickleMachine stacked(ByteBuffer data, String entry, VerificationLimits limits, Allowlist allowlist,
                                        StorageResolver storages, Layout layout, boolean cutByLimit) {
        return new PickleMachine(data, entry, limits, allowlist, storages, layout, true, cutByLimit);
    }

    private PickleMachine(ByteBuffer data, String entry, VerificationLimits limits, Allowlist allowlist,
                          StorageResolver storages, Layout layout, boolean stacked, boolean cutByLimit) {
        this.layout = layout;
        this.stacked = stacked;
        this.cutByLimit = cutByLimit;
        this.in = data;
        this.end = data.limit();
        this.entry = entry;
        this.limits = limits;
        this.allowlist = allowlist;
        this.storages = storages;
        this.stack = new Object[(int) Math.min(64, limits.maxStackDepth())];
        this.marks = new int[(int) Math.min(16, limits.maxNestingDepth())];
    }

    /**
     * Runs this machine in the TorchScript profile, for the pickles of a {@code torch.jit.save} archive, which
     * torch's C++ unpickler reads: protocol 2 only; {@code __torch__} classes that {@code classes} defines
     * may be instantiated by {@code NEWOBJ} on an empty tuple and given their state by {@code BUILD} (a dict
     * of attribute names, unless the class defines {@code __setstate__}). Use with
     * {@link Allowlist#torchScript()}.
     *
     * @return this machine
     */
    public PickleMachine torchScript(ScriptClasses classes) {
        this.scriptClasses = java.util.Objects.requireNonNull(classes, "classes");
        return this;
    }

    /** The number of tensors the pickle built. */
    public long tensorCount() {
        return tensors;
    }

    /** The number of opcodes executed. */
    public long opcodeCount() {
        return opcodes;
    }

    /** Where the pickle's STOP ended, relative to the start of the data; valid after {@link #run()}. */
    public int endPosition() {
        return pos;
    }

    /** Runs the pickle to its STOP and returns the object it builds. */
    public Object run() {
        if (!stacked) {
            Reject.checkLimit("maxPickleBytes", end, limits.maxPickleBytes(), Location.entry(entry));
        }
        while (true) {
            if (frameEnd >= 0 && pos == frameEnd) {
                frameEnd = -1;
            }
            if (pos >= end) {
                if (cutByLimit) {
                    Reject.checkLimit("maxPickleBytes", end + 1L, limits.maxPickleBytes(), here());
                }
                throw malformed("pickle ends without STOP (truncated)");
            }
            opStart = pos;
            if (++opcodes > limits.maxOpcodes()) {
                checkLimit("maxOpcodes", opcodes, limits.maxOpcodes());
            }
            int op = in.get(pos++) & 0xff;
            if (opcodes == 1 && op != Opcodes.PROTO) {
                throw malformed("pickle does not start with PROTO (protocol 0 and 1 pickles are not torch.save output)");
            }
            switch (op) {
                case Opcodes.PROTO -> proto();
                case Opcodes.FRAME -> frame();
                case Opcodes.STOP -> {
                    return stop();
                }
                case Opcodes.MARK -> mark();
                case Opcodes.EMPTY_TUPLE -> push(new Object[0]);
                case Opcodes.EMPTY_LIST -> push(new PList());
                case Opcodes.EMPTY_DICT -> push(new PDict(DictNode.Kind.DICT));
                case Opcodes.EMPTY_SET -> requireProtocol(4, op).push(new PSet(false));
                case Opcodes.TUPLE -> push(popToMark());
                case Opcodes.TUPLE1 -> tupleN(1);
                case Opcodes.TUPLE2 -> tupleN(2);
                case Opcodes.TUPLE3 -> tupleN(3);
                case Opcodes.NONE -> push(Values.NONE);
                case Opcodes.NEWTRUE -> push(Boolean.TRUE);
                case Opcodes.NEWFALSE -> push(Boolean.FALSE);
                case Opcodes.BININT -> push((long) readInt4());
                case Opcodes.BININT1 -> push((long) readU1());
                case Opcodes.BININT2 -> push((long) readU2());
                case Opcodes.LONG1 -> push(readLong1());
                case Opcodes.BINFLOAT -> push(readBinFloat());
                case Opcodes.BINUNICODE -> push(readString(readU4()));
                case Opcodes.SHORT_BINUNICODE -> requireProtocol(4, op).push(readString(readU1()));
                case Opcodes.BINUNICODE8 -> requireProtocol(4, op).push(readString(readU8()));
                case Opcodes.SHORT_BINSTRING -> push(readString(readU1()));
                case Opcodes.BINBYTES -> requireProtocol(3, op).push(readBytes(readU4()));
                case Opcodes.SHORT_BINBYTES -> requireProtocol(3, op).push(readBytes(readU1()));
                case Opcodes.BINBYTES8 -> requireProtocol(4, op).push(readBytes(readU8()));
                case Opcodes.BINGET -> get(readU1());
                case Opcodes.LONG_BINGET -> get(readU4());
                case Opcodes.BINPUT -> put(readU1());
                case Opcodes.LONG_BINPUT -> put(readU4());
                case Opcodes.MEMOIZE -> requireProtocol(4, op).put(memoCount);
                case Opcodes.GLOBAL -> push(global(readLine(), readLine()));
                case Opcodes.STACK_GLOBAL -> requireProtocol(4, op).stackGlobal();
                case Opcodes.REDUCE -> reduce();
                case Opcodes.BUILD -> build();
                case Opcodes.NEWOBJ -> newobj();
                case Opcodes.BINPERSID -> persistentId();
                case Opcodes.APPEND -> append();
                case Opcodes.APPENDS -> appends();
                case Opcodes.SETITEM -> setitem();
                case Opcodes.SETITEMS -> setitems();
                case Opcodes.ADDITEMS -> requireProtocol(4, op).additems();
                default -> throw disallowedOpcode(op);
            }
        }
    }

    // ---- framing and protocol -------------------------------------------------------------------------

    private void proto() {
        int version = readU1();
        if (opcodes != 1) {
            throw malformed("PROTO after the first opcode (spliced pickles)");
        }
        if (version < 2 || version > MAX_FRAME_PROTOCOL) {
            throw malformed("unsupported pickle protocol " + version);
        }
        if (scriptClasses != null && version != 2) {
            throw malformed("TorchScript pickle with protocol " + version + " (torch's C++ unpickler reads only 2)");
        }
        protocol = version;
    }

    private PickleMachine requireProtocol(int minimum, int op) {
        if (protocol < minimum) {
            throw Reject.of(RejectionCode.DISALLOWED_OPCODE, Opcodes.name(op) + " needs protocol " + minimum
                    + " but the pickle declares protocol " + protocol, here());
        }
        return this;
    }

    private void frame() {
        requireProtocol(4, Opcodes.FRAME);
        if (frameEnd >= 0) {
            throw malformed("FRAME inside an unfinished frame");
        }
        long length = readU8();
        if (length > end - pos) {
            throw malformed("FRAME length " + length + " runs past the end of the pickle");
        }
        frameEnd = pos + (int) length;
    }

    /** Makes sure {@code n} more bytes are readable without crossing the current frame or the end. */
    private void need(long n) {
        if (frameEnd >= 0 && n > frameEnd - pos) {
            throw malformed("opcode argument crosses the end of its frame");
        }
        if (n > end - pos) {
            throw malformed("pickle truncated inside an opcode argument");
        }
    }

    // ---- stack ------------------------------------------------------------------------------------------

    private void push(Object value) {
        if (sp == stack.length) {
            checkLimit("maxStackDepth", sp + 1L, limits.maxStackDepth());
            stack = Arrays.copyOf(stack, (int) Math.min((long) stack.length * 2, limits.maxStackDepth()));
        }
        stack[sp++] = value;
    }

    private Object pop() {
        if (sp == 0 || (markDepth > 0 && sp == marks[markDepth - 1])) {
            throw malformed("stack underflow");
        }
        Object value = stack[--sp];
        stack[sp] = null;
        return value;
    }

    private Object top() {
        if (sp == 0 || (markDepth > 0 && sp == marks[markDepth - 1])) {
            throw malformed("stack underflow");
        }
        return stack[sp - 1];
    }

    private void mark() {
        checkLimit("maxNestingDepth", markDepth + 1L, limits.maxNestingDepth());
        if (markDepth == marks.length) {
            marks = Arrays.copyOf(marks, (int) Math.min((long) marks.length * 2, limits.maxNestingDepth()));
        }
        marks[markDepth++] = sp;
    }

    private Object[] popToMark() {
        if (markDepth == 0) {
            throw malformed("no MARK to pop to");
        }
        int base = marks[--markDepth];
        Object[] items = Arrays.copyOfRange(stack, base, sp);
        Arrays.fill(stack, base, sp, null);
        sp = base;
        return items;
    }

    private void tupleN(int n) {
        Object[] items = new Object[n];
        for (int i = n - 1; i >= 0; i--) {
            items[i] = pop();
        }
        push(items);
    }

    private Object stop() {
        if (markDepth != 0) {
            throw malformed("STOP with an unclosed MARK");
        }
        if (sp != 1) {
            throw malformed("STOP with " + sp + " values on the stack instead of 1");
        }
        if (frameEnd >= 0 && pos != frameEnd) {
            throw malformed("STOP inside an unfinished frame");
        }
        if (!stacked && pos != end) {
            throw malformed((end - pos) + " bytes after STOP (stacked or appended pickle)");
        }
        Object result = stack[0];
        if (result == Values.CONSUMED) {
            throw malformed("STOP on a consumed value");
        }
        stack = null;
        memo = null;
        return result;
    }

    // ---- memo -------------------------------------------------------------------------------------------

    private void get(long index) {
        if (index >= memo.length || memo[(int) index] == null) {
            throw malformed("memo slot " + index + " read before it was written");
        }
        Object value = memo[(int) index];
        if (value == Values.CONSUMED) {
            throw malformed("memo slot " + index + " read again after a call consumed it");
        }
        push(value);
    }

    private void put(long index) {
        Object value = top();
        if (scriptClasses != null && value instanceof PObject object && object.acceptsState && object.state == null) {
            // torch's C++ unpickler creates the object at BUILD; before that its memo would hold a class index.
            throw malformed("TorchScript object memoized before its BUILD (torch.jit.save memoizes it after)");
        }
        // torch.save numbers memo slots 0, 1, 2, ... in order; a gap is never written and would let a
        // tiny pickle demand a huge memo.
        if (index > memoCount) {
            throw malformed("memo index " + index + " skips ahead of the " + memoCount + " slots written so far");
        }
        if (index == memoCount) {
            checkLimit("maxMemoEntries", memoCount + 1, limits.maxMemoEntries());
            if (index >= memo.length) {
                memo = Arrays.copyOf(memo, (int) Math.min(memo.length + (memo.length >> 1), Integer.MAX_VALUE - 8));
            }
            memoCount++;
        }
        memo[(int) index] = value;
        recentSlots[recentNext] = (int) index;
        recentValues[recentNext] = value;
        recentNext = (recentNext + 1) % RECENT;
    }

    /**
     * A call just consumed {@code value} (an argument tuple, a persistent id, a tensor's size, stride or
     * hooks, a parameter's data). torch.save memoizes each of these right before the call and never reads
     * them back, so their memo slots are freed; a pickle that reads one again is rejected. This keeps the
     * memory of huge checkpoints proportional to their tensors rather than their opcodes.
     */
    private void consumed(Object value) {
        for (int i = 0; i < RECENT; i++) {
            if (recentValues[i] == value && value != null) {
                if (memo[recentSlots[i]] == value) {
                    memo[recentSlots[i]] = Values.CONSUMED;
                }
                recentValues[i] = null;
            }
        }
    }

    // ---- scalars ----------------------------------------------------------------------------------------

    private int readU1() {
        need(1);
        return in.get(pos++) & 0xff;
    }

    private int readU2() {
        need(2);
        int v = in.getShort(pos) & 0xffff;
        pos += 2;
        return v;
    }

    private int readInt4() {
        need(4);
        int v = in.getInt(pos);
        pos += 4;
        return v;
    }

    private long readU4() {
        return readInt4() & 0xffffffffL;
    }

    /** An unsigned 8-byte length; anything above Long.MAX_VALUE reads as Long.MAX_VALUE, which no limit allows. */
    private long readU8() {
        need(8);
        long v = in.getLong(pos);
        pos += 8;
        return v < 0 ? Long.MAX_VALUE : v;
    }

    private Object readLong1() {
        int n = readU1();
        need(n);
        if (n == 0) {
            return 0L;
        }
        byte[] bigEndian = new byte[n];
        for (int i = 0; i < n; i++) {
            bigEndian[n - 1 - i] = in.get(pos + i);
        }
        pos += n;
        BigInteger value = new BigInteger(bigEndian);
        return value.bitLength() < 64 ? (Object) value.longValue() : value;
    }

    private Double readBinFloat() {
        need(8);
        long bits = Long.reverseBytes(in.getLong(pos));
        pos += 8;
        return Double.longBitsToDouble(bits);
    }

    /**
     * A str. Short canonical decimals ("0" ... "999999999", the storage keys torch.save writes, one per
     * tensor) come back as {@link Values.DecimalString}, which everything here treats as a str: a
     * checkpoint with millions of tensors then holds millions of ints instead of strings.
     */
    private Object readString(long length) {
        checkLimit("maxStringBytes", length, limits.maxStringBytes());
        need(length);
        int n = (int) length;
        if (scratch.length < n) {
            scratch = new byte[Math.max(n, scratch.length * 2)];
        }
        in.get(pos, scratch, 0, n);
        pos += n;
        int decimal = decimal(scratch, n);
        return decimal >= 0 ? new Values.DecimalString(decimal) : decodeUtf8(scratch, n);
    }

    private static int decimal(byte[] bytes, int n) {
        if (n == 0 || n > 9 || (n > 1 && bytes[0] == '0')) {
            return -1;
        }
        int value = 0;
        for (int i = 0; i < n; i++) {
            int digit = bytes[i] - '0';
            if (digit < 0 || digit > 9) {
                return -1;
            }
            value = value * 10 + digit;
        }
        return value;
    }

    /** The text of a str value, whichever way it is held, or null if the value is not a str. */
    static String str(Object value) {
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Values.DecimalString d) {
            return Integer.toString(d.value());
        }
        return null;
    }

    /** Strict UTF-8, with a fast path for ASCII, which nearly every key and name is. */
    private String decodeUtf8(byte[] raw, int n) {
        boolean ascii = true;
        for (int i = 0; i < n; i++) {
            if (raw[i] < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(raw, 0, n, StandardCharsets.ISO_8859_1);
        }
        try {
            return utf8.reset().decode(ByteBuffer.wrap(raw, 0, n)).toString();
        } catch (CharacterCodingException e) {
            throw malformed("string is not valid UTF-8");
        }
    }

    private PBytes readBytes(long length) {
        checkLimit("maxBytesLength", length, limits.maxBytesLength());
        need(length);
        byte[] bytes = new byte[(int) length];
        in.get(pos, bytes);
        pos += (int) length;
        return new PBytes(bytes, false);
    }

    private String readLine() {
        int start = pos;
        int limit = frameEnd >= 0 ? frameEnd : end;
        for (int i = pos; i < limit && i - start <= MAX_GLOBAL_LINE; i++) {
            if (in.get(i) == '\n') {
                byte[] raw = new byte[i - start];
                in.get(start, raw);
                pos = i + 1;
                try {
                    return utf8.reset().decode(ByteBuffer.wrap(raw)).toString();
                } catch (CharacterCodingException e) {
                    throw Reject.of(RejectionCode.DISALLOWED_GLOBAL,
                            "GLOBAL name is not valid UTF-8: " + SafeText.escapeBytes(raw), here());
                }
            }
        }
        throw malformed("GLOBAL name without a newline within " + MAX_GLOBAL_LINE + " bytes");
    }

    // ---- globals ----------------------------------------------------------------------------------------

    private GlobalRef global(String module, String name) {
        GlobalRef ref = allowlist.lookup(module, name);
        if (ref == null && scriptClasses != null && (module.equals("__torch__") || module.startsWith("__torch__."))) {
            if (!scriptClasses.defines(module + "." + name)) {
                throw Reject.of(RejectionCode.DISALLOWED_GLOBAL, "TorchScript class " + SafeText.escape(module) + "."
                        + SafeText.escape(name) + " is not defined in the archive's code/", here());
            }
            ref = new GlobalRef(module, name, GlobalKind.SCRIPT_CLASS, null);
        }
        if (ref == null) {
            String why = name.indexOf('.') >= 0 ? " (dotted names are never resolved)" : "";
            throw Reject.of(RejectionCode.DISALLOWED_GLOBAL, "global " + SafeText.escape(module) + "."
                    + SafeText.escape(name) + " is not on the allowlist" + why, here());
        }
        return ref;
    }

    private void stackGlobal() {
        Object name = pop();
        Object module = pop();
        String m = str(module);
        String n = str(name);
        if (m == null || n == null) {
            throw Reject.of(RejectionCode.DISALLOWED_GLOBAL, "STACK_GLOBAL operands are not strings", here());
        }
        push(global(m, n));
    }

    // ---- calls ------------------------------------------------------------------------------------------

    private void reduce() {
        Object args = pop();
        Object callable = top();
        if (scriptClasses != null && callable instanceof GlobalRef ref && ref.kind() == GlobalKind.SCRIPT_CLASS
                && scriptClasses.isEnum(ref.module() + "." + ref.name())) {
            // An enum member: torch's C++ unpickler looks the value up among the enum's members.
            if (!(args instanceof Long || args instanceof Double || str(args) != null)) {
                throw malformed("TorchScript enum value is a " + typeName(args) + ", not an int, float or str");
            }
            stack[sp - 1] = new PObject(ref.module(), ref.name(), List.of(args), false);
            return;
        }
        if (!(callable instanceof GlobalRef ref)) {
            throw Reject.of(RejectionCode.DISALLOWED_OPCODE, "REDUCE on a " + typeName(callable)
                    + ", which is not a callable global", here());
        }
        if (!(args instanceof Object[] tuple)) {
            throw malformed("REDUCE arguments are a " + typeName(args) + ", not a tuple");
        }
        consumed(args);
        stack[sp - 1] = call(ref, tuple);
    }

    private Object call(GlobalRef ref, Object[] args) {
        return switch (ref.kind()) {
            case REBUILD_TENSOR_V2 -> rebuildTensor(args, false);
            case REBUILD_TENSOR_V3 -> rebuildTensor(args, true);
            case REBUILD_PARAMETER -> rebuildParameter(args, false);
            case REBUILD_PARAMETER_WITH_STATE -> rebuildParameter(args, true);
            case ORDERED_DICT -> {
                expectArity(ref, args, 0, 0);
                yield new PDict(DictNode.Kind.ORDERED_DICT);
            }
            case SET -> {
                expectArity(ref, args, 0, 1);
                PSet set = new PSet(false);
                if (args.length == 1) {
                    if (!(args[0] instanceof PList list)) {
                        throw badCall(ref, "expects a list");
                    }
                    for (Object item : list.items) {
                        requireHashable(item, 0);
                        set.items.add(item);
                    }
                }
                yield set;
            }
            case CODECS_ENCODE -> {
                expectArity(ref, args, 2, 2);
                String text = str(args[0]);
                String encoding = str(args[1]);
                if (text == null || !("latin1".equals(encoding) || "latin-1".equals(encoding))) {
                    throw badCall(ref, "expects (str, 'latin1')");
                }
                byte[] bytes = new byte[text.length()];
                for (int i = 0; i < text.length(); i++) {
                    char c = text.charAt(i);
                    if (c > 0xff) {
                        throw badCall(ref, "text is not Latin-1");
                    }
                    bytes[i] = (byte) c;
                }
                yield new PBytes(bytes, false);
            }
            case BYTEARRAY -> {
                // bytearray(n) would allocate n bytes: only the copy-from-bytes shape is accepted.
                expectArity(ref, args, 0, 1);
                if (args.length == 0) {
                    yield new PBytes(new byte[0], true);
                }
                if (!(args[0] instanceof PBytes bytes)) {
                    throw badCall(ref, "expects bytes");
                }
                yield new PBytes(bytes.bytes(), true);
            }
            case COMPLEX -> {
                expectArity(ref, args, 2, 2);
                for (Object part : args) {
                    if (!(part instanceof Double || part instanceof Long)) {
                        throw badCall(ref, "expects two numbers");
                    }
                }
                yield new PObject("builtins", "complex", List.of(args), false);
            }
            case DEVICE -> {
                expectArity(ref, args, 1, 2);
                if (str(args[0]) == null || (args.length == 2 && !(args[1] instanceof Long))) {
                    throw badCall(ref, "expects (str[, int])");
                }
                yield new PObject("torch", "device", List.of(args), false);
            }
            case SIZE -> {
                expectArity(ref, args, 1, 1);
                longs(args[0], ref, "sizes");
                yield new PObject("torch", "Size", List.of(args), false);
            }
            case USER -> new PObject(ref.module(), ref.name(), List.of(args), true);
            case LOAD_FROM_BYTES -> {
                expectArity(ref, args, 1, 1);
                if (!(args[0] instanceof PBytes bytes) || bytes.bytearray()) {
                    throw badCall(ref, "expects bytes");
                }
                StorageResolver.LoadedStorage loaded = storages.loadFromBytes(bytes.bytes(), opStart);
                yield new PStorage(loaded.info(), loaded.untyped());
            }
            case BUILD_INTLIST -> typedList(ref, args, Long.class);
            case BUILD_DOUBLELIST -> typedList(ref, args, Double.class);
            case BUILD_BOOLLIST -> typedList(ref, args, Boolean.class);
            case BUILD_TENSORLIST -> typedList(ref, args, TensorNode.class);
            case BUILD_TENSOR_FROM_ID -> {
                expectArity(ref, args, 1, 1);
                if (!(args[0] instanceof Long)) {
                    throw badCall(ref, "expects an int");
                }
                yield args[0];
            }
            case RESTORE_TYPE_TAG -> {
                expectArity(ref, args, 2, 2);
                String type = str(args[1]);
                if (type == null || !TYPE_TAG.matcher(type).matches()) {
                    throw badCall(ref, "the type tag is not a TorchScript type string");
                }
                yield args[0];
            }
            case SCRIPT_CLASS -> throw Reject.of(RejectionCode.DISALLOWED_OPCODE, "REDUCE on TorchScript class "
                    + SafeText.escape(ref.module()) + "." + SafeText.escape(ref.name())
                    + ": torch.jit.save writes NEWOBJ and BUILD", here());
            case TYPED_STORAGE_CLASS, UNTYPED_STORAGE_CLASS, DTYPE -> throw Reject.of(
                    RejectionCode.DISALLOWED_OPCODE, "calling " + ref.module() + "." + ref.name()
                            + " is not a shape torch.save produces (it would allocate)", here());
        };
    }

    /** Type strings as torch.jit.save writes them for restore_type_tag, such as {@code Dict[str, List[int]]}. */
    private static final java.util.regex.Pattern TYPE_TAG =
            java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_.\\[\\], ]{0,1023}");

    /** {@code build_intlist(list)} and its kin: the identity on a list whose items all have the type. */
    private Object typedList(GlobalRef ref, Object[] args, Class<?> itemType) {
        expectArity(ref, args, 1, 1);
        if (!(args[0] instanceof PList list)) {
            throw badCall(ref, "expects a list");
        }
        for (Object item : list.items) {
            if (!itemType.isInstance(item)) {
                throw badCall(ref, "the list holds a " + typeName(item));
            }
        }
        return list;
    }

    /** {@code _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])} and v3. */
    private TensorNode rebuildTensor(Object[] args, boolean v3) {
        String fn = v3 ? "_rebuild_tensor_v3" : "_rebuild_tensor_v2";
        int base = v3 ? 7 : 6;
        if (args.length != base && args.length != base + 1) {
            throw malformed(fn + " with " + args.length + " arguments");
        }
        if (!(args[0] instanceof PStorage storage)) {
            throw malformed(fn + " whose first argument is a " + typeName(args[0]) + ", not a storage");
        }
        if (!(args[1] instanceof Long offset)) {
            throw malformed(fn + " storage offset is not an int");
        }
        long[] size = longs(args[2], null, "size");
        long[] stride = longs(args[3], null, "stride");
        if (size.length != stride.length) {
            throw malformed(fn + " size and stride differ in rank");
        }
        checkLimit("maxTensorRank", size.length, limits.maxTensorRank());
        if (!(args[4] instanceof Boolean requiresGrad)) {
            throw malformed(fn + " requires_grad is not a bool");
        }
        requireEmptyHooks(args[5], fn);
        DType dtype = storage.info().dtype();
        if (v3) {
            if (!(args[6] instanceof GlobalRef ref) || ref.kind() != GlobalKind.DTYPE) {
                throw malformed(fn + " dtype argument is not a dtype");
            }
            if (!storage.untyped()) {
                throw malformed(fn + " over a typed storage");
            }
            dtype = ref.dtype();
        } else if (storage.untyped()) {
            throw malformed(fn + " over an untyped storage");
        }
        if (args.length == base + 1) {
            requireTensorMetadata(args[base], fn);
            consumed(args[base]);
        }
        consumed(args[2]);
        consumed(args[3]);
        consumed(args[5]);
        if (++tensors > limits.maxTensors()) {
            checkLimit("maxTensors", tensors, limits.maxTensors());
        }
        return TensorNode.of(dtype, size, stride, offset, storage.info(), requiresGrad, false);
    }

    private TensorNode rebuildParameter(Object[] args, boolean withState) {
        String fn = withState ? "_rebuild_parameter_with_state" : "_rebuild_parameter";
        if (args.length != (withState ? 4 : 3)) {
            throw malformed(fn + " with " + args.length + " arguments");
        }
        if (!(args[0] instanceof TensorNode tensor) || tensor.isParameter()) {
            throw malformed(fn + " whose data is a " + typeName(args[0]) + ", not a tensor");
        }
        if (!(args[1] instanceof Boolean requiresGrad)) {
            throw malformed(fn + " requires_grad is not a bool");
        }
        requireEmptyHooks(args[2], fn);
        if (withState && !(args[3] instanceof PDict state && state.isEmpty() && state.attributes == null)) {
            throw Reject.of(RejectionCode.DISALLOWED_OPCODE,
                    fn + " with attribute state: setting attributes on parameters is not supported", here());
        }
        consumed(tensor);
        consumed(args[2]);
        return tensor.asParameter(requiresGrad);
    }

    private void requireEmptyHooks(Object hooks, String fn) {
        if (!(hooks instanceof PDict dict) || dict.kind != DictNode.Kind.ORDERED_DICT || !dict.isEmpty()
                || dict.attributes != null) {
            throw malformed(fn + " backward_hooks must be an empty OrderedDict (hooks would name functions)");
        }
    }

    private void requireTensorMetadata(Object metadata, String fn) {
        if (!(metadata instanceof PDict dict) || dict.attributes != null) {
            throw malformed(fn + " metadata is not a dict");
        }
        for (int i = 0; i < dict.size(); i++) {
            if (str(dict.key(i)) == null || !(dict.value(i) instanceof Boolean)) {
                throw malformed(fn + " metadata must map names to bools");
            }
        }
    }

    private long[] longs(Object value, GlobalRef ref, String what) {
        if (!(value instanceof Object[] tuple)) {
            throw ref == null ? malformed(what + " is not a tuple") : badCall(ref, what + " is not a tuple");
        }
        long[] out = new long[tuple.length];
        for (int i = 0; i < tuple.length; i++) {
            if (!(tuple[i] instanceof Long v)) {
                throw malformed(what + " holds a " + typeName(tuple[i]) + ", not an int");
            }
            out[i] = v;
        }
        return out;
    }

    private void expectArity(GlobalRef ref, Object[] args, int min, int max) {
        if (args.length < min || args.length > max) {
            throw badCall(ref, "called with " + args.length + " arguments");
        }
    }

    private Reject badCall(GlobalRef ref, String why) {
        return malformed("call to " + ref.module() + "." + ref.name() + " not in a shape torch.save produces: " + why);
    }

    private void newobj() {
        Object args = pop();
        Object cls = pop();
        if (!(cls instanceof GlobalRef ref) || (ref.kind() != GlobalKind.USER && ref.kind() != GlobalKind.SCRIPT_CLASS)) {
            throw Reject.of(RejectionCode.DISALLOWED_OPCODE,
                    "NEWOBJ on a " + typeName(cls) + ": only user-allowlisted classes may be instantiated", here());
        }
        if (!(args instanceof Object[] tuple)) {
            throw malformed("NEWOBJ arguments are not a tuple");
        }
        if (ref.kind() == GlobalKind.SCRIPT_CLASS && tuple.length != 0) {
            throw malformed("NEWOBJ on a TorchScript class with arguments (torch.jit.save passes an empty tuple)");
        }
        push(new PObject(ref.module(), ref.name(), List.of(tuple), true));
    }

    private void build() {
        Object state = pop();
        Object target = top();
        if (target instanceof PDict dict && dict.kind == DictNode.Kind.ORDERED_DICT && dict.attributes == null
                && state instanceof PDict attributes && attributes.kind == DictNode.Kind.DICT) {
            // A state dict's __dict__ (its _metadata): names to values, as OrderedDict's BUILD applies it.
            for (int i = 0; i < attributes.size(); i++) {
                if (str(attributes.key(i)) == null) {
                    throw malformed("OrderedDict attribute name is not a str");
                }
            }
            dict.attributes = attributes;
            return;
        }
        if (scriptClasses != null && target instanceof PObject object && object.acceptsState && object.state == null) {
            requireScriptState(object, state);
        }
        if (target instanceof PObject object && object.acceptsState && object.state == null) {
            object.state = state;
            return;
        }
        throw Reject.of(RejectionCode.DISALLOWED_OPCODE, "BUILD on a " + typeName(target)
                + " with a " + typeName(state) + " state is not a shape torch.save produces", here());
    }

    /**
     * A TorchScript object's state: torch.jit.load hands it to the class's {@code __setstate__} if the code
     * defines one (which the code scan vets), and otherwise sets each attribute named in a dict.
     */
    private void requireScriptState(PObject object, Object state) {
        if (scriptClasses.hasSetState(object.module + "." + object.name)) {
            return;
        }
        if (!(state instanceof PDict dict) || dict.kind != DictNode.Kind.DICT || dict.attributes != null) {
            throw malformed("BUILD state of TorchScript object " + SafeText.escape(object.module) + "."
                    + SafeText.escape(object.name) + " is a " + typeName(state)
                    + ", not a dict of attributes, and its class defines no __setstate__");
        }
        for (int i = 0; i < dict.size(); i++) {
            if (str(dict.key(i)) == null) {
                throw malformed("TorchScript attribute name is a " + typeName(dict.key(i)) + ", not a str");
            }
        }
    }

    // ---- persistent ids ---------------------------------------------------------------------------------

    private void persistentId() {
        Object pid = pop();
        int arity = layout == Layout.ZIP ? 5 : 6;
        if (!(pid instanceof Object[] tuple) || tuple.length != arity) {
            throw malformed("persistent id is a " + typeName(pid) + (layout == Layout.ZIP
                    ? ", not the 5-tuple ('storage', type, key, location, numel)"
                    : ", not the 6-tuple ('storage', type, key, location, numel, None)"));
        }
        if (layout == Layout.LEGACY && tuple[5] != Values.NONE) {
            // Writers since PyTorch 1.0 always write None; views of storages would alias other storages.
            throw malformed("persistent id carries storage view metadata, which torch.save no longer writes");
        }
        if (!"storage".equals(tuple[0])) {
            throw malformed("persistent id tag is not 'storage'");
        }
        if (!(tuple[1] instanceof GlobalRef type)
                || (type.kind() != GlobalKind.TYPED_STORAGE_CLASS && type.kind() != GlobalKind.UNTYPED_STORAGE_CLASS)) {
            throw malformed("persistent id storage type is a " + typeName(tuple[1]) + ", not a storage class");
        }
        String key = str(tuple[2]);
        if (key == null || str(tuple[3]) == null) {
            throw malformed("persistent id key or location is not a str");
        }
        if (!(tuple[4] instanceof Long numel)) {
            throw malformed("persistent id element count is not an int");
        }
        if (numel < 0) {
            throw Reject.of(RejectionCode.TENSOR_INCONSISTENT, "storage " + SafeText.escape(key)
                    + " declares a negative element count " + numel, here());
        }
        consumed(pid);
        StorageInfo info = storages.resolve(key, type.dtype(), numel, opStart);
        push(new PStorage(info, type.kind() == GlobalKind.UNTYPED_STORAGE_CLASS));
    }

    // ---- container mutation -----------------------------------------------------------------------------

    private void append() {
        Object value = pop();
        Object target = top();
        if (!(target instanceof PList list)) {
            throw Reject.of(RejectionCode.DISALLOWED_OPCODE, "APPEND to a " + typeName(target) + ", not a list", here());
        }
        list.items.add(value);
    }

    private void appends() {
        Object[] items = popToMark();
        Object target = top();
        if (!(target instanceof PList list)) {
            throw Reject.of(RejectionCode.DISALLOWED_OPCODE, "APPENDS to a " + typeName(target) + ", not a list", here());
        }
        list.items.addAll(Arrays.asList(items));
    }

    private void setitem() {
        Object value = pop();
        Object key = pop();
        store(top(), key, value, "SETITEM");
    }

    private void setitems() {
        Object[] items = popToMark();
        Object target = top();
        if (items.length % 2 != 0) {
            throw malformed("SETITEMS with an odd number of values");
        }
        for (int i = 0; i < items.length; i += 2) {
            store(target, items[i], items[i + 1], "SETITEMS");
        }
    }

    private void store(Object target, Object key, Object value, String op) {
        if (!(target instanceof PDict dict)) {
            throw Reject.of(RejectionCode.DISALLOWED_OPCODE, op + " on a " + typeName(target) + ", not a dict", here());
        }
        requireHashable(key, 0);
        dict.put(key, value);
    }

    private void additems() {
        Object[] items = popToMark();
        Object target = top();
        if (!(target instanceof PSet set) || set.frozen) {
            throw Reject.of(RejectionCode.DISALLOWED_OPCODE, "ADDITEMS on a " + typeName(target) + ", not a set", here());
        }
        for (Object item : items) {
            requireHashable(item, 0);
            set.items.add(item);
        }
    }

    /** Python raises TypeError for unhashable keys; so do we, before the value is stored. */
    private void requireHashable(Object key, int depth) {
        if (key instanceof String || key instanceof Values.DecimalString || key instanceof Long || key instanceof BigInteger || key instanceof Double
                || key instanceof Boolean || key == Values.NONE || key instanceof GlobalRef
                || key instanceof TensorNode || (key instanceof PBytes b && !b.bytearray())) {
            return;
        }
        if (key instanceof Object[] tuple) {
            checkLimit("maxNestingDepth", depth + 1L, limits.maxNestingDepth());
            for (Object item : tuple) {
                requireHashable(item, depth + 1);
            }
            return;
        }
        throw malformed("unhashable " + typeName(key) + " used as a dict key or set item");
    }

    // ---- errors -----------------------------------------------------------------------------------------

    /** Checks a limit, building the location only when it trips: this runs on every push and string. */
    private void checkLimit(String limitName, long actual, long allowed) {
        if (actual > allowed) {
            Reject.checkLimit(limitName, actual, allowed, here());
        }
    }

    private Location here() {
        return Location.at(entry, opStart);
    }

    private Reject malformed(String message) {
        return Reject.of(RejectionCode.MALFORMED_PICKLE, message, here());
    }

    private Reject disallowedOpcode(int op) {
        return Reject.of(RejectionCode.DISALLOWED_OPCODE, "opcode " + Opcodes.name(op)
                + " is not accepted (torch.save never writes it)", here());
    }

    static String typeName(Object value) {
        if (value == null) {
            return "nothing";
        }
        if (value == Values.NONE) {
            return "None";
        }
        if (value == Values.CONSUMED) {
            return "consumed value";
        }
        if (value instanceof Object[]) {
            return "tuple";
        }
        if (value instanceof PList) {
            return "list";
        }
        if (value instanceof PDict d) {
            return d.kind == DictNode.Kind.ORDERED_DICT ? "OrderedDict" : "dict";
        }
        if (value instanceof PSet) {
            return "set";
        }
        if (value instanceof PBytes b) {
            return b.bytearray() ? "bytearray" : "bytes";
        }
        if (value instanceof PStorage) {
            return "storage";
        }
        if (value instanceof TensorNode t) {
            return t.isParameter() ? "Parameter" : "tensor";
        }
        if (value instanceof GlobalRef g) {
            return "global " + g.module() + "." + g.name();
        }
        if (value instanceof PObject o) {
            return o.module + "." + o.name + " object";
        }
        if (value instanceof String || value instanceof Values.DecimalString) {
            return "str";
        }
        if (value instanceof Long || value instanceof BigInteger) {
            return "int";
        }
        if (value instanceof Double) {
            return "float";
        }
        if (value instanceof Boolean) {
            return "bool";
        }
        return value.getClass().getSimpleName();
    }
}
