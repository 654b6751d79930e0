package dev.safeload.internal.torchscript;

import dev.safeload.api.Location;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.SafeText;
import dev.safeload.internal.Reject;
import dev.safeload.internal.pickle.ScriptClasses;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A static scan of TorchScript source ({@code code/**.py}, the Python-syntax output of TorchScript's code
 * printer) that never compiles or runs it. It tokenizes exactly as TorchScript's lexer does where that
 * matters (strings, comments, numbers, {@code is not}/{@code not in}, line continuation, indentation), then:
 *
 * <ul>
 *   <li><b>Operator inventory.</b> Every way TorchScript code can name an operator is resolved as TorchScript
 *       resolves it: {@code torch.X} and {@code torch.autograd.X} to {@code aten::X}; {@code ops.ns.X} to
 *       {@code ns::X}; {@code __torch__.torch.classes.ns.C} (a custom C++ class) to {@code ns::C}; builtin
 *       functions ({@code print} to {@code prim::Print}, {@code int} to {@code aten::Int}, ...); and method
 *       calls {@code x.m(...)}, which resolve to {@code aten::m} unless the archive defines a method
 *       {@code m}. Each is checked against the {@link TorchScriptOpPolicy}. Forms that would hide a name
 *       from a static scan are refused: the {@code torch}, {@code ops} or {@code __torch__} namespaces used
 *       as values (aliasing), {@code getattr}/{@code hasattr} (which take a name as a string), dotted
 *       references that resolve to no single operator. A method or attribute named like a refused
 *       {@code aten} operator ({@code .save}) is refused wherever it appears.</li>
 *   <li><b>Classes.</b> Top-level {@code class} statements give the qualified class names that pickles may
 *       instantiate ({@code code/__torch__/a/b.py} defines module {@code __torch__.a.b}); a class body's
 *       {@code __parameters__} list names its parameters.</li>
 *   <li><b>{@code __setstate__}.</b> torch.jit.load runs it while reading the archive (the CVE-2025-32434
 *       route). Its body may only assign attributes or locals from the state ({@code self.x = (state)[0]}),
 *       {@code return None} or {@code pass}: any call, operator, branch or loop is refused.</li>
 * </ul>
 *
 * <p>Runs in one pass over each file with constant memory per file (no token list); bytes outside string
 * literals and comments must be printable ASCII, so no locale can make torch's lexer read them differently.
 * One scanner collects over all files of one archive; not thread-safe.
 */
public final class CodeScanner {

    private static final int NAME = 1;
    private static final int NUMBER = 2;
    private static final int STRING = 3;
    private static final int DOT = 4;
    private static final int LPAREN = 5;
    private static final int RPAREN = 6;
    private static final int LBRACKET = 7;
    private static final int RBRACKET = 8;
    private static final int LBRACE = 9;
    private static final int RBRACE = 10;
    private static final int COMMA = 11;
    private static final int ASSIGN = 12;
    private static final int COLON = 13;
    private static final int MINUS = 14;
    private static final int OTHER = 15;

    private static final int MAX_SEGMENTS = 64;

    /** Builtin functions that TorchScript binds to operators (its compiler's global environment). */
    private static final Map<String, String> BUILTIN_OPERATORS = Map.ofEntries(
            Map.entry("print", "prim::Print"), Map.entry("int", "aten::Int"), Map.entry("float", "aten::Float"),
            Map.entry("bool", "aten::Bool"), Map.entry("str", "aten::str"), Map.entry("complex", "aten::Complex"),
            Map.entry("len", "aten::len"), Map.entry("hex", "aten::hex"), Map.entry("oct", "aten::oct"),
            Map.entry("bin", "aten::bin"), Map.entry("chr", "aten::chr"), Map.entry("ord", "aten::ord"),
            Map.entry("round", "aten::round"), Map.entry("hash", "aten::hash"), Map.entry("id", "prim::id"),
            Map.entry("min", "prim::min"), Map.entry("max", "prim::max"), Map.entry("abs", "prim::abs"),
            Map.entry("all", "aten::all"), Map.entry("any", "aten::any"), Map.entry("divmod", "aten::divmod"),
            Map.entry("sum", "aten::sum"), Map.entry("pow", "aten::pow"), Map.entry("sorted", "aten::sorted"),
            Map.entry("rangelist", "prim::rangelist"), Map.entry("_to_tensor", "prim::NumToTensor"),
            Map.entry("fork", "prim::fork"));

    /** Keywords of TorchScript's lexer that may not appear in a {@code __setstate__} expression. */
    private static final Set<String> KEYWORDS = Set.of("def", "if", "else", "elif", "while", "return", "is", "and",
            "or", "not", "global", "for", "in", "raise", "assert", "break", "continue", "del", "pass", "class",
            "import", "with", "as", "lambda", "yield", "from", "await", "async", "Ellipsis");

    private final TorchScriptOpPolicy policy;
    private final String[] refusedMemberNames;
    private final Set<String> operators = new HashSet<>();
    private final Set<String> methodCalls = new HashSet<>();
    private final Set<String> methodNames = new HashSet<>();
    private final Map<String, ClassInfo> classes = new HashMap<>();
    private long bytesScanned;
    private int files;

    /** What the code says about one class. */
    private static final class ClassInfo {
        boolean setState;
        boolean isEnum;
        List<String> parameters = List.of();
    }

    public CodeScanner(TorchScriptOpPolicy policy) {
        this.policy = policy;
        this.refusedMemberNames = TorchScriptOpPolicy.refusedAtenNames().toArray(String[]::new);
    }

    /**
     * Scans one source file.
     *
     * @param entry the archive entry, for rejection locations
     * @param module the module the file defines, such as {@code "__torch__.torch.nn.modules.linear"}
     * @param code the source bytes
     * @param length how many of them
     * @throws Reject on a refused operator ({@link RejectionCode#DISALLOWED_OPERATOR}) or code
     *     ({@link RejectionCode#DISALLOWED_CODE})
     */
    public void scan(String entry, String module, byte[] code, int length) {
        new FileScan(entry, module, code, length).run();
        bytesScanned += length;
        files++;
    }

    /** {@return the operator inventory so far: sorted, distinct qualified names} */
    public List<String> operators() {
        Set<String> all = new TreeSet<>(operators);
        for (String method : methodCalls) {
            if (!methodNames.contains(method)) {
                all.add("aten::" + method);
            }
        }
        return List.copyOf(all);
    }

    /** {@return the classes the scanned code defines, for the pickle machine} */
    public ScriptClasses classes() {
        return new ScriptClasses() {
            @Override
            public boolean defines(String qualifiedName) {
                return classes.containsKey(qualifiedName);
            }

            @Override
            public boolean hasSetState(String qualifiedName) {
                ClassInfo info = classes.get(qualifiedName);
                return info != null && info.setState;
            }

            @Override
            public boolean isEnum(String qualifiedName) {
                ClassInfo info = classes.get(qualifiedName);
                return info != null && info.isEnum;
            }
        };
    }

    /** {@return the names a class lists in {@code __parameters__}, or an empty list} */
    public List<String> parameters(String qualifiedName) {
        ClassInfo info = classes.get(qualifiedName);
        return info == null ? List.of() : info.parameters;
    }

    /** {@return how many classes the code defines} */
    public int classCount() {
        return classes.size();
    }

    /** {@return how many files were scanned} */
    public int fileCount() {
        return files;
    }

    /** {@return how many bytes of code were scanned} */
    public long bytesScanned() {
        return bytesScanned;
    }

    /** One file's pass: a tokenizer feeding three small state machines (references, structure, setstate). */
    private final class FileScan {
        private final String entry;
        private final String module;
        private final byte[] b;
        private final int n;

        // Lexer state. Bracket depth mirrors torch's (unsigned) nesting counter: any non-zero value,
        // including an underflow, makes newlines continuations.
        private int depth;
        private int lineStart;
        private int lineBlankEnd = -1;
        private boolean lineOpen;
        private int lineIndent;
        private int baseIndent = -1;
        private int tokenIndex;
        private boolean lastWasDefOrClass;

        // Reference chains: NAME ('.' NAME)*, possibly a member of an expression.
        private final int[] segStart = new int[MAX_SEGMENTS];
        private final int[] segEnd = new int[MAX_SEGMENTS];
        private int chainLen;
        private boolean expectName;
        private boolean memberChain;
        private boolean pendingMemberDot;
        private int root;

        // getattr(x, "name") / hasattr(x, "name"): the name is a string literal, read here.
        private static final int ATTR_OFF = 0;
        private static final int ATTR_FIRST_ARGUMENT = 1;
        private static final int ATTR_NAME = 2;
        private int attrState = ATTR_OFF;
        private int attrDepth;
        private int attrAt;
        private StringBuilder attrName;

        // Structure: the class being defined, and its __parameters__ list while it is read.
        private int firstStart;
        private int firstEnd;
        private int firstKind;
        private ClassInfo currentClass;
        private String currentClassName;
        private boolean classLine;
        private int classIndent;
        private int classBodyIndent;
        private List<String> parameters;

        // __setstate__ validation.
        private static final int SS_OFF = 0;
        private static final int SS_HEADER = 1;
        private static final int SS_BODY = 2;
        private int ssState = SS_OFF;
        private int ssIndent;
        private String ssWhere;
        private int stmt;
        /** A statement's first violation, thrown at its end, so that a refused operator in it is named first. */
        private Reject deferred;
        private int exprDepth;
        private int exprTokens;
        private int exprPrev;
        private boolean pendingMinus;

        private static final int ROOT_OTHER = 0;
        private static final int ROOT_TORCH = 1;
        private static final int ROOT_OPS = 2;
        private static final int ROOT_SCRIPT = 3;
        private static final int ROOT_ATTR_BUILTIN = 4;

        FileScan(String entry, String module, byte[] code, int length) {
            this.entry = entry;
            this.module = module;
            this.b = code;
            this.n = length;
        }

        void run() {
            int i = 0;
            while (i < n) {
                int c = b[i] & 0xff;
                if (c == '\n') {
                    if (depth == 0 && lineOpen) {
                        endLine();
                    }
                    lineStart = i + 1;
                    lineBlankEnd = -1;
                    i++;
                    continue;
                }
                if (c == ' ' || c == '\t' || c == 0x0b || c == 0x0c || c == '\r') {
                    i++;
                    continue;
                }
                if (lineBlankEnd < 0) {
                    lineBlankEnd = i;
                }
                if (c == '#') {
                    if (startsWith(i, "# type:")) {
                        emit(OTHER, i, i + 7);
                        i += 7;
                    } else {
                        while (i < n && b[i] != '\n') {
                            i++;
                        }
                    }
                    continue;
                }
                if (c == '\\' && i + 1 < n && b[i + 1] == '\n') {
                    i += 2;
                    continue;
                }
                // Identifiers, numbers and strings start with disjoint bytes, so testing identifiers first
                // (the commonest) gives the same tokens as torch's order (number, string, identifier).
                if (isIdentStart(c)) {
                    int j = i + 1;
                    while (j < n && isIdentPart(b[j] & 0xff)) {
                        j++;
                    }
                    // torch's token trie matches "is not" and "not in" past the identifier, whatever follows.
                    if (j - i == 2 && b[i] == 'i' && b[i + 1] == 's' && startsWith(j, " not")) {
                        emit(NAME, i, j);
                        emit(NAME, j + 1, j + 4);
                        i = j + 4;
                        continue;
                    }
                    if (j - i == 3 && b[i] == 'n' && b[i + 1] == 'o' && b[i + 2] == 't' && startsWith(j, " in")) {
                        emit(NAME, i, j);
                        emit(NAME, j + 1, j + 3);
                        i = j + 3;
                        continue;
                    }
                    emit(NAME, i, j);
                    i = j;
                    continue;
                }
                int length = numberLength(i);
                if (length > 0) {
                    emit(NUMBER, i, i + length);
                    i += length;
                    continue;
                }
                if (c == '"' || c == '\'') {
                    length = stringLength(i);
                    if (length > 0) {
                        emit(STRING, i, i + length);
                        i += length;
                    } else {
                        emit(OTHER, i, i + 1); // unterminated: torch's lexer fails here; scan on
                        i++;
                    }
                    continue;
                }
                if (c >= 0x7f || c < 0x20) {
                    throw disallowedCode("byte 0x" + Integer.toHexString(c) + " outside string literals and comments"
                            + " (torch's lexer may read it differently depending on the locale)", i);
                }
                length = operatorLength(i);
                emit(kindOf(c, length), i, i + length);
                i += length;
            }
            if (lineOpen) {
                endLine();
            }
            if (chainLen > 0) {
                flushChain(false);
            }
            if (deferred != null) {
                throw deferred;
            }
        }

        // ---- lexer helpers ----------------------------------------------------------------------------

        private boolean startsWith(int pos, String ascii) {
            if (pos + ascii.length() > n) {
                return false;
            }
            for (int k = 0; k < ascii.length(); k++) {
                if (b[pos + k] != ascii.charAt(k)) {
                    return false;
                }
            }
            return true;
        }

        private static boolean isIdentStart(int c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        }

        private static boolean isIdentPart(int c) {
            return isIdentStart(c) || (c >= '0' && c <= '9');
        }

        private static boolean isDigit(int c) {
            return c >= '0' && c <= '9';
        }

        private static boolean isHex(int c) {
            return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        }

        /** The length of a number as C's strtod reads it (decimal or hex float), plus a 'j' suffix; 0 if none. */
        private int numberLength(int i) {
            int c = b[i] & 0xff;
            if (!isDigit(c) && c != '.') {
                return 0;
            }
            if (c == '0' && i + 1 < n && (b[i + 1] | 0x20) == 'x') {
                int j = i + 2;
                boolean digits = false;
                while (j < n && isHex(b[j] & 0xff)) {
                    j++;
                    digits = true;
                }
                if (j < n && b[j] == '.') {
                    int k = j + 1;
                    boolean fraction = false;
                    while (k < n && isHex(b[k] & 0xff)) {
                        k++;
                        fraction = true;
                    }
                    if (digits || fraction) {
                        j = k;
                        digits = true;
                    }
                }
                if (digits) {
                    return complexSuffix(exponent(j, 'p')) - i;
                }
            }
            int j = i;
            boolean digits = false;
            while (j < n && isDigit(b[j] & 0xff)) {
                j++;
                digits = true;
            }
            if (j < n && b[j] == '.') {
                int k = j + 1;
                boolean fraction = false;
                while (k < n && isDigit(b[k] & 0xff)) {
                    k++;
                    fraction = true;
                }
                if (digits || fraction) {
                    j = k;
                    digits = true;
                }
            }
            return digits ? complexSuffix(exponent(j, 'e')) - i : 0;
        }

        private int exponent(int j, char letter) {
            if (j < n && (b[j] | 0x20) == letter) {
                int k = j + 1;
                if (k < n && (b[k] == '+' || b[k] == '-')) {
                    k++;
                }
                if (k < n && isDigit(b[k] & 0xff)) {
                    while (k < n && isDigit(b[k] & 0xff)) {
                        k++;
                    }
                    return k;
                }
            }
            return j;
        }

        private int complexSuffix(int j) {
            return j < n && b[j] == 'j' ? j + 1 : j;
        }

        /** torch's Lexer::isString: 1 or 3 quotes, backslash skips a byte, single quotes end at a newline. */
        private int stringLength(int i) {
            byte quote = b[i];
            int quotes = i + 2 < n && b[i + 1] == quote && b[i + 2] == quote ? 3 : 1;
            int end = i + quotes;
            while (end < n && !quotesAt(end, quote, quotes)) {
                if (b[end] == '\n' && quotes != 3) {
                    return 0;
                }
                if (b[end] == '\\') {
                    end++;
                }
                end++;
            }
            return end < n ? end - i + quotes : 0;
        }

        private boolean quotesAt(int pos, byte quote, int count) {
            if (pos + count > n) {
                return false;
            }
            for (int k = 0; k < count; k++) {
                if (b[pos + k] != quote) {
                    return false;
                }
            }
            return true;
        }

        /**
         * The longest of TorchScript's operator tokens at {@code i}: {@code **= //= >>= <<= ... <=>}, then
         * {@code -> ** // == != <= >= << >> += -= *= /= %= |= &= ^= @=}, else one byte.
         */
        private int operatorLength(int i) {
            int c = b[i];
            int d = i + 1 < n ? b[i + 1] : 0;
            int e = i + 2 < n ? b[i + 2] : 0;
            switch (c) {
                case '*', '/', '>', '<' -> {
                    if (d == c) {
                        return e == '=' ? 3 : 2;
                    }
                    if (c == '<' && d == '=') {
                        return e == '>' ? 3 : 2;
                    }
                    return d == '=' ? 2 : 1;
                }
                case '.' -> {
                    return d == '.' && e == '.' ? 3 : 1;
                }
                case '-' -> {
                    return d == '>' || d == '=' ? 2 : 1;
                }
                case '=', '!', '+', '%', '|', '&', '^', '@' -> {
                    return d == '=' ? 2 : 1;
                }
                default -> {
                    return 1;
                }
            }
        }

        private static int kindOf(int c, int length) {
            if (length != 1) {
                return OTHER;
            }
            return switch (c) {
                case '.' -> DOT;
                case '(' -> LPAREN;
                case ')' -> RPAREN;
                case '[' -> LBRACKET;
                case ']' -> RBRACKET;
                case '{' -> LBRACE;
                case '}' -> RBRACE;
                case ',' -> COMMA;
                case '=' -> ASSIGN;
                case ':' -> COLON;
                case '-' -> MINUS;
                default -> OTHER;
            };
        }

        private boolean textIs(int start, int end, String ascii) {
            return end - start == ascii.length() && startsWith(start, ascii);
        }

        private String text(int start, int end) {
            return new String(b, start, end - start, StandardCharsets.ISO_8859_1);
        }

        // ---- tokens -------------------------------------------------------------------------------------

        private void emit(int kind, int start, int end) {
            if (!lineOpen) {
                startLine();
            }
            if (kind == LPAREN || kind == LBRACKET || kind == LBRACE) {
                depth++;
            } else if (kind == RPAREN || kind == RBRACKET || kind == RBRACE) {
                depth--;
            }
            reference(kind, start, end);
            structure(kind, start, end);
            if (ssState == SS_HEADER) {
                if (kind == COLON && depth == 0) {
                    ssState = SS_BODY;
                    stmt = ST_START;
                }
            } else if (ssState == SS_BODY && stmt != ST_FAILED) {
                try {
                    statement(kind, start, end);
                } catch (Reject violation) {
                    deferred = violation;
                    stmt = ST_FAILED;
                }
            }
            lastWasDefOrClass = kind == NAME && (textIs(start, end, "def") || textIs(start, end, "class"));
            tokenIndex++;
        }

        private void startLine() {
            lineOpen = true;
            tokenIndex = 0;
            lineIndent = lineBlankEnd - lineStart;
            if (baseIndent < 0) {
                baseIndent = lineIndent;
            }
            if (ssState == SS_BODY && lineIndent <= ssIndent) {
                ssState = SS_OFF;
            }
            if (currentClass != null && lineIndent <= classIndent) {
                currentClass = null;
            }
            if (currentClass != null && classBodyIndent < 0) {
                classBodyIndent = lineIndent;
            }
        }

        private void endLine() {
            lineOpen = false;
            if (chainLen > 0) {
                flushChain(false); // a logical line ends every expression
            }
            if (parameters != null) {
                parameters = null; // a list that did not close on its line is not torch's output: ignore it
            }
            if (ssState == SS_HEADER) {
                ssState = SS_BODY;
                stmt = ST_START;
            } else if (ssState == SS_BODY) {
                endStatement();
            }
        }

        // ---- references -----------------------------------------------------------------------------------

        private void reference(int kind, int start, int end) {
            if (attrState != ATTR_OFF) {
                attributeLookup(kind, start, end);
            }
            if (kind == NAME) {
                if (chainLen > 0 && expectName) {
                    appendSegment(start, end);
                    return;
                }
                if (chainLen > 0) {
                    flushChain(false);
                }
                boolean member = pendingMemberDot;
                pendingMemberDot = false;
                if (lastWasDefOrClass) {
                    return; // the name a def or class statement defines
                }
                memberChain = member;
                chainLen = 0;
                root = member ? ROOT_OTHER : rootOf(start, end);
                appendSegment(start, end);
                return;
            }
            if (kind == DOT) {
                if (chainLen > 0 && !expectName) {
                    expectName = true;
                    return;
                }
                if (chainLen > 0) {
                    flushChain(false);
                }
                pendingMemberDot = true;
                return;
            }
            pendingMemberDot = false;
            if (chainLen > 0) {
                flushChain(kind == LPAREN);
            }
        }

        private int rootOf(int start, int end) {
            if (textIs(start, end, "torch")) {
                return ROOT_TORCH;
            }
            if (textIs(start, end, "ops")) {
                return ROOT_OPS;
            }
            if (textIs(start, end, "__torch__")) {
                return ROOT_SCRIPT;
            }
            if (textIs(start, end, "getattr") || textIs(start, end, "hasattr")) {
                return ROOT_ATTR_BUILTIN;
            }
            return ROOT_OTHER;
        }

        private void appendSegment(int start, int end) {
            expectName = false;
            boolean isMember = memberChain || (chainLen > 0 && root == ROOT_OTHER);
            if (isMember) {
                checkMemberName(start, end);
            }
            if (chainLen == MAX_SEGMENTS) {
                if (root != ROOT_OTHER) {
                    throw disallowedOperator("a reference of more than " + MAX_SEGMENTS + " dotted names", start);
                }
                chainLen--; // only the last member matters for a plain chain; each was checked above
            }
            segStart[chainLen] = start;
            segEnd[chainLen] = end;
            chainLen++;
        }

        /** A member named like a refused aten operator ({@code x.save}) is refused: its receiver is unknown. */
        private void checkMemberName(int start, int end) {
            for (String refused : refusedMemberNames) {
                if (textIs(start, end, refused)) {
                    checkMemberName(refused, start);
                }
            }
        }

        private void checkMemberName(String name, int at) {
            for (String refused : refusedMemberNames) {
                if (name.equals(refused)) {
                    throw disallowedOperator("a method or attribute named '" + name + "' (aten::" + name + ": "
                            + policy.refusal("aten::" + name) + "; the scan cannot tell what it is called on)", at);
                }
            }
        }

        private void flushChain(boolean call) {
            int length = chainLen;
            boolean dangling = expectName;
            chainLen = 0;
            expectName = false;
            int at = segStart[0];
            if (memberChain) {
                if (call && !dangling) {
                    methodCalls.add(text(segStart[length - 1], segEnd[length - 1]));
                }
                return;
            }
            switch (root) {
                case ROOT_TORCH -> {
                    if (dangling) {
                        throw unresolvable(length, at);
                    }
                    builtinModule("aten", 1, length, at);
                }
                case ROOT_OPS -> {
                    if (dangling || length < 2) {
                        throw unresolvable(length, at);
                    }
                    builtinModule(text(segStart[1], segEnd[1]), 2, length, at);
                }
                case ROOT_SCRIPT -> {
                    if (dangling) {
                        throw unresolvable(length, at);
                    }
                    scriptNamespace(length, at);
                }
                case ROOT_ATTR_BUILTIN -> {
                    if (!call || length != 1 || attrState != ATTR_OFF) {
                        throw disallowedOperator(text(segStart[0], segEnd[0]) + " is used other than as"
                                + " getattr(x, 'name') with a literal name", at);
                    }
                    attrState = ATTR_FIRST_ARGUMENT;
                    attrDepth = depth;
                    attrAt = at;
                }
                default -> {
                    if (length == 1) {
                        if (call) {
                            String op = BUILTIN_OPERATORS.get(text(segStart[0], segEnd[0]));
                            if (op != null) {
                                operator(op, at);
                            }
                        }
                    } else if (call && !dangling) {
                        methodCalls.add(text(segStart[length - 1], segEnd[length - 1]));
                    }
                }
            }
        }

        /**
         * The arguments of {@code getattr(x, "name")}: torch's code printer writes it for attributes whose names
         * are not identifiers ({@code getattr(self, "0")}). The first argument goes through the reference checks
         * like any expression (so {@code torch} or {@code ops.ns} there is refused as a namespace used as a
         * value); the name must be string literals (adjacent ones concatenate) without escapes, and is then
         * checked as a member name.
         */
        private void attributeLookup(int kind, int start, int end) {
            if (attrState == ATTR_FIRST_ARGUMENT) {
                if (kind == COMMA && depth == attrDepth) {
                    attrState = ATTR_NAME;
                    attrName = new StringBuilder();
                } else if (depth < attrDepth) {
                    attrState = ATTR_OFF; // one argument: TorchScript refuses to compile it
                }
                return;
            }
            if (kind == STRING) {
                int quotes = end - start >= 6 && b[start + 1] == b[start] && b[start + 2] == b[start] ? 3 : 1;
                for (int k = start + quotes; k < end - quotes; k++) {
                    if (b[k] == '\\') {
                        throw disallowedOperator("getattr with an escaped attribute name", attrAt);
                    }
                }
                attrName.append(text(start + quotes, end - quotes));
                return;
            }
            boolean closes = (kind == RPAREN && depth == attrDepth - 1) || (kind == COMMA && depth == attrDepth);
            if (!closes || attrName.length() == 0) {
                throw disallowedOperator("getattr or hasattr with a computed attribute name", attrAt);
            }
            checkMemberName(attrName.toString(), attrAt);
            attrState = ATTR_OFF;
            attrName = null;
        }

        /** {@code torch[.autograd]*.X} and {@code ops.ns[.autograd]*.X}: each autograd hop switches to aten. */
        private void builtinModule(String namespace, int from, int length, int at) {
            int i = from;
            while (i < length && textIs(segStart[i], segEnd[i], "autograd")) {
                namespace = "aten";
                i++;
            }
            if (length - i != 1) {
                throw unresolvable(length, at);
            }
            operator(namespace + "::" + text(segStart[i], segEnd[i]), at);
        }

        /** {@code __torch__.<module>.<Class>}: code in the archive; {@code __torch__.torch.classes.ns.C}: C++. */
        private void scriptNamespace(int length, int at) {
            if (length == 1 || (length == 2 && textIs(segStart[1], segEnd[1], "torch"))) {
                throw unresolvable(length, at);
            }
            if (textIs(segStart[1], segEnd[1], "torch") && textIs(segStart[2], segEnd[2], "classes")) {
                if (length < 5) {
                    throw unresolvable(length, at);
                }
                operator(text(segStart[3], segEnd[3]) + "::" + text(segStart[4], segEnd[4]), at);
                for (int i = 5; i < length; i++) {
                    checkMemberName(segStart[i], segEnd[i]);
                }
                return;
            }
            for (int i = 1; i < length; i++) {
                checkMemberName(segStart[i], segEnd[i]);
            }
        }

        private void operator(String qualified, int at) {
            if (!operators.add(qualified)) {
                return; // already checked
            }
            String refusal = policy.refusal(qualified);
            if (refusal != null) {
                throw disallowedOperator("code names operator " + SafeText.escape(qualified) + ": " + refusal, at);
            }
        }

        private Reject unresolvable(int length, int at) {
            StringBuilder shown = new StringBuilder();
            for (int i = 0; i < length; i++) {
                shown.append(i == 0 ? "" : ".").append(text(segStart[i], segEnd[i]));
            }
            return disallowedOperator("'" + SafeText.escape(shown.toString())
                    + "' does not name exactly one operator or class (a namespace used as a value can call any"
                    + " operator out of a static scan's sight)", at);
        }

        // ---- structure: classes, methods, __parameters__, __setstate__ -------------------------------------

        private void structure(int kind, int start, int end) {
            if (tokenIndex == 0) {
                firstKind = kind;
                firstStart = start;
                firstEnd = end;
                classLine = false;
                return;
            }
            if (classLine && tokenIndex == 3 && kind == NAME && textIs(start, end, "Enum")) {
                currentClass.isEnum = true; // class C(Enum):
            }
            if (tokenIndex == 1 && firstKind == NAME) {
                if (kind == NAME && textIs(firstStart, firstEnd, "class") && lineIndent == baseIndent) {
                    defineClass(text(start, end));
                    classLine = true;
                } else if (kind == NAME && textIs(firstStart, firstEnd, "def")) {
                    defineFunction(text(start, end), start);
                } else if (kind == ASSIGN && currentClass != null && lineIndent == classBodyIndent
                        && textIs(firstStart, firstEnd, "__parameters__")) {
                    parameters = new ArrayList<>();
                }
                return;
            }
            if (parameters != null) {
                readParameter(kind, start, end);
            }
        }

        private void defineClass(String name) {
            currentClassName = module + "." + name;
            currentClass = classes.computeIfAbsent(currentClassName, k -> new ClassInfo());
            classIndent = lineIndent;
            classBodyIndent = -1;
        }

        private void defineFunction(String name, int at) {
            boolean method = currentClass != null && lineIndent == classBodyIndent;
            if (method) {
                methodNames.add(name);
            }
            if (name.equals("__setstate__")) {
                if (method) {
                    currentClass.setState = true;
                }
                ssState = SS_HEADER;
                ssIndent = lineIndent;
                ssWhere = method ? currentClassName : module;
            }
        }

        /** {@code __parameters__ = ["weight", "bias", ]}, as the printer writes it. */
        private void readParameter(int kind, int start, int end) {
            if (tokenIndex == 2) {
                if (kind != LBRACKET) {
                    parameters = null;
                }
                return;
            }
            if (kind == STRING) {
                int quotes = end - start >= 6 && b[start + 1] == b[start] && b[start + 2] == b[start] ? 3 : 1;
                String value = text(start + quotes, end - quotes);
                if (value.indexOf('\\') >= 0) {
                    parameters = null;
                } else {
                    parameters.add(value);
                }
            } else if (kind == RBRACKET) {
                currentClass.parameters = List.copyOf(parameters);
                parameters = null;
            } else if (kind != COMMA) {
                parameters = null;
            }
        }

        // ---- __setstate__ bodies ------------------------------------------------------------------------

        private static final int ST_START = 0;
        private static final int ST_SELF = 1;
        private static final int ST_SELF_DOT = 2;
        private static final int ST_SELF_ATTR = 3;
        private static final int ST_TARGET = 4;
        private static final int ST_TARGET_COMMA = 5;
        private static final int ST_RETURN = 6;
        private static final int ST_END = 7;
        private static final int ST_EXPR = 8;
        private static final int ST_FAILED = 9;

        private void statement(int kind, int start, int end) {
            switch (stmt) {
                case ST_START -> {
                    if (kind != NAME) {
                        throw setstate("a statement that is not an assignment", start);
                    }
                    if (textIs(start, end, "return")) {
                        stmt = ST_RETURN;
                    } else if (textIs(start, end, "pass")) {
                        stmt = ST_END;
                    } else if (textIs(start, end, "self")) {
                        stmt = ST_SELF;
                    } else if (isKeyword(start, end)) {
                        throw setstate("'" + text(start, end) + "'", start);
                    } else {
                        stmt = ST_TARGET;
                    }
                }
                case ST_SELF -> stmt = expect(kind == DOT, ST_SELF_DOT, "an assignment to something other than"
                        + " an attribute of self", start);
                case ST_SELF_DOT -> stmt = expect(kind == NAME, ST_SELF_ATTR, "a malformed attribute", start);
                case ST_SELF_ATTR, ST_TARGET -> {
                    if (kind == ASSIGN) {
                        startExpression();
                    } else if (kind == COMMA && stmt == ST_TARGET) {
                        stmt = ST_TARGET_COMMA;
                    } else {
                        throw setstate(kind == LPAREN ? "a call" : "a statement that is not a plain assignment",
                                start);
                    }
                }
                case ST_TARGET_COMMA -> {
                    if (kind == ASSIGN) {
                        startExpression();
                    } else if (kind == NAME && !isKeyword(start, end) && !textIs(start, end, "self")) {
                        stmt = ST_TARGET;
                    } else {
                        throw setstate("a malformed assignment target", start);
                    }
                }
                case ST_RETURN -> stmt = expect(kind == NAME && textIs(start, end, "None"), ST_END,
                        "a return of something other than None", start);
                case ST_END -> throw setstate("more after the end of a statement", start);
                default -> expression(kind, start, end);
            }
        }

        private int expect(boolean ok, int next, String what, int at) {
            if (!ok) {
                throw setstate(what, at);
            }
            return next;
        }

        private void startExpression() {
            stmt = ST_EXPR;
            exprDepth = depth;
            exprTokens = 0;
            exprPrev = ASSIGN;
            pendingMinus = false;
        }

        /** Names, literals, subscripts, grouping, tuples and attribute reads; nothing that runs code. */
        private void expression(int kind, int start, int end) {
            if (pendingMinus && kind != NUMBER) {
                throw setstate("an operator", start);
            }
            pendingMinus = false;
            switch (kind) {
                case NAME -> {
                    if (isKeyword(start, end)) {
                        throw setstate("'" + text(start, end) + "'", start);
                    }
                }
                case LPAREN -> {
                    if (exprPrev == NAME || exprPrev == NUMBER || exprPrev == STRING || exprPrev == RPAREN
                            || exprPrev == RBRACKET || exprPrev == RBRACE) {
                        throw setstate("a call", start);
                    }
                }
                case DOT -> {
                    if (exprPrev != NAME && exprPrev != RPAREN && exprPrev != RBRACKET) {
                        throw setstate("a malformed attribute", start);
                    }
                }
                case COLON -> {
                    if (depth <= exprDepth) {
                        throw setstate("a ':' outside a subscript", start);
                    }
                }
                case MINUS -> pendingMinus = true;
                case NUMBER, STRING, RPAREN, LBRACKET, RBRACKET, LBRACE, RBRACE, COMMA -> {
                    // plain data
                }
                default -> throw setstate(kind == ASSIGN ? "a chained assignment" : "an operator", start);
            }
            exprPrev = kind;
            exprTokens++;
        }

        private void endStatement() {
            if (stmt == ST_FAILED) {
                throw deferred;
            }
            if (stmt == ST_EXPR && (exprTokens == 0 || pendingMinus)) {
                throw setstate("an incomplete assignment", lineStart);
            }
            if (stmt != ST_START && stmt != ST_EXPR && stmt != ST_END && stmt != ST_RETURN) {
                throw setstate("an incomplete statement", lineStart);
            }
            stmt = ST_START;
        }

        private boolean isKeyword(int start, int end) {
            return end - start <= 8 && KEYWORDS.contains(text(start, end));
        }

        // ---- rejections -----------------------------------------------------------------------------------

        private Reject disallowedOperator(String message, int offset) {
            return Reject.of(RejectionCode.DISALLOWED_OPERATOR, message, Location.at(entry, offset));
        }

        private Reject disallowedCode(String message, int offset) {
            return Reject.of(RejectionCode.DISALLOWED_CODE, message, Location.at(entry, offset));
        }

        private Reject setstate(String what, int offset) {
            return disallowedCode("__setstate__ of " + SafeText.escape(ssWhere) + " does more than restore attributes"
                    + " (it runs while torch.jit.load reads the archive): " + what, offset);
        }
    }
}
