package dev.safeload.api;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a verified model came from, as far as safeload checked it: the digests it computed (and compared with
 * pins or a signed statement where configured) and the signatures that verified.
 *
 * <p>Empty when no integrity check was configured and none was needed. Immutable and thread-safe; names are
 * escaped.
 *
 * @param digests one entry per file and algorithm, in file-name order
 * @param signatures the signatures that verified, each with its signer; empty if none was checked
 * @since 0.2
 */
public record Provenance(List<FileDigest> digests, List<SignatureInfo> signatures) {

    private static final Provenance NONE = new Provenance(List.of(), List.of());

    /** Checks and copies the fields. */
    public Provenance {
        digests = List.copyOf(digests);
        signatures = List.copyOf(signatures);
    }

    /** {@return provenance that records nothing} */
    public static Provenance none() {
        return NONE;
    }

    /** {@return whether nothing was recorded} */
    public boolean isEmpty() {
        return digests.isEmpty() && signatures.isEmpty();
    }

    /**
     * {@return the digest of one file with one algorithm, if it was computed}
     *
     * @param file the file's name as recorded (for a single file, its name; in a directory, the relative path)
     * @param algorithm for example {@code "sha256"}
     */
    public Optional<FileDigest> digest(String file, String algorithm) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(algorithm, "algorithm");
        return digests.stream().filter(d -> d.file().equals(file) && d.algorithm().equals(algorithm)).findFirst();
    }

    /**
     * A digest that safeload computed over a file's bytes while verifying it.
     *
     * @param file the file's name (single file) or path relative to the model directory, {@code /}-separated
     * @param algorithm the algorithm in lower case: {@code sha256}, {@code sha512}
     * @param hex the digest in lower-case hex
     * @param pinned whether it was compared with a pin or a signed digest and matched
     */
    public record FileDigest(String file, String algorithm, String hex, boolean pinned) {
        /** Checks the fields. */
        public FileDigest {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(algorithm, "algorithm");
            Objects.requireNonNull(hex, "hex");
        }
    }

    /**
     * A signature that verified with a trusted key.
     *
     * @param kind how the signature was made
     * @param signer who signed: an OpenPGP fingerprint or a public key's SHA-256 fingerprint (hex, upper case
     *     for OpenPGP as gpg prints it, lower case otherwise), a certificate's subject, or for keyless signatures
     *     {@code "<SAN> (issuer <OIDC issuer>)"}
     * @param algorithm the signature algorithm, for example {@code SHA256withECDSA}
     * @param covers what the signature covers: the model file, a digest manifest's name, or the model directory
     */
    public record SignatureInfo(SignatureKind kind, String signer, String algorithm, String covers) {
        /** Checks the fields. */
        public SignatureInfo {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(signer, "signer");
            Objects.requireNonNull(algorithm, "algorithm");
            Objects.requireNonNull(covers, "covers");
        }
    }

    /**
     * The kinds of detached signature safeload verifies.
     *
     * <p>New constants may be added in later versions: a {@code switch} over this type needs a {@code default}.
     */
    public enum SignatureKind {
        /** An OpenPGP detached signature ({@code .asc} or {@code .sig}) over the file. */
        OPENPGP,
        /** A raw ECDSA (P-256 or P-384) signature over the file. */
        RAW_ECDSA,
        /** A raw RSA-PSS signature (2048 bits or more) over the file. */
        RAW_RSA_PSS,
        /** A raw Ed25519 signature over the file's 32-byte SHA-256 digest. */
        RAW_ED25519_DIGEST,
        /** An OpenSSF model-signing bundle ({@code model.sig}) made with a public key. */
        MODEL_SIGNING_KEY,
        /** An OpenSSF model-signing bundle made with a certificate chaining to a configured trust anchor. */
        MODEL_SIGNING_CERTIFICATE,
        /**
         * An OpenSSF model-signing bundle made keyless (Sigstore: a Fulcio certificate and a Rekor entry), verified
         * offline against a pinned Sigstore trusted root and an allowed identity and OIDC issuer.
         */
        MODEL_SIGNING_KEYLESS
    }
}
