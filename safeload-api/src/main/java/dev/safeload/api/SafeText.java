package dev.safeload.api;

/**
 * Makes attacker-controlled text safe to put in messages and logs: control characters, quotes,
 * backslashes and non-ASCII characters are escaped, and the result is truncated.
 *
 * <p>Stateless and thread-safe.
 *
 * @since 0.1
 */
public final class SafeText {

    /** The longest escaped text that {@link #escape(CharSequence)} returns, ellipsis included. */
    public static final int MAX_LENGTH = 120;

    private SafeText() {
    }

    /**
     * Escapes and truncates text from an untrusted file.
     *
     * @param raw the raw text; never {@code null}
     * @return printable ASCII, at most {@link #MAX_LENGTH} characters, ending with {@code ...} when cut
     */
    public static String escape(CharSequence raw) {
        if (raw.length() <= MAX_LENGTH - 3 && isPlain(raw)) {
            return raw.toString();
        }
        StringBuilder out = new StringBuilder(Math.min(raw.length(), MAX_LENGTH) + 8);
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            String piece;
            if (c == '\\') {
                piece = "\\\\";
            } else if (c == '"') {
                piece = "\\\"";
            } else if (c == '\n') {
                piece = "\\n";
            } else if (c == '\r') {
                piece = "\\r";
            } else if (c == '\t') {
                piece = "\\t";
            } else if (c < 0x20 || c >= 0x7f) {
                piece = String.format("\\u%04x", (int) c);
            } else {
                piece = String.valueOf(c);
            }
            if (out.length() + piece.length() > MAX_LENGTH - 3) {
                return out.append("...").toString();
            }
            out.append(piece);
        }
        return out.toString();
    }

    private static boolean isPlain(CharSequence raw) {
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c < 0x20 || c >= 0x7f || c == '\\' || c == '"') {
                return false;
            }
        }
        return true;
    }

    /**
     * Escapes bytes from an untrusted file, reading them as Latin-1 so that every byte stays visible.
     *
     * @param raw the bytes; never {@code null}
     * @return the escaped text, as {@link #escape(CharSequence)}
     */
    public static String escapeBytes(byte[] raw) {
        StringBuilder latin1 = new StringBuilder(Math.min(raw.length, MAX_LENGTH));
        for (int i = 0; i < raw.length && i < MAX_LENGTH; i++) {
            latin1.append((char) (raw[i] & 0xff));
        }
        String escaped = escape(latin1);
        return raw.length > MAX_LENGTH && !escaped.endsWith("...") ? escaped + "..." : escaped;
    }
}
