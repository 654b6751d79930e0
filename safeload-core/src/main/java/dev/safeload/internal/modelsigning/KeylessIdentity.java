package dev.safeload.internal.modelsigning;

import java.util.Objects;

/**
 * A keyless signer a user accepts: the certificate's subject alternative name (an email address or a URI, compared
 * exactly) and the OIDC issuer that vouched for it (compared exactly with the Fulcio issuer extension).
 *
 * @param san the email or URI subject alternative name, for example {@code "alice@example.com"} or
 *     {@code "https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main"}; not empty
 * @param issuer the OIDC issuer URL, for example {@code "https://accounts.google.com"}; not empty
 */
public record KeylessIdentity(String san, String issuer) {

    /**
     * Checks the fields.
     *
     * @throws NullPointerException if a field is {@code null}
     * @throws IllegalArgumentException if a field is empty
     */
    public KeylessIdentity {
        Objects.requireNonNull(san, "san");
        Objects.requireNonNull(issuer, "issuer");
        if (san.isEmpty() || issuer.isEmpty()) {
            throw new IllegalArgumentException("a keyless identity needs a non-empty SAN and issuer");
        }
    }
}
