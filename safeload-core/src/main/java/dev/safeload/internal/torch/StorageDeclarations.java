package dev.safeload.internal.torch;

import dev.safeload.api.Location;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.SafeText;
import dev.safeload.api.VerificationLimits;
import dev.safeload.api.tree.DType;
import dev.safeload.api.tree.StorageInfo;
import dev.safeload.internal.Reject;
import java.util.function.Supplier;

/**
 * The rules every torch format applies to storage declarations: a key declared again must agree with its
 * first declaration (torch silently keeps the first), and all storages together may declare at most
 * {@link VerificationLimits#maxTotalDeclaredBytes()}, counted without overflow.
 */
final class StorageDeclarations {

    private final VerificationLimits limits;
    private long declaredBytes;

    StorageDeclarations(VerificationLimits limits) {
        this.limits = limits;
    }

    /** Rejects a second declaration of {@code key} that disagrees with the first, {@code known}. */
    static void requireSame(StorageInfo known, String key, DType dtype, long elementCount, Supplier<Location> at) {
        if (known.dtype() != dtype || known.elementCount() != elementCount) {
            throw Reject.of(RejectionCode.TENSOR_INCONSISTENT, "storage " + SafeText.escape(key)
                    + " declared again with a different type or size (" + known.dtype() + " x "
                    + known.elementCount() + ", then " + dtype + " x " + elementCount + ")", at.get());
        }
    }

    /** Counts a new storage's bytes against the limit and returns them ({@code Long.MAX_VALUE} on overflow). */
    long declare(DType dtype, long elementCount, Supplier<Location> at) {
        long bytes;
        try {
            bytes = Math.multiplyExact(elementCount, dtype.elementSize());
            declaredBytes = Math.addExact(declaredBytes, bytes);
        } catch (ArithmeticException e) {
            bytes = Long.MAX_VALUE;
            declaredBytes = Long.MAX_VALUE;
        }
        if (declaredBytes > limits.maxTotalDeclaredBytes()) {
            Reject.checkLimit("maxTotalDeclaredBytes", declaredBytes, limits.maxTotalDeclaredBytes(), at.get());
        }
        return bytes;
    }
}
