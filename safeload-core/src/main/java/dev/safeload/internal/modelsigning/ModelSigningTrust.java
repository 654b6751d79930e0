package dev.safeload.internal.modelsigning;

import java.security.PublicKey;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a model-signing bundle must chain to: public keys for the key method, trust-anchor certificates for the
 * certificate method, optionally the signer identities accepted from a certificate, and for keyless (Sigstore)
 * bundles a pinned {@link SigstoreTrustedRoot} with the {@link KeylessIdentity} pairs accepted.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Immutable and thread-safe.</li>
 *   <li>Never empty: a trust with neither keys, anchors nor a keyless policy cannot be built, so "no
 *       configuration" can never mean "any signer".</li>
 *   <li>Keyless is all or nothing: a trusted root comes with at least one allowed identity, and identities with a
 *       root; there is no "any keyless signer" mode.</li>
 *   <li>Keys are EC on P-256, P-384 or P-521 only (the curves model signing allows).</li>
 * </ul>
 */
public final class ModelSigningTrust {

    private final List<PublicKey> keys;
    private final List<X509Certificate> anchors;
    private final Set<TrustAnchor> trustAnchors;
    private final Set<String> allowedIdentities;
    private final SigstoreTrustedRoot sigstoreRoot;
    private final List<KeylessIdentity> keylessIdentities;

    private ModelSigningTrust(List<PublicKey> keys, List<X509Certificate> anchors, Set<String> allowedIdentities,
            SigstoreTrustedRoot sigstoreRoot, List<KeylessIdentity> keylessIdentities) {
        this.keys = keys;
        this.anchors = anchors;
        Set<TrustAnchor> set = new LinkedHashSet<>();
        for (X509Certificate anchor : anchors) {
            set.add(new TrustAnchor(anchor, null));
        }
        this.trustAnchors = Set.copyOf(set);
        this.allowedIdentities = allowedIdentities;
        this.sigstoreRoot = sigstoreRoot;
        this.keylessIdentities = keylessIdentities;
    }

    /**
     * Builds a trust.
     *
     * @param keys public keys accepted by the key method; each an EC key on P-256, P-384 or P-521; may be empty
     * @param anchors trust anchors for the certificate method; may be empty. Their validity period is not checked
     *     here: the chain is validated at the leaf's {@code notBefore}, as the reference does
     * @param allowedIdentities if not empty, a certificate's leaf must have one of these as its subject DN (RFC 2253
     *     string, exactly) or as a SAN email or URI (exactly); empty means any leaf chaining to an anchor
     * @return the trust
     * @throws IllegalArgumentException if both {@code keys} and {@code anchors} are empty, if a key is not EC on an
     *     allowed curve, or if identities are given without anchors (they would be ignored)
     * @throws NullPointerException if an argument or an element is {@code null}
     */
    public static ModelSigningTrust of(List<PublicKey> keys, List<X509Certificate> anchors,
            Set<String> allowedIdentities) {
        return of(keys, anchors, allowedIdentities, null, List.of());
    }

    /**
     * Builds a trust that may also verify keyless (Sigstore) bundles.
     *
     * @param keys as in {@link #of(List, List, Set)}
     * @param anchors as in {@link #of(List, List, Set)}
     * @param allowedIdentities as in {@link #of(List, List, Set)}; they apply to the certificate method only
     * @param sigstoreRoot the pinned Sigstore trusted root, or {@code null} for no keyless verification
     * @param keylessIdentities the (SAN, issuer) pairs a keyless signer must match; empty exactly when
     *     {@code sigstoreRoot} is {@code null}
     * @return the trust
     * @throws IllegalArgumentException as {@link #of(List, List, Set)}, except that a keyless policy alone is
     *     enough; and if a root is given without identities or identities without a root
     * @throws NullPointerException if a list, set or element is {@code null}
     */
    public static ModelSigningTrust of(List<PublicKey> keys, List<X509Certificate> anchors,
            Set<String> allowedIdentities, SigstoreTrustedRoot sigstoreRoot, List<KeylessIdentity> keylessIdentities) {
        List<KeylessIdentity> keyless = List.copyOf(Objects.requireNonNull(keylessIdentities, "keylessIdentities"));
        if (sigstoreRoot != null && keyless.isEmpty()) {
            throw new IllegalArgumentException("a Sigstore trusted root is given without any allowed keyless identity "
                    + "(SAN and issuer); safeload has no 'any keyless signer' mode");
        }
        if (sigstoreRoot == null && !keyless.isEmpty()) {
            throw new IllegalArgumentException("keyless identities are given without a Sigstore trusted root");
        }
        List<PublicKey> keyCopy = List.copyOf(Objects.requireNonNull(keys, "keys"));
        List<X509Certificate> anchorCopy = List.copyOf(Objects.requireNonNull(anchors, "anchors"));
        Set<String> identities = Set.copyOf(Objects.requireNonNull(allowedIdentities, "allowedIdentities"));
        if (keyCopy.isEmpty() && anchorCopy.isEmpty() && sigstoreRoot == null) {
            throw new IllegalArgumentException("a model-signing trust needs at least one public key, trust anchor or "
                    + "Sigstore trusted root");
        }
        if (!identities.isEmpty() && anchorCopy.isEmpty()) {
            throw new IllegalArgumentException("allowedIdentities apply to certificates, but no trust anchor is given");
        }
        for (PublicKey key : keyCopy) {
            if (Crypto.Curve.of(key).isEmpty()) {
                throw new IllegalArgumentException("model signing keys are EC on P-256, P-384 or P-521; refused a "
                        + key.getAlgorithm() + " key");
            }
        }
        for (String identity : identities) {
            if (identity.isEmpty()) {
                throw new IllegalArgumentException("an allowed identity is empty");
            }
        }
        return new ModelSigningTrust(keyCopy, anchorCopy, identities, sigstoreRoot, keyless);
    }

    /** {@return the keys for the key method, in the order given} */
    public List<PublicKey> keys() {
        return keys;
    }

    /** {@return the anchors for the certificate method, in the order given} */
    public List<X509Certificate> anchors() {
        return anchors;
    }

    /** {@return the identities a certificate leaf must carry; empty means any} */
    public Set<String> allowedIdentities() {
        return allowedIdentities;
    }

    /** {@return the pinned Sigstore trusted root, if keyless bundles may verify} */
    public Optional<SigstoreTrustedRoot> sigstoreRoot() {
        return Optional.ofNullable(sigstoreRoot);
    }

    /** {@return the (SAN, issuer) pairs a keyless signer must match; empty when there is no trusted root} */
    public List<KeylessIdentity> keylessIdentities() {
        return keylessIdentities;
    }

    Set<TrustAnchor> trustAnchors() {
        return trustAnchors;
    }

    /** Whether {@code cert} is one of the anchors (so a chain that repeats its root can be trimmed). */
    boolean isAnchor(X509Certificate cert) {
        return anchors.contains(cert);
    }

    @Override
    public String toString() {
        return "ModelSigningTrust[" + keys.size() + " key(s), " + anchors.size() + " anchor(s), "
                + allowedIdentities.size() + " identity(ies), " + (sigstoreRoot == null ? "no" : "a")
                + " Sigstore root, " + keylessIdentities.size() + " keyless identity(ies)]";
    }
}
