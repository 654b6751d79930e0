package dev.safeload.internal.integrity;

import dev.safeload.api.Location;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.SafeText;
import dev.safeload.internal.Reject;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the pin files users already have: {@code sha256sum}/{@code sha512sum} output (text {@code "  "} and
 * binary {@code " *"} markers, GNU's backslash-escaped names), BSD-style tags ({@code SHA256 (name) = hex}),
 * OpenSSL's {@code SHA2-256(name)= hex}, and Git LFS pointers ({@code oid sha256:hex}, {@code size}).
 *
 * <p>Strict: a line that is none of these, a name that is absolute or climbs with {@code ..}, two different
 * digests for one name, invalid UTF-8, or a file with no pin at all makes the whole file malformed, which is
 * a {@link RejectionCode#HASH_MISSING} rejection: a pin file that cannot be read never lets a model through.
 */
public final class PinFiles {

    private static final String LFS_VERSION = "version https://git-lfs.github.com/spec/v1";
    private static final Pattern GNU = Pattern.compile("(\\\\?)([0-9a-fA-F]{64}|[0-9a-fA-F]{128}) ([ *])(.+)");
    private static final Pattern BSD = Pattern.compile("(\\\\?)(SHA256|SHA512) \\((.+)\\) = ([0-9a-fA-F]+)");
    private static final Pattern OPENSSL = Pattern.compile("(SHA2-256|SHA256|SHA2-512|SHA512)\\((.+)\\)= ([0-9a-fA-F]+)");
    private static final Pattern LFS_OID = Pattern.compile("oid sha256:([0-9a-f]{64})");
    private static final Pattern LFS_SIZE = Pattern.compile("size (0|[1-9][0-9]{0,18})");

    private PinFiles() {
    }

    /**
     * Parses one pin file.
     *
     * @param content the file's bytes
     * @param fileName the pin file's own name: a Git LFS pointer pins the file of the same name
     * @return the pins, at least one
     * @throws Reject {@code HASH_MISSING} if the file is malformed
     */
    public static List<HashPin> parse(byte[] content, String fileName) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(content)).toString();
        } catch (CharacterCodingException e) {
            throw malformed(fileName, "it is not UTF-8 text");
        }
        String source = "pin file " + SafeText.escape(fileName);
        if (text.startsWith(LFS_VERSION + "\n")) {
            return List.of(lfsPointer(text, fileName, source));
        }
        Map<String, HashPin> pins = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (line.isBlank()) {
                continue;
            }
            HashPin pin = parseLine(line, source, fileName, i + 1);
            String key = pin.name() + "\u0000" + pin.algorithm();
            HashPin previous = pins.putIfAbsent(key, pin);
            if (previous != null && !previous.equals(pin)) {
                throw malformed(fileName, "line " + (i + 1) + " pins " + SafeText.escape(pin.name())
                        + " to a second, different digest");
            }
        }
        if (pins.isEmpty()) {
            throw malformed(fileName, "it holds no pin");
        }
        return List.copyOf(pins.values());
    }

    private static HashPin parseLine(String line, String source, String fileName, int lineNumber) {
        Matcher m = GNU.matcher(line);
        if (m.matches()) {
            String name = m.group(1).isEmpty() ? m.group(4) : unescape(m.group(4), fileName, lineNumber);
            return pin(name, m.group(2), null, source, fileName, lineNumber);
        }
        m = BSD.matcher(line);
        if (m.matches()) {
            String name = m.group(1).isEmpty() ? m.group(3) : unescape(m.group(3), fileName, lineNumber);
            return pin(name, m.group(4), m.group(2).equals("SHA256") ? HashAlgorithm.SHA256 : HashAlgorithm.SHA512,
                    source, fileName, lineNumber);
        }
        m = OPENSSL.matcher(line);
        if (m.matches()) {
            HashAlgorithm algorithm = m.group(1).endsWith("256") ? HashAlgorithm.SHA256 : HashAlgorithm.SHA512;
            return pin(m.group(2), m.group(3), algorithm, source, fileName, lineNumber);
        }
        throw malformed(fileName, "line " + lineNumber + " is not a sha256sum, BSD or OpenSSL digest line: "
                + SafeText.escape(line));
    }

    private static HashPin pin(String rawName, String hex, HashAlgorithm expected, String source, String fileName,
                               int lineNumber) {
        HashAlgorithm algorithm = HashAlgorithm.forHexLength(hex.length());
        if (algorithm == null || (expected != null && algorithm != expected)) {
            throw malformed(fileName, "line " + lineNumber + " has a digest of " + hex.length() + " hex digits");
        }
        String name = normalizeName(rawName, fileName, lineNumber);
        return new HashPin(name, algorithm, HexFormat.of().parseHex(hex.toLowerCase(Locale.ROOT)), -1, source);
    }

    /** Pin names are matched against relative paths; anything that could point elsewhere is refused. */
    static String normalizeName(String raw, String fileName, int lineNumber) {
        String name = raw;
        while (name.startsWith("./")) {
            name = name.substring(2);
        }
        boolean bad = name.isEmpty() || name.startsWith("/") || name.indexOf('\0') >= 0
                || name.matches("^[A-Za-z]:.*") || name.startsWith("\\");
        for (String segment : name.split("/", -1)) {
            bad |= segment.equals("..") || segment.isEmpty() || segment.equals(".");
        }
        if (bad) {
            throw malformed(fileName, "line " + lineNumber + " names " + SafeText.escape(raw)
                    + ", which is empty, absolute or leaves the model folder");
        }
        return name;
    }

    /** GNU coreutils escapes {@code \} and newline in names and marks such lines with a leading {@code \}. */
    private static String unescape(String name, String fileName, int lineNumber) {
        StringBuilder out = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char next = i + 1 < name.length() ? name.charAt(i + 1) : 0;
            if (next == '\\') {
                out.append('\\');
            } else if (next == 'n') {
                out.append('\n');
            } else {
                throw malformed(fileName, "line " + lineNumber + " has an invalid escape in its name");
            }
            i++;
        }
        return out.toString();
    }

    private static HashPin lfsPointer(String text, String fileName, String source) {
        String[] lines = text.split("\n", -1);
        String oid = null;
        long size = -1;
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty() && i == lines.length - 1) {
                break;
            }
            Matcher m;
            if ((m = LFS_OID.matcher(line)).matches() && oid == null) {
                oid = m.group(1);
            } else if ((m = LFS_SIZE.matcher(line)).matches() && size < 0) {
                size = Long.parseLong(m.group(1));
            } else if (!line.startsWith("ext-")) {
                throw malformed(fileName, "Git LFS pointer line " + (i + 1) + " is not an oid, size or ext line: "
                        + SafeText.escape(line));
            }
        }
        if (oid == null || size < 0) {
            throw malformed(fileName, "the Git LFS pointer lacks its " + (oid == null ? "oid sha256" : "size") + " line");
        }
        String name = fileName.contains("/") ? fileName.substring(fileName.lastIndexOf('/') + 1) : fileName;
        return new HashPin(name, HashAlgorithm.SHA256, HexFormat.of().parseHex(oid), size, source);
    }

    private static Reject malformed(String fileName, String why) {
        return Reject.of(RejectionCode.HASH_MISSING, "pin file " + SafeText.escape(fileName) + " is malformed: " + why,
                Location.NONE);
    }
}
