package dev.safeload.internal.signing;

import java.io.IOException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

import org.bouncycastle.openpgp.api.OpenPGPCertificate;
import org.bouncycastle.openpgp.api.bc.BcOpenPGPApi;

import dev.safeload.api.SafeText;

/**
 * The keys whose detached signatures {@link DetachedSignatureVerifier} accepts: raw public keys (checked as
 * {@link Pem} checks them) and OpenPGP certificates pinned by full fingerprint.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Immutable and thread-safe. OpenPGP certificates are kept in their encoded form and parsed afresh for
 *       each verification, because Bouncy Castle's certificate objects cache verification results in
 *       unsynchronised fields.</li>
 *   <li>Pins are full primary-key fingerprints (40 hex digits for v4 keys, 64 for v6), compared
 *       case-insensitively; 64-bit key IDs are refused, since they can be forged.</li>
 *   <li>A pin that no keyring contains is a configuration error, never a silently empty trust set.</li>
 * </ul>
 */
public final class SignatureTrust {

    private static final Pattern HEX = Pattern.compile("[0-9A-F]+");

    private final List<PublicKey> rawKeys;
    // Upper-case primary-key fingerprint -> the certificate's binary encoding.
    private final Map<String, byte[]> certificates;

    private SignatureTrust(List<PublicKey> rawKeys, Map<String, byte[]> certificates) {
        this.rawKeys = rawKeys;
        this.certificates = certificates;
    }

    /**
     * Builds a trust set.
     *
     * @param rawKeys public keys for raw (ECDSA, RSA-PSS, Ed25519) signatures, typically from
     *     {@link Pem#publicKeys(byte[])}; never {@code null}
     * @param openPgpKeyrings OpenPGP certificates, armored or binary, one or more per element; never {@code null}
     * @param allowedPgpFingerprints primary-key fingerprints to trust out of the keyrings; empty means every
     *     certificate in the keyrings; never {@code null}
     * @return the trust set
     * @throws IllegalArgumentException if a raw key is refused, a keyring is malformed or empty, a pin is not a
     *     full fingerprint, or a pin names no certificate in the keyrings
     */
    public static SignatureTrust of(List<PublicKey> rawKeys, List<byte[]> openPgpKeyrings,
            Set<String> allowedPgpFingerprints) {
        List<PublicKey> keys = List.copyOf(Objects.requireNonNull(rawKeys, "rawKeys"));
        for (int i = 0; i < keys.size(); i++) {
            Pem.checkKey(keys.get(i), "raw key " + (i + 1));
        }
        Set<String> pins = normalisePins(Objects.requireNonNull(allowedPgpFingerprints, "allowedPgpFingerprints"));

        Map<String, byte[]> all = new LinkedHashMap<>();
        BcOpenPGPApi api = new BcOpenPGPApi();
        int index = 0;
        for (byte[] keyring : List.copyOf(Objects.requireNonNull(openPgpKeyrings, "openPgpKeyrings"))) {
            index++;
            List<OpenPGPCertificate> parsed;
            try {
                parsed = api.readKeyOrCertificate().parseCertificates(keyring.clone());
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException("OpenPGP keyring " + index + " is malformed");
            }
            if (parsed.isEmpty()) {
                throw new IllegalArgumentException("OpenPGP keyring " + index + " holds no certificate");
            }
            for (OpenPGPCertificate certificate : parsed) {
                String fingerprint = HexFormat.of().withUpperCase().formatHex(certificate.getFingerprint());
                try {
                    all.putIfAbsent(fingerprint, certificate.getEncoded());
                } catch (IOException e) {
                    throw new IllegalArgumentException("OpenPGP certificate " + fingerprint + " cannot be encoded");
                }
            }
        }

        Map<String, byte[]> trusted = new LinkedHashMap<>();
        if (pins.isEmpty()) {
            trusted.putAll(all);
        } else {
            for (String pin : pins) {
                byte[] encoded = all.get(pin);
                if (encoded == null) {
                    throw new IllegalArgumentException("pinned OpenPGP fingerprint " + pin
                            + " is not the primary key of any certificate in the configured keyrings");
                }
                trusted.put(pin, encoded);
            }
        }
        return new SignatureTrust(keys, trusted);
    }

    private static Set<String> normalisePins(Set<String> pins) {
        Set<String> normalised = new LinkedHashSet<>();
        for (String pin : pins) {
            Objects.requireNonNull(pin, "fingerprint");
            // gpg prints fingerprints in groups of four separated by spaces.
            String hex = pin.replace(" ", "").toUpperCase(Locale.ROOT);
            if (hex.startsWith("0X")) {
                hex = hex.substring(2);
            }
            if (!HEX.matcher(hex).matches()) {
                throw new IllegalArgumentException("OpenPGP pin is not hexadecimal: "
                        + SafeText.escape(pin));
            }
            if (hex.length() == 16 || hex.length() == 8) {
                throw new IllegalArgumentException("OpenPGP pin " + hex + " is a key ID; 64-bit and 32-bit key IDs "
                        + "can be forged, pin the full fingerprint (gpg --fingerprint)");
            }
            if (hex.length() != 40 && hex.length() != 64) {
                throw new IllegalArgumentException("OpenPGP pin " + hex
                        + " is not a full fingerprint (40 hex digits for v4 keys, 64 for v6)");
            }
            normalised.add(hex);
        }
        return normalised;
    }

    /** {@return whether no key at all is trusted} */
    public boolean isEmpty() {
        return rawKeys.isEmpty() && certificates.isEmpty();
    }

    /** {@return whether at least one OpenPGP certificate is trusted} */
    public boolean hasOpenPgp() {
        return !certificates.isEmpty();
    }

    /** {@return whether at least one raw public key is trusted} */
    public boolean hasRawKeys() {
        return !rawKeys.isEmpty();
    }

    /** {@return the trusted raw keys, unmodifiable} */
    List<PublicKey> rawKeys() {
        return rawKeys;
    }

    /** {@return the upper-case primary fingerprints of the trusted OpenPGP certificates} */
    Set<String> pgpFingerprints() {
        return Collections.unmodifiableSet(certificates.keySet());
    }

    /** {@return fresh copies of the trusted certificates' binary encodings} */
    List<byte[]> encodedCertificates() {
        List<byte[]> copies = new ArrayList<>(certificates.size());
        for (byte[] encoded : certificates.values()) {
            copies.add(encoded.clone());
        }
        return copies;
    }

    @Override
    public String toString() {
        return "SignatureTrust[rawKeys=" + rawKeys.size() + ", openPgp=" + certificates.keySet() + "]";
    }
}
