package dev.safeload.internal.safetensors;

import dev.safeload.api.Location;
import dev.safeload.api.RejectionCode;
import dev.safeload.internal.Reject;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Checks the header's bytes before any JSON is parsed. Jackson decodes invalid UTF-8 to U+FFFD instead of
 * failing, where the safetensors library refuses the header, so the header must first pass as strict UTF-8
 * (no overlong forms, no surrogates, nothing past U+10FFFF, no truncated sequence). It must also start with
 * {@code '{'} (no byte order mark, no leading whitespace) and end with {@code '}'} followed only by space
 * padding, which the format allows so that the data area can be aligned.
 */
final class HeaderText {

    private static final int CHUNK_BYTES = 1 << 16;

    private HeaderText() {
    }

    /**
     * Checks the header and returns the length of its JSON text, without the trailing space padding.
     *
     * @param header the header's bytes, from position 0 to its limit; not moved
     * @param fileOffset where the header starts in the file, for locations
     */
    static int jsonLength(ByteBuffer header, long fileOffset) {
        int length = header.limit();
        if (length == 0) {
            throw malformed("the header is empty", fileOffset);
        }
        if (length >= 3 && (header.get(0) & 0xff) == 0xef && (header.get(1) & 0xff) == 0xbb
                && (header.get(2) & 0xff) == 0xbf) {
            throw malformed("the header starts with a UTF-8 byte order mark", fileOffset);
        }
        if (header.get(0) != '{') {
            throw malformed("the header does not start with '{'", fileOffset);
        }
        checkUtf8(header.duplicate().position(0), fileOffset);
        int end = length;
        while (header.get(end - 1) == ' ') {
            end--;
        }
        if (header.get(end - 1) != '}') {
            throw malformed("the header's JSON does not end with '}' (only spaces may follow it)",
                    fileOffset + end - 1);
        }
        return end;
    }

    /**
     * Decodes the header in chunks copied to the heap: the JDK decoder's fast path needs an array-backed
     * buffer, and a mapped header is not one. Bytes of a sequence cut by a chunk's end carry over.
     */
    private static void checkUtf8(ByteBuffer header, long fileOffset) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        int length = header.limit();
        byte[] chunk = new byte[Math.min(CHUNK_BYTES, length)];
        ByteBuffer in = ByteBuffer.wrap(chunk).limit(0);
        // UTF-8 never decodes to more chars than bytes, so one chunk's chars always fit.
        CharBuffer chars = CharBuffer.allocate(chunk.length);
        int copied = 0;
        boolean last;
        do {
            in.compact();
            int n = Math.min(in.remaining(), length - copied);
            header.get(copied, chunk, in.position(), n);
            in.position(in.position() + n).flip();
            copied += n;
            last = copied == length;
            CoderResult result = decoder.decode(in, chars, last);
            if (result.isError()) {
                int at = copied - in.remaining();
                throw malformed("the header is not valid UTF-8 (at byte " + at + " of the header)", fileOffset + at);
            }
            chars.clear();
        } while (!last);
        decoder.flush(chars);
    }

    private static Reject malformed(String message, long fileOffset) {
        return Reject.of(RejectionCode.MALFORMED_ARCHIVE, message, Location.fileOffset(fileOffset));
    }
}
