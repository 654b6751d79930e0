package dev.safeload.internal.safetensors;

import dev.safeload.api.Location;
import dev.safeload.api.Rejection;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.VerificationLimits;
import dev.safeload.internal.Reject;
import tools.jackson.core.StreamReadConstraints;

/**
 * Jackson's read constraints for a safetensors header, small enough to stop hostile JSON early, reporting
 * a tripped one the way safeload reports limits (the limit's name, the value seen, the value allowed):
 * <ul>
 *   <li>nesting: the format needs three levels (the header object, a tensor object, its shape array), so
 *       anything deeper is {@code maxNestingDepth}, allowed at most 3;</li>
 *   <li>names and strings: {@code maxStringBytes}, counted in characters;</li>
 *   <li>the document: the header's own length, {@code maxHeaderBytes};</li>
 *   <li>numbers: a number longer than any 64-bit integer is malformed rather than large.</li>
 * </ul>
 * Jackson calls these checks before it buffers the token they guard. The rejections carry no location;
 * {@link HeaderReader} adds the parser's.
 */
final class HeaderConstraints extends StreamReadConstraints {

    private static final long serialVersionUID = 1L;

    /** The deepest nesting the format has: header object, tensor object, shape or offsets array. */
    static final int FORMAT_DEPTH = 3;
    /** The digits of 18446744073709551615, the largest unsigned 64-bit integer. */
    private static final int MAX_INTEGER_DIGITS = 20;

    HeaderConstraints(VerificationLimits limits, long documentBytes) {
        super((int) Math.min(limits.maxNestingDepth(), FORMAT_DEPTH), documentBytes, DEFAULT_MAX_TOKEN_COUNT,
                MAX_INTEGER_DIGITS, stringChars(limits), stringChars(limits));
    }

    private static int stringChars(VerificationLimits limits) {
        return (int) Math.min(limits.maxStringBytes(), Integer.MAX_VALUE - 8L);
    }

    @Override
    public void validateNestingDepth(int depth) {
        check("maxNestingDepth", depth, _maxNestingDepth);
    }

    @Override
    public void validateDocumentLength(long length) {
        check("maxHeaderBytes", length, _maxDocLen);
    }

    @Override
    public void validateNameLength(int length) {
        check("maxStringBytes", length, _maxNameLen);
    }

    @Override
    public void validateStringLength(int length) {
        check("maxStringBytes", length, _maxStringLen);
    }

    @Override
    public void validateStringLengthLong(long length) {
        check("maxStringBytes", length, _maxStringLen);
    }

    @Override
    public void validateIntegerLength(int length) {
        checkNumber(length);
    }

    @Override
    public void validateFPLength(int length) {
        checkNumber(length);
    }

    private static void check(String limitName, long actual, long allowed) {
        if (allowed >= 0 && actual > allowed) {
            throw new Reject(Rejection.limit(new Rejection.LimitBreach(limitName, actual, allowed), Location.NONE));
        }
    }

    private void checkNumber(int length) {
        if (length > _maxNumLen) {
            throw Reject.of(RejectionCode.MALFORMED_ARCHIVE, "the header has a number of more than " + _maxNumLen
                    + " digits; its numbers are 64-bit integers", Location.NONE);
        }
    }
}
