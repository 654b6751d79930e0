package dev.safeload.internal;

import dev.safeload.api.Location;
import dev.safeload.api.Rejection;
import dev.safeload.api.RejectionCode;

/**
 * Internal control flow: a parser that meets hostile input throws this, and the facade turns it into a
 * {@link Rejection} value. It never leaves safeload-core. No stack trace is filled in: rejections are
 * expected, not exceptional, and must stay cheap.
 */
public final class Reject extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Rejection rejection;

    public Reject(Rejection rejection) {
        super(rejection.message(), null, false, false);
        this.rejection = rejection;
    }

    public Rejection rejection() {
        return rejection;
    }

    public static Reject of(RejectionCode code, String message, Location location) {
        return new Reject(Rejection.of(code, message, location));
    }

    /** Throws a RESOURCE_LIMIT rejection if {@code actual > allowed}. */
    public static void checkLimit(String limitName, long actual, long allowed, Location location) {
        if (actual > allowed) {
            throw new Reject(Rejection.limit(new Rejection.LimitBreach(limitName, actual, allowed), location));
        }
    }
}
