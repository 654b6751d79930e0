package dev.safeload.internal.signing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.bcpg.ArmoredInputStream;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.KeyIdentifier;
import org.bouncycastle.bcpg.PublicKeyAlgorithmTags;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.engines.RSAEngine;
import org.bouncycastle.crypto.params.RSAKeyParameters;
import org.bouncycastle.crypto.signers.PSSSigner;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.api.OpenPGPCertificate;
import org.bouncycastle.openpgp.api.OpenPGPDefaultPolicy;
import org.bouncycastle.openpgp.api.OpenPGPDetachedSignatureProcessor;
import org.bouncycastle.openpgp.api.OpenPGPSignature.OpenPGPDocumentSignature;
import org.bouncycastle.openpgp.api.bc.BcOpenPGPApi;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;

import dev.safeload.api.Location;
import dev.safeload.api.Provenance.SignatureInfo;
import dev.safeload.api.Provenance.SignatureKind;
import dev.safeload.api.Rejection;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.SafeText;

/**
 * Verifies one detached signature over one file's bytes against a {@link SignatureTrust}.
 *
 * <p>The kind of signature is read from its bytes, never from its file name: an armored OpenPGP signature, a
 * binary OpenPGP signature (a run of signature packets), or otherwise a raw signature, binary or in base64
 * text as {@code openssl base64} writes it. Raw signatures are ECDSA in DER (P-256 with SHA-256, P-384 with
 * SHA-384, P-521 with SHA-512), RSA-PSS (SHA-256, MGF1-SHA-256, salt length 32 or the maximum, trailer
 * {@code 0xBC}), or Ed25519 over the file's 32-byte SHA-256 digest (pure Ed25519 over a multi-gigabyte file
 * would make the JDK buffer all of it).
 *
 * <p>Bytes count as binary OpenPGP only if they are a run of complete signature packets that Bouncy Castle
 * parses; anything else is tried as a raw signature. A raw signature that happens to look like an OpenPGP packet
 * is therefore misread only if it also parses as one, which random bytes practically never do.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Every signature input yields an outcome; hostile bytes never make it throw. Only failures of the
 *       {@code content} stream itself (and of {@code sha256AfterEof}) propagate, unchanged, or as
 *       {@link UncheckedIOException} for an {@link IOException}.</li>
 *   <li>{@code content} is read at most once, front to back, in small chunks; the file is never held in
 *       memory. Reading may stop early when the signature alone decides the outcome; the caller drains the
 *       rest.</li>
 *   <li>OpenPGP: Bouncy Castle's high-level API with its default policy (no SHA-1, MD5 or RIPEMD-160; no DSA
 *       or ElGamal) plus RSA keys of at least 2048 bits. Every signature packet in the file must be a v4 or
 *       later binary-document signature ({@code 0x00}) with an accepted hash. Revoked keys and keys that were
 *       expired or not signing-capable when the signature was made are refused, and signatures dated in the
 *       future are refused. A key that expired <em>after</em> the signature was made still verifies, as with
 *       {@code gpg --verify}.</li>
 *   <li>Multiple OpenPGP signatures: the outcome is valid when at least one signature from a trusted key
 *       verifies and no signature from a trusted key fails. Signatures from keys outside the trust set are
 *       ignored when a trusted one verifies (co-signed files); with no trusted signature at all the outcome is
 *       {@link RejectionCode#UNTRUSTED_SIGNER}.</li>
 *   <li>Raw: RSA PKCS#1 v1.5, SHA-1 and any other algorithm do not verify and are
 *       {@link RejectionCode#SIGNATURE_INVALID}. A raw signature names no key, so one that no trusted key
 *       verifies is {@code SIGNATURE_INVALID} too.</li>
 *   <li>Messages quote the signature's name and bytes only through {@link SafeText}.</li>
 *   <li>Thread-safe and stateless between calls; no JCA provider is registered or reordered.</li>
 * </ul>
 */
public final class DetachedSignatureVerifier {

    /** The largest signature file accepted, in bytes. */
    public static final int MAX_SIGNATURE_BYTES = 1 << 20;

    private static final String ARMOR_SIGNATURE = "-----BEGIN PGP SIGNATURE-----";
    private static final String ARMOR_ANY = "-----BEGIN PGP ";
    private static final int SHA256_BYTES = 32;
    private static final int CHUNK = 64 * 1024;
    private static final byte PSS_TRAILER = (byte) 0xBC;

    private final SignatureTrust trust;

    /**
     * Creates a verifier.
     *
     * @param trust the keys to accept; never {@code null}
     */
    public DetachedSignatureVerifier(SignatureTrust trust) {
        this.trust = Objects.requireNonNull(trust, "trust");
    }

    /**
     * Verifies a detached signature over a file.
     *
     * @param signature the signature file's bytes; never {@code null}
     * @param signatureName the signature file's name, for messages only; never {@code null}
     * @param content the signed file's bytes, read once; never {@code null}
     * @param sha256AfterEof the file's 32-byte SHA-256, called only after {@code content} was read to its end;
     *     never {@code null}
     * @param covers what the signature covers, recorded in the {@link SignatureInfo}; never {@code null}
     * @return the outcome; never {@code null}
     */
    public SignatureOutcome verify(byte[] signature, String signatureName, InputStream content,
            Supplier<byte[]> sha256AfterEof, String covers) {
        Objects.requireNonNull(signature, "signature");
        Objects.requireNonNull(signatureName, "signatureName");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(sha256AfterEof, "sha256AfterEof");
        Objects.requireNonNull(covers, "covers");
        Call call = new Call(SafeText.escape(signatureName), new GuardedContent(content), sha256AfterEof, covers);
        if (signature.length > MAX_SIGNATURE_BYTES) {
            return call.invalid("is " + signature.length + " bytes, more than the " + MAX_SIGNATURE_BYTES
                    + "-byte limit for a signature");
        }
        if (signature.length == 0) {
            return call.invalid("is empty");
        }
        try {
            if (isArmoredPgp(signature)) {
                return verifyArmored(call, signature);
            }
            Optional<List<PGPSignature>> packets = parsePgp(signature);
            if (packets.isPresent()) {
                return verifyPgp(call, packets.get());
            }
            return verifyRaw(call, signature);
        } catch (RuntimeException | IOException e) {
            call.content.rethrowFailure();
            // Bouncy Castle signals malformed packets with all kinds of runtime exceptions.
            return call.invalid("could not be processed (" + e.getClass().getSimpleName() + ")");
        }
    }

    /**
     * Tells whether bytes look like a detached signature of a kind this class reads, for reporting a signature
     * file that is present while signature checking is off. This is a heuristic on the bytes only: armored
     * ({@code BEGIN PGP SIGNATURE}) or binary OpenPGP signatures, DER ECDSA signatures, and blobs (binary or
     * base64) of the sizes of Ed25519 and 2048/3072/4096-bit RSA signatures. It errs towards "yes" for short
     * blobs of those sizes.
     *
     * @param bytes the candidate file's bytes; never {@code null}
     * @return whether they look like a signature
     */
    public static boolean looksLikeSignature(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length == 0 || bytes.length > MAX_SIGNATURE_BYTES) {
            return false;
        }
        try {
            if (startsWithArmor(bytes, ARMOR_SIGNATURE)) {
                return true;
            }
            if (isFramedAsSignatures(bytes)) {
                return true;
            }
            byte[] raw = decodeBase64Text(bytes).orElse(bytes);
            int n = raw.length;
            return isDerEcdsa(raw) || n == 64 || n == 256 || n == 384 || n == 512;
        } catch (RuntimeException e) {
            return false;
        }
    }

    // ---------------------------------------------------------------- OpenPGP

    private SignatureOutcome verifyArmored(Call call, byte[] signature) throws IOException {
        if (!startsWithArmor(signature, ARMOR_SIGNATURE)) {
            return call.invalid("is an armored OpenPGP block but not a signature "
                    + "(clear-signed messages, keys and messages are refused)");
        }
        byte[] binary;
        try (ArmoredInputStream armored = ArmoredInputStream.builder().build(new ByteArrayInputStream(signature))) {
            // Bounded: the decoded form is smaller than the armored input, which is at most 1 MiB.
            binary = armored.readAllBytes();
        } catch (IOException | RuntimeException e) {
            return call.invalid("has malformed OpenPGP armor (bad base64 or checksum)");
        }
        Optional<List<PGPSignature>> packets = parsePgp(binary);
        if (packets.isEmpty()) {
            return call.invalid("is armored but does not hold only well-formed OpenPGP signature packets");
        }
        return verifyPgp(call, packets.get());
    }

    /** Parses bytes as OpenPGP signature packets only; empty if they are anything else. */
    private static Optional<List<PGPSignature>> parsePgp(byte[] binary) {
        if (!isFramedAsSignatures(binary)) {
            return Optional.empty();
        }
        List<PGPSignature> signatures = new ArrayList<>();
        try {
            BcPGPObjectFactory factory = new BcPGPObjectFactory(binary);
            Object next;
            while ((next = factory.nextObject()) != null) {
                if (!(next instanceof PGPSignatureList list)) {
                    return Optional.empty();
                }
                for (PGPSignature signature : list) {
                    signatures.add(signature);
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return signatures.isEmpty() ? Optional.empty() : Optional.of(signatures);
    }

    private SignatureOutcome verifyPgp(Call call, List<PGPSignature> signatures) throws IOException {
        if (!trust.hasOpenPgp()) {
            return call.invalid("is an OpenPGP signature but no OpenPGP certificate is trusted");
        }
        BcOpenPGPApi api = new BcOpenPGPApi(policy());
        List<OpenPGPCertificate> certificates = new ArrayList<>();
        for (byte[] encoded : trust.encodedCertificates()) {
            certificates.add(api.readKeyOrCertificate().parseCertificate(encoded));
        }

        // Refusals on the packets themselves apply to every signature in the file: fail closed.
        List<Rejection> rejections = new ArrayList<>();
        List<PGPSignature> trusted = new ArrayList<>();
        Set<String> strangers = new LinkedHashSet<>();
        for (int i = 0; i < signatures.size(); i++) {
            PGPSignature signature = signatures.get(i);
            String which = signatures.size() == 1 ? "" : " (signature " + (i + 1) + ")";
            Optional<String> refusal = packetRefusal(signature);
            if (refusal.isPresent()) {
                rejections.add(call.invalidRejection(refusal.get() + which));
                continue;
            }
            if (issuedByTrusted(signature, certificates)) {
                trusted.add(signature);
            } else {
                strangers.add(issuerText(signature));
            }
        }
        if (!rejections.isEmpty()) {
            return SignatureOutcome.refused(rejections);
        }
        if (trusted.isEmpty()) {
            return SignatureOutcome.refused(Rejection.of(RejectionCode.UNTRUSTED_SIGNER, "signature " + call.name
                    + " is made by OpenPGP key " + String.join(", ", strangers)
                    + ", which is not in the trust set", Location.NONE));
        }

        Date now = new Date();
        List<String> reasons = new ArrayList<>();
        OpenPGPDetachedSignatureProcessor processor = api.verifyDetachedSignature()
                .verifyNotAfter(now)
                .setExceptionCallback(e -> reasons.add(SafeText.escape(String.valueOf(e.getMessage()))));
        for (PGPSignature signature : trusted) {
            processor.addSignature(signature);
        }
        for (OpenPGPCertificate certificate : certificates) {
            processor.addVerificationCertificate(certificate);
        }
        List<OpenPGPDocumentSignature> results = processor.process(call.content);

        Map<PGPSignature, OpenPGPDocumentSignature> byPacket = new IdentityHashMap<>();
        for (OpenPGPDocumentSignature result : results) {
            byPacket.put(result.getSignature(), result);
        }
        SignatureInfo first = null;
        for (PGPSignature signature : trusted) {
            OpenPGPDocumentSignature result = byPacket.get(signature);
            String issuer = issuerText(signature);
            if (result == null) {
                String why = signature.getCreationTime().after(now) ? "is dated in the future"
                        : reasons.isEmpty() ? "was dropped by the OpenPGP policy (weak key or hash, unbound subkey)"
                        : "was dropped by the OpenPGP policy: " + String.join("; ", reasons);
                rejections.add(call.invalidRejection("by key " + issuer + " " + why));
                continue;
            }
            Optional<String> failure = resultFailure(result);
            if (failure.isPresent()) {
                rejections.add(call.invalidRejection("by key " + issuer + " " + failure.get()));
                continue;
            }
            if (first == null) {
                String signer = HexFormat.of().withUpperCase().formatHex(
                        result.getIssuerCertificate().getFingerprint());
                first = new SignatureInfo(SignatureKind.OPENPGP, signer,
                        pgpAlgorithmName(signature.getKeyAlgorithm(), signature.getHashAlgorithm()), call.covers);
            }
        }
        if (!rejections.isEmpty()) {
            return SignatureOutcome.refused(rejections);
        }
        if (first == null) {
            // Unreachable by construction; kept so that no path yields "valid" by accident.
            return call.invalid("has no valid OpenPGP signature");
        }
        return SignatureOutcome.valid(first);
    }

    private static OpenPGPDefaultPolicy policy() {
        // BC's default accepts RSA from 2000 bits; safeload requires 2048 (also checked per result).
        return new OpenPGPDefaultPolicy()
                .acceptPublicKeyAlgorithmWithMinimalStrength(PublicKeyAlgorithmTags.RSA_GENERAL, 2048)
                .acceptPublicKeyAlgorithmWithMinimalStrength(PublicKeyAlgorithmTags.RSA_SIGN, 2048);
    }

    private static Optional<String> packetRefusal(PGPSignature signature) {
        if (signature.getVersion() < 4) {
            return Optional.of("is a v" + signature.getVersion() + " OpenPGP signature; v3 and older are refused");
        }
        int type = signature.getSignatureType();
        if (type == PGPSignature.CANONICAL_TEXT_DOCUMENT) {
            return Optional.of("is a canonical-text OpenPGP signature (type 0x01, gpg --textmode), which also "
                    + "verifies other line endings; only binary-document signatures (type 0x00) are accepted");
        }
        if (type != PGPSignature.BINARY_DOCUMENT) {
            return Optional.of(String.format("has OpenPGP signature type 0x%02x; only binary-document signatures "
                    + "(type 0x00) are accepted", type));
        }
        KeyIdentifier issuer = mostExpressive(signature);
        if (issuer == null || issuer.isWildcard()) {
            return Optional.of("names no issuer key, so it cannot be attributed to a trusted key");
        }
        int hash = signature.getHashAlgorithm();
        if (hash == HashAlgorithmTags.SHA1 || hash == HashAlgorithmTags.MD5 || hash == HashAlgorithmTags.RIPEMD160
                || hash == HashAlgorithmTags.MD2 || hash == HashAlgorithmTags.TIGER_192
                || hash == HashAlgorithmTags.HAVAL_5_160) {
            return Optional.of("uses the refused hash algorithm " + hashName(hash));
        }
        int key = signature.getKeyAlgorithm();
        if (key == PublicKeyAlgorithmTags.DSA || key == PublicKeyAlgorithmTags.ELGAMAL_GENERAL
                || key == PublicKeyAlgorithmTags.ELGAMAL_ENCRYPT || key == PublicKeyAlgorithmTags.RSA_ENCRYPT) {
            return Optional.of("uses the refused public-key algorithm " + keyAlgorithmName(key));
        }
        return Optional.empty();
    }

    private static boolean issuedByTrusted(PGPSignature signature, List<OpenPGPCertificate> certificates) {
        // The same identifier Bouncy Castle uses to pick the certificate (the issuer fingerprint when present). It
        // only selects a certificate: the signature must still verify with that certificate's bound key, so a
        // forged or colliding key ID cannot attribute a signature to a trusted key.
        KeyIdentifier identifier = mostExpressive(signature);
        for (OpenPGPCertificate certificate : certificates) {
            if (certificate.getKey(identifier) != null) {
                return true;
            }
        }
        return false;
    }

    private static KeyIdentifier mostExpressive(PGPSignature signature) {
        return org.bouncycastle.openpgp.api.OpenPGPSignature.getMostExpressiveIdentifier(
                signature.getKeyIdentifiers());
    }

    private static Optional<String> resultFailure(OpenPGPDocumentSignature result) {
        try {
            if (!result.isTestedCorrect()) {
                return Optional.of("does not match the content");
            }
            if (!result.isValid()) {
                return Optional.of("is not valid: the key was revoked, or was expired or not signing-capable when "
                        + "the signature was made");
            }
        } catch (Exception e) {
            return Optional.of("is not valid: " + SafeText.escape(String.valueOf(e.getMessage())));
        }
        var key = result.getIssuer().getPGPPublicKey();
        int algorithm = key.getAlgorithm();
        if ((algorithm == PublicKeyAlgorithmTags.RSA_GENERAL || algorithm == PublicKeyAlgorithmTags.RSA_SIGN)
                && key.getBitStrength() < Pem.MIN_RSA_BITS) {
            return Optional.of("uses an RSA key of " + key.getBitStrength() + " bits (at least "
                    + Pem.MIN_RSA_BITS + " required)");
        }
        return Optional.empty();
    }

    private static String issuerText(PGPSignature signature) {
        KeyIdentifier best = mostExpressive(signature);
        if (best == null) {
            return "(no issuer)";
        }
        // Hex only, so attacker-chosen IDs cannot inject text.
        return best.getFingerprint() != null
                ? HexFormat.of().withUpperCase().formatHex(best.getFingerprint())
                : String.format("%016X", best.getKeyId());
    }

    static String pgpAlgorithmName(int keyAlgorithm, int hashAlgorithm) {
        return keyAlgorithmName(keyAlgorithm) + "/" + hashName(hashAlgorithm);
    }

    private static String keyAlgorithmName(int algorithm) {
        switch (algorithm) {
            case PublicKeyAlgorithmTags.RSA_GENERAL:
            case PublicKeyAlgorithmTags.RSA_SIGN:
                return "RSA";
            case PublicKeyAlgorithmTags.ECDSA:
                return "ECDSA";
            case PublicKeyAlgorithmTags.EDDSA_LEGACY:
                return "EdDSA(Ed25519)";
            case PublicKeyAlgorithmTags.Ed25519:
                return "Ed25519";
            case PublicKeyAlgorithmTags.Ed448:
                return "Ed448";
            case PublicKeyAlgorithmTags.DSA:
                return "DSA";
            default:
                return "algorithm " + algorithm;
        }
    }

    private static String hashName(int hash) {
        switch (hash) {
            case HashAlgorithmTags.SHA256: return "SHA-256";
            case HashAlgorithmTags.SHA384: return "SHA-384";
            case HashAlgorithmTags.SHA512: return "SHA-512";
            case HashAlgorithmTags.SHA224: return "SHA-224";
            case HashAlgorithmTags.SHA3_256: return "SHA3-256";
            case HashAlgorithmTags.SHA3_512: return "SHA3-512";
            case HashAlgorithmTags.SHA1: return "SHA-1";
            case HashAlgorithmTags.MD5: return "MD5";
            case HashAlgorithmTags.RIPEMD160: return "RIPEMD-160";
            default: return "hash " + hash;
        }
    }

    /**
     * Checks the packet framing without Bouncy Castle: one or more complete packets with tag 2 (signature),
     * definite lengths, a body that starts with a known version, and nothing after the last packet. A random
     * raw signature passes this only by a long coincidence, and then still has to parse as OpenPGP.
     */
    static boolean isFramedAsSignatures(byte[] b) {
        int pos = 0;
        int count = 0;
        while (pos < b.length) {
            int header = b[pos++] & 0xff;
            if ((header & 0x80) == 0) {
                return false;
            }
            int tag;
            long length;
            if ((header & 0x40) != 0) {
                tag = header & 0x3f;
                if (pos >= b.length) {
                    return false;
                }
                int first = b[pos++] & 0xff;
                if (first < 192) {
                    length = first;
                } else if (first < 224) {
                    if (pos >= b.length) {
                        return false;
                    }
                    length = ((first - 192L) << 8) + (b[pos++] & 0xff) + 192;
                } else if (first == 255) {
                    if (pos + 4 > b.length) {
                        return false;
                    }
                    length = readUnsigned(b, pos, 4);
                    pos += 4;
                } else {
                    return false; // partial body lengths never frame a signature packet
                }
            } else {
                tag = (header >> 2) & 0x0f;
                int lengthType = header & 0x03;
                if (lengthType == 3) {
                    return false;
                }
                int size = 1 << lengthType;
                if (pos + size > b.length) {
                    return false;
                }
                length = readUnsigned(b, pos, size);
                pos += size;
            }
            if (tag != 2 || length < 1 || length > b.length - pos) {
                return false;
            }
            int version = b[pos];
            if (version < 3 || version > 6) {
                return false;
            }
            pos += (int) length;
            count++;
        }
        return count > 0;
    }

    private static long readUnsigned(byte[] b, int pos, int size) {
        long value = 0;
        for (int i = 0; i < size; i++) {
            value = (value << 8) | (b[pos + i] & 0xff);
        }
        return value;
    }

    private static boolean isArmoredPgp(byte[] bytes) {
        return startsWithArmor(bytes, ARMOR_ANY);
    }

    private static boolean startsWithArmor(byte[] bytes, String armor) {
        int start = 0;
        if (bytes.length >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB && (bytes[2] & 0xff) == 0xBF) {
            start = 3; // UTF-8 byte-order mark
        }
        while (start < bytes.length && (bytes[start] == ' ' || bytes[start] == '\t' || bytes[start] == '\r'
                || bytes[start] == '\n')) {
            start++;
        }
        byte[] expected = armor.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length - start < expected.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (bytes[start + i] != expected[i]) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- raw

    private SignatureOutcome verifyRaw(Call call, byte[] signature) throws IOException {
        Optional<byte[]> decoded = decodeBase64Text(signature);
        byte[] raw = decoded.orElse(signature);
        String form = decoded.isPresent() ? "base64 " : "";

        boolean der = isDerEcdsa(raw);
        List<PublicKey> ecKeys = new ArrayList<>();
        List<PublicKey> edKeys = new ArrayList<>();
        List<RSAPublicKey> rsaKeys = new ArrayList<>();
        for (PublicKey key : trust.rawKeys()) {
            if (key instanceof ECPublicKey && der) {
                ecKeys.add(key);
            } else if (key instanceof RSAPublicKey rsa && raw.length == (rsa.getModulus().bitLength() + 7) / 8) {
                rsaKeys.add(rsa);
            } else if (Pem.isEd25519(key) && raw.length == 64) {
                edKeys.add(key);
            }
        }
        if (ecKeys.isEmpty() && edKeys.isEmpty() && rsaKeys.isEmpty()) {
            // Decided from the signature alone: the caller drains the content.
            return call.invalid(describeUnmatched(raw, form, der));
        }

        // One pass over the file: SHA-256 comes from the caller, larger digests only when a key needs them.
        MessageDigest sha384 = needsCurve(ecKeys, "P-384") ? digest("SHA-384") : null;
        MessageDigest sha512 = needsCurve(ecKeys, "P-521") ? digest("SHA-512") : null;
        byte[] buffer = new byte[CHUNK];
        int n;
        while ((n = call.content.read(buffer)) != -1) {
            if (sha384 != null) {
                sha384.update(buffer, 0, n);
            }
            if (sha512 != null) {
                sha512.update(buffer, 0, n);
            }
        }
        byte[] sha256 = call.sha256();

        byte[] digest384 = sha384 == null ? null : sha384.digest();
        byte[] digest512 = sha512 == null ? null : sha512.digest();
        for (PublicKey key : ecKeys) {
            String curve = Pem.curveName(key);
            byte[] digest = switch (curve) {
                case "P-256" -> sha256;
                case "P-384" -> digest384;
                default -> digest512;
            };
            // ECDSA signs the hash of the message, so NONEwithECDSA over the digest equals SHAxxxwithECDSA over
            // the file; this spares a second pass over the file.
            if (verifyJca("NONEwithECDSA", key, digest, raw)) {
                String algorithm = switch (curve) {
                    case "P-256" -> "SHA256withECDSA";
                    case "P-384" -> "SHA384withECDSA";
                    default -> "SHA512withECDSA";
                };
                return call.valid(SignatureKind.RAW_ECDSA, key, algorithm);
            }
        }
        for (PublicKey key : edKeys) {
            if (verifyJca("Ed25519", key, sha256, raw)) {
                return call.valid(SignatureKind.RAW_ED25519_DIGEST, key, "Ed25519/SHA-256-digest");
            }
        }
        for (RSAPublicKey key : rsaKeys) {
            if (verifyPss(key, sha256, raw)) {
                return call.valid(SignatureKind.RAW_RSA_PSS, key, "RSASSA-PSS/SHA-256");
            }
        }
        for (RSAPublicKey key : rsaKeys) {
            if (isPkcs1v15(key, raw)) {
                return call.invalid("is an RSA PKCS#1 v1.5 signature; only RSA-PSS is accepted "
                        + "(openssl dgst -sha256 -sigopt rsa_padding_mode:pss)");
            }
        }
        return call.invalid("is a " + form + describeShape(raw, der) + "; no trusted key verified it (tried "
                + (ecKeys.size() + edKeys.size() + rsaKeys.size()) + " key(s) of a matching type)");
    }

    private static boolean needsCurve(List<PublicKey> keys, String curve) {
        for (PublicKey key : keys) {
            if (Pem.curveName(key).equals(curve)) {
                return true;
            }
        }
        return false;
    }

    private String describeUnmatched(byte[] raw, String form, boolean der) {
        if (!trust.hasRawKeys()) {
            return "is neither a well-formed OpenPGP signature nor usable as a raw signature: no raw public key "
                    + "is trusted";
        }
        return "is a " + form + describeShape(raw, der) + " and no trusted raw key of a matching type and size "
                + "exists, so no trusted key verified it";
    }

    private static String describeShape(byte[] raw, boolean der) {
        if (der) {
            return "DER ECDSA signature";
        }
        if (raw.length == 64) {
            return "64-byte (Ed25519-sized) signature";
        }
        if (raw.length > 0 && (raw[0] & 0x80) != 0 && raw.length < 64) {
            return raw.length + "-byte blob (not a recognised signature; truncated OpenPGP?)";
        }
        return raw.length + "-byte blob (not a recognised signature form)";
    }

    private static boolean verifyJca(String algorithm, PublicKey key, byte[] message, byte[] signature) {
        try {
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(key);
            verifier.update(message);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false; // a malformed signature is a failed signature
        }
    }

    private static boolean verifyPss(RSAPublicKey key, byte[] sha256, byte[] signature) {
        int emBits = key.getModulus().bitLength() - 1;
        int emLength = (emBits + 7) / 8;
        // OpenSSL 3 signs with the maximum salt by default; rsa_pss_saltlen:digest gives 32.
        int[] saltLengths = {SHA256_BYTES, emLength - SHA256_BYTES - 2};
        for (int saltLength : saltLengths) {
            if (saltLength < 0) {
                continue;
            }
            try {
                PSSSigner signer = PSSSigner.createRawSigner(new RSAEngine(), new SHA256Digest(), new SHA256Digest(),
                        saltLength, PSS_TRAILER);
                signer.init(false, new RSAKeyParameters(false, key.getModulus(), key.getPublicExponent()));
                signer.update(sha256, 0, sha256.length);
                if (signer.verifySignature(signature)) {
                    return true;
                }
            } catch (RuntimeException e) {
                // malformed: try the next salt length, then fail
            }
        }
        return false;
    }

    /** Whether the RSA public operation yields PKCS#1 v1.5 padding; only used to explain a refusal. */
    private static boolean isPkcs1v15(RSAPublicKey key, byte[] signature) {
        try {
            BigInteger s = new BigInteger(1, signature);
            if (s.compareTo(key.getModulus()) >= 0) {
                return false;
            }
            byte[] em = s.modPow(key.getPublicExponent(), key.getModulus()).toByteArray();
            // BigInteger drops the leading 0x00: a v1.5 block then starts 0x01 0xFF 0xFF.
            return em.length >= 3 && em[0] == 0x01 && em[1] == (byte) 0xFF && em[2] == (byte) 0xFF;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Strict DER: SEQUENCE of two positive INTEGERs, minimally encoded, nothing after it. */
    static boolean isDerEcdsa(byte[] raw) {
        if (raw.length < 8 || raw.length > 160 || raw[0] != 0x30) {
            return false;
        }
        try {
            ASN1Primitive primitive = ASN1Primitive.fromByteArray(raw);
            if (!(primitive instanceof ASN1Sequence sequence) || sequence.size() != 2) {
                return false;
            }
            for (int i = 0; i < 2; i++) {
                if (!(sequence.getObjectAt(i) instanceof ASN1Integer integer) || integer.getValue().signum() <= 0) {
                    return false;
                }
            }
            return java.util.Arrays.equals(sequence.getEncoded(ASN1Encoding.DER), raw);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Decodes base64 text as {@code openssl base64} writes it (lines of 64, LF or CRLF); empty if it is not. */
    static Optional<byte[]> decodeBase64Text(byte[] bytes) {
        int significant = 0;
        for (byte b : bytes) {
            boolean alphabet = (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9')
                    || b == '+' || b == '/' || b == '=';
            if (alphabet) {
                significant++;
            } else if (b != '\n' && b != '\r' && b != ' ' && b != '\t') {
                return Optional.empty();
            }
        }
        if (significant < 4) {
            return Optional.empty();
        }
        StringBuilder compact = new StringBuilder(significant);
        for (byte b : bytes) {
            if (b != '\n' && b != '\r' && b != ' ' && b != '\t') {
                compact.append((char) b);
            }
        }
        try {
            byte[] decoded = Base64.getDecoder().decode(compact.toString());
            return decoded.length == 0 ? Optional.empty() : Optional.of(decoded);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no " + algorithm, e);
        }
    }

    // ---------------------------------------------------------------- per-call state

    /** What one call needs; confined to the calling thread. */
    private static final class Call {
        final String name;
        final GuardedContent content;
        final Supplier<byte[]> sha256AfterEof;
        final String covers;

        Call(String name, GuardedContent content, Supplier<byte[]> sha256AfterEof, String covers) {
            this.name = name;
            this.content = content;
            this.sha256AfterEof = sha256AfterEof;
            this.covers = covers;
        }

        byte[] sha256() {
            byte[] digest;
            try {
                digest = sha256AfterEof.get();
            } catch (RuntimeException e) {
                content.recordFailure(e); // the caller's failure, not the signature's
                throw e;
            }
            if (digest == null || digest.length != SHA256_BYTES) {
                IllegalStateException wrong = new IllegalStateException(
                        "sha256AfterEof did not return a 32-byte SHA-256 digest");
                content.recordFailure(wrong);
                throw wrong;
            }
            return digest.clone();
        }

        Rejection invalidRejection(String what) {
            return Rejection.of(RejectionCode.SIGNATURE_INVALID, "signature " + name + " " + what, Location.NONE);
        }

        SignatureOutcome invalid(String what) {
            return SignatureOutcome.refused(invalidRejection(what));
        }

        SignatureOutcome valid(SignatureKind kind, PublicKey key, String algorithm) {
            return SignatureOutcome.valid(new SignatureInfo(kind, Pem.fingerprint(key), algorithm, covers));
        }
    }

    /**
     * Passes the caller's content through, but remembers any exception it throws, so that a failure of the
     * content stream (an I/O error, or the caller's own rejection) is never mistaken for a bad signature.
     */
    private static final class GuardedContent extends FilterInputStream {
        private RuntimeException runtimeFailure;
        private IOException ioFailure;

        GuardedContent(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                ioFailure = e;
                throw e;
            } catch (RuntimeException e) {
                runtimeFailure = e;
                throw e;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                ioFailure = e;
                throw e;
            } catch (RuntimeException e) {
                runtimeFailure = e;
                throw e;
            }
        }

        @Override
        public long skip(long n) throws IOException {
            // Skipping would bypass the caller's hashing; read instead.
            byte[] sink = new byte[(int) Math.min(CHUNK, Math.max(n, 0))];
            long skipped = 0;
            while (skipped < n) {
                int r = read(sink, 0, (int) Math.min(sink.length, n - skipped));
                if (r < 0) {
                    break;
                }
                skipped += r;
            }
            return skipped;
        }

        @Override
        public void close() {
            // The caller owns the stream and drains it.
        }

        void recordFailure(RuntimeException e) {
            runtimeFailure = e;
        }

        void rethrowFailure() {
            if (runtimeFailure != null) {
                throw runtimeFailure;
            }
            if (ioFailure != null) {
                throw new UncheckedIOException(ioFailure);
            }
        }
    }
}
