package dev.safeload.api;

import java.util.Objects;
import java.util.Optional;

/**
 * One reason why a model was refused.
 *
 * <p>The {@linkplain #code() code} is what programs should act on; the message is for people and may
 * change between versions. Any text taken from the model (names, strings, entry paths) appears in the
 * message only in {@linkplain SafeText escaped, truncated} form.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Immutable and thread-safe; no field is {@code null}.</li>
 *   <li>A {@link RejectionCode#RESOURCE_LIMIT} rejection made by safeload carries a {@link LimitBreach}
 *       naming the limit, the value seen and the value allowed.</li>
 * </ul>
 *
 * @since 0.1
 */
public final class Rejection {

    /** The longest message kept; longer ones are cut. */
    public static final int MAX_MESSAGE_LENGTH = 500;

    private final RejectionCode code;
    private final String message;
    private final Location location;
    private final LimitBreach limit;

    private Rejection(RejectionCode code, String message, Location location, LimitBreach limit) {
        this.code = Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
        this.message = message.length() > MAX_MESSAGE_LENGTH
                ? message.substring(0, MAX_MESSAGE_LENGTH - 3) + "..."
                : message;
        this.location = Objects.requireNonNull(location, "location");
        this.limit = limit;
    }

    /**
     * Creates a rejection. The message must already have any model-supplied text escaped with
     * {@link SafeText#escape(CharSequence)}.
     *
     * @param code why; never {@code null}
     * @param message a human-readable explanation; never {@code null}
     * @param location where; never {@code null} (use {@link Location#NONE})
     * @return the rejection
     */
    public static Rejection of(RejectionCode code, String message, Location location) {
        return new Rejection(code, message, location, null);
    }

    /** {@return a rejection without a particular location} */
    public static Rejection of(RejectionCode code, String message) {
        return of(code, message, Location.NONE);
    }

    /**
     * Creates a {@link RejectionCode#RESOURCE_LIMIT} rejection for a tripped limit.
     *
     * @param breach which limit, the value seen and the value allowed; never {@code null}
     * @param location where; never {@code null}
     * @return the rejection, whose message names all three
     */
    public static Rejection limit(LimitBreach breach, Location location) {
        Objects.requireNonNull(breach, "breach");
        return new Rejection(RejectionCode.RESOURCE_LIMIT,
                "limit " + breach.limitName() + " exceeded: " + breach.actual() + " > allowed " + breach.allowed(),
                location, breach);
    }

    /** {@return the machine-readable reason} */
    public RejectionCode code() {
        return code;
    }

    /** {@return the human-readable explanation, with model-supplied text escaped} */
    public String message() {
        return message;
    }

    /** {@return where the problem was found} */
    public Location location() {
        return location;
    }

    /** {@return the tripped limit, for resource-limit rejections} */
    public Optional<LimitBreach> limitBreach() {
        return Optional.ofNullable(limit);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Rejection that
                && that.code.equals(code)
                && that.message.equals(message)
                && that.location.equals(location)
                && Objects.equals(that.limit, limit);
    }

    @Override
    public int hashCode() {
        return Objects.hash(code, message, location, limit);
    }

    @Override
    public String toString() {
        return code + " at " + location + ": " + message;
    }

    /**
     * A tripped resource limit.
     *
     * @param limitName the {@link VerificationLimits} property, for example {@code "maxOpcodes"}
     * @param actual the value the model needed (or the first value past the limit)
     * @param allowed the configured maximum
     * @since 0.1
     */
    public record LimitBreach(String limitName, long actual, long allowed) {
        /** Checks the fields. */
        public LimitBreach {
            Objects.requireNonNull(limitName, "limitName");
        }
    }
}
