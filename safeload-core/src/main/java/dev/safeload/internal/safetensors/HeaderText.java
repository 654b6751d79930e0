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

    private static final int SCRATCH_CHARS = 8192;

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

    private static void checkUtf8(ByteBuffer in, long fileOffset) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CharBuffer scratch = CharBuffer.allocate(SCRATCH_CHARS);
        while (true) {
            CoderResult result = decoder.decode(in, scratch, true);
            if (result.isError()) {
                throw malformed("the header is not valid UTF-8 (at byte " + in.position() + " of the header)",
                        fileOffset + in.position());
            }
            if (result.isUnderflow()) {
                break;
            }
            scratch.clear();
        }
        scratch.clear();
        decoder.flush(scratch);
    }

    private static Reject malformed(String message, long fileOffset) {
        return Reject.of(RejectionCode.MALFORMED_ARCHIVE, message, Location.fileOffset(fileOffset));
    }
}
