package dev.safeload.internal.modelsigning;

import static dev.safeload.internal.modelsigning.StrictJson.array;
import static dev.safeload.internal.modelsigning.StrictJson.invalid;
import static dev.safeload.internal.modelsigning.StrictJson.object;
import static dev.safeload.internal.modelsigning.StrictJson.onlyKeys;
import static dev.safeload.internal.modelsigning.StrictJson.requiredObject;
import static dev.safeload.internal.modelsigning.StrictJson.requiredString;

import dev.safeload.api.Location;
import dev.safeload.api.Provenance;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.SafeText;
import dev.safeload.internal.Reject;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.DSAKey;
import java.security.interfaces.RSAKey;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXCertPathValidatorResult;
import java.security.cert.PKIXParameters;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/**
 * An OpenSSF model-signing signature file ({@code model.sig}): a Sigstore bundle v0.3 in JSON holding a DSSE
 * envelope over an in-toto statement. {@link #parse(byte[])} reads it strictly; {@link #verify(ModelSigningTrust)}
 * checks the signature against configured trust and returns the signed statement.
 *
 * <h2>What is accepted</h2>
 * <ul>
 *   <li>Top level: exactly {@code mediaType} ({@value #MEDIA_TYPE}), {@code verificationMaterial},
 *       {@code dsseEnvelope}; anything else (such as {@code messageSignature}) is refused.</li>
 *   <li>{@code verificationMaterial}: exactly one of {@code publicKey} (key method; {@code hint} optional;
 *       the pre-1.1 {@code rawBytes} and {@code keyDetails} are read as strings and never used, so a key embedded
 *       in the bundle is never trusted), {@code x509CertificateChain} (certificate method; 1 to
 *       {@value #MAX_CHAIN} DER certificates, leaf first) or {@code certificate} (keyless: one DER certificate).
 *       {@code tlogEntries} must be an array; for keyless bundles each entry is read strictly
 *       ({@code logIndex}, {@code logId.keyId}, {@code kindVersion}, {@code integratedTime},
 *       {@code inclusionPromise.signedEntryTimestamp}, {@code inclusionProof} with {@code checkpoint.envelope},
 *       {@code canonicalizedBody}); for the other methods it is not used. {@code timestampVerificationData} must be
 *       an object and is never used (RFC 3161 timestamps are not verified).</li>
 *   <li>{@code dsseEnvelope}: {@code payload} and each {@code sig} in standard or URL-safe base64 (canonical,
 *       padding optional); {@code payloadType} {@value #PAYLOAD_TYPE}; <b>exactly one</b> signature. The reference
 *       verifier reads only {@code signatures[0]}; an envelope with more entries is refused rather than verified on
 *       one of them, so two verifiers can never disagree on which signature counted. {@code keyid} is ignored.</li>
 * </ul>
 * Anything else is a {@code SIGNATURE_INVALID} {@link Reject}; no other exception escapes for any input.
 *
 * <p>Immutable and thread-safe.
 */
public final class ModelSigningBundle {

    /** The Sigstore bundle media type the reference writes and requires. */
    public static final String MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";
    /** The DSSE payload type of an in-toto statement. */
    public static final String PAYLOAD_TYPE = "application/vnd.in-toto+json";
    /** The longest certificate chain read. */
    public static final int MAX_CHAIN = 10;
    /** The most tlog entries read from a keyless bundle (exactly one is then required to verify). */
    public static final int MAX_TLOG_ENTRIES = 8;

    static final String KEYLESS_MESSAGE = "keyless Sigstore bundles need a pinned Sigstore trusted root and at "
            + "least one allowed keyless identity (SAN and OIDC issuer); none is configured";

    private static final String CODE_SIGNING = "1.3.6.1.5.5.7.3.3";

    /**
     * Signature algorithms accepted on certificates of a chain: SHA-2 RSA (PKCS#1 v1.5 and PSS), SHA-2 ECDSA,
     * EdDSA. MD5 and SHA-1 are refused in any role.
     */
    private static final Set<String> CERT_SIGNATURE_OIDS = Set.of(
            "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13", "1.2.840.113549.1.1.10",
            "1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4", "1.3.101.112", "1.3.101.113");

    /** How the bundle says it was signed. */
    public enum Method {
        /** A public key, optionally named by a hint. */
        KEY,
        /** An X.509 certificate chain. */
        CERTIFICATE,
        /** A Sigstore keyless (Fulcio) certificate with transparency-log entries. */
        KEYLESS
    }

    private final Method method;
    private final String hint;
    private final List<X509Certificate> chain;
    private final byte[] payload;
    private final byte[] signature;
    private final List<TlogEntry> tlogEntries;

    private ModelSigningBundle(Method method, String hint, List<X509Certificate> chain, byte[] payload,
            byte[] signature, List<TlogEntry> tlogEntries) {
        this.method = method;
        this.hint = hint;
        this.chain = chain;
        this.payload = payload;
        this.signature = signature;
        this.tlogEntries = tlogEntries;
    }

    /**
     * Parses a bundle.
     *
     * @param json the file's bytes; never {@code null}
     * @return the bundle, not yet verified
     * @throws Reject {@code SIGNATURE_INVALID} for any malformed, oversized or unsupported bundle
     */
    public static ModelSigningBundle parse(byte[] json) {
        Objects.requireNonNull(json, "json");
        Map<String, Object> top = StrictJson.readObject(json, "bundle");
        if (top.containsKey("messageSignature")) {
            throw invalid("the bundle holds a messageSignature; model signing uses a DSSE envelope");
        }
        onlyKeys(top, Set.of("mediaType", "verificationMaterial", "dsseEnvelope"), "the bundle");
        String mediaType = requiredString(top, "mediaType", "the bundle");
        if (!mediaType.equals(MEDIA_TYPE)) {
            throw invalid("the bundle's mediaType is '" + SafeText.escape(mediaType) + "', not " + MEDIA_TYPE);
        }

        Map<String, Object> material = requiredObject(top, "verificationMaterial", "the bundle");
        onlyKeys(material, Set.of("publicKey", "x509CertificateChain", "certificate", "tlogEntries",
                "timestampVerificationData"), "verificationMaterial");
        int kinds = (material.containsKey("publicKey") ? 1 : 0) + (material.containsKey("x509CertificateChain") ? 1 : 0)
                + (material.containsKey("certificate") ? 1 : 0);
        if (kinds != 1) {
            throw invalid("verificationMaterial must hold exactly one of publicKey, x509CertificateChain and "
                    + "certificate; it holds " + kinds);
        }
        List<Object> rawEntries = List.of();
        if (material.containsKey("tlogEntries")) {
            rawEntries = array(material.get("tlogEntries"), "verificationMaterial.tlogEntries");
        }
        if (material.containsKey("timestampVerificationData")) {
            object(material.get("timestampVerificationData"), "verificationMaterial.timestampVerificationData");
        }
        Method method;
        String hint = null;
        List<X509Certificate> chain = List.of();
        List<TlogEntry> tlogEntries = List.of();
        if (material.containsKey("publicKey")) {
            method = Method.KEY;
            hint = hint(object(material.get("publicKey"), "verificationMaterial.publicKey"));
        } else if (material.containsKey("x509CertificateChain")) {
            method = Method.CERTIFICATE;
            chain = chain(object(material.get("x509CertificateChain"), "verificationMaterial.x509CertificateChain"));
        } else {
            method = Method.KEYLESS;
            Map<String, Object> certificate = object(material.get("certificate"), "verificationMaterial.certificate");
            onlyKeys(certificate, Set.of("rawBytes"), "verificationMaterial.certificate");
            byte[] der = Crypto.base64(requiredString(certificate, "rawBytes", "verificationMaterial.certificate"))
                    .orElseThrow(() -> invalid("verificationMaterial.certificate.rawBytes is not base64"));
            chain = List.of(certificate(der, "verificationMaterial.certificate"));
            if (rawEntries.size() > MAX_TLOG_ENTRIES) {
                throw invalid("verificationMaterial.tlogEntries holds " + rawEntries.size() + " entries, more than "
                        + MAX_TLOG_ENTRIES);
            }
            List<TlogEntry> entries = new ArrayList<>();
            for (int i = 0; i < rawEntries.size(); i++) {
                String where = "verificationMaterial.tlogEntries[" + i + "]";
                entries.add(TlogEntry.parse(object(rawEntries.get(i), where), where));
            }
            tlogEntries = List.copyOf(entries);
        }

        Map<String, Object> envelope = requiredObject(top, "dsseEnvelope", "the bundle");
        onlyKeys(envelope, Set.of("payload", "payloadType", "signatures"), "dsseEnvelope");
        String payloadType = requiredString(envelope, "payloadType", "dsseEnvelope");
        if (!payloadType.equals(PAYLOAD_TYPE)) {
            throw invalid("dsseEnvelope.payloadType is '" + SafeText.escape(payloadType) + "', not " + PAYLOAD_TYPE);
        }
        byte[] payload = Crypto.base64(requiredString(envelope, "payload", "dsseEnvelope"))
                .orElseThrow(() -> invalid("dsseEnvelope.payload is not base64"));
        List<Object> signatures = array(StrictJson.required(envelope, "signatures", "dsseEnvelope"),
                "dsseEnvelope.signatures");
        if (signatures.size() != 1) {
            throw invalid("dsseEnvelope holds " + signatures.size() + " signatures; safeload requires exactly one");
        }
        Map<String, Object> entry = object(signatures.get(0), "dsseEnvelope.signatures[0]");
        onlyKeys(entry, Set.of("sig", "keyid"), "dsseEnvelope.signatures[0]");
        Object keyid = entry.get("keyid");
        if (keyid != null && keyid != StrictJson.NULL && !(keyid instanceof String)) {
            throw invalid("dsseEnvelope.signatures[0].keyid is neither a string nor null");
        }
        byte[] signature = Crypto.base64(requiredString(entry, "sig", "dsseEnvelope.signatures[0]"))
                .orElseThrow(() -> invalid("dsseEnvelope.signatures[0].sig is not base64"));
        return new ModelSigningBundle(method, hint, chain, payload, signature, tlogEntries);
    }

    private static String hint(Map<String, Object> publicKey) {
        onlyKeys(publicKey, Set.of("hint", "rawBytes", "keyDetails"), "verificationMaterial.publicKey");
        for (String ignored : List.of("rawBytes", "keyDetails")) {
            if (publicKey.containsKey(ignored)) {
                StrictJson.string(publicKey.get(ignored), "verificationMaterial.publicKey." + ignored);
            }
        }
        if (!publicKey.containsKey("hint")) {
            return null;
        }
        String hint = StrictJson.string(publicKey.get("hint"), "verificationMaterial.publicKey.hint");
        byte[] bytes = Crypto.unhex(hint, 32)
                .orElseThrow(() -> invalid("verificationMaterial.publicKey.hint is not 64 hex digits"));
        return Crypto.hex(bytes);
    }

    private static List<X509Certificate> chain(Map<String, Object> chainObject) {
        onlyKeys(chainObject, Set.of("certificates"), "verificationMaterial.x509CertificateChain");
        List<Object> entries = array(StrictJson.required(chainObject, "certificates",
                "verificationMaterial.x509CertificateChain"), "x509CertificateChain.certificates");
        if (entries.isEmpty() || entries.size() > MAX_CHAIN) {
            throw invalid("x509CertificateChain holds " + entries.size() + " certificates; 1 to " + MAX_CHAIN
                    + " are accepted");
        }
        List<X509Certificate> chain = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            String where = "x509CertificateChain.certificates[" + i + "]";
            Map<String, Object> entry = object(entries.get(i), where);
            onlyKeys(entry, Set.of("rawBytes"), where);
            byte[] der = Crypto.base64(requiredString(entry, "rawBytes", where))
                    .orElseThrow(() -> invalid(where + ".rawBytes is not base64"));
            chain.add(certificate(der, where));
        }
        return List.copyOf(chain);
    }

    /** Parses one DER certificate, exactly: no PEM, nothing after it, re-encoding to the same bytes. */
    private static X509Certificate certificate(byte[] der, String where) {
        if (der.length == 0 || der[0] != 0x30) {
            throw invalid(where + " is not a DER certificate");
        }
        try {
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
            if (!Arrays.equals(cert.getEncoded(), der)) {
                throw invalid(where + " is not exactly one DER certificate");
            }
            return cert;
        } catch (CertificateException | RuntimeException e) {
            if (e instanceof Reject reject) {
                throw reject;
            }
            throw invalid(where + " is not a valid X.509 certificate");
        }
    }

    /** {@return how the bundle says it was signed} */
    public Method method() {
        return method;
    }

    /** {@return the public-key hint (lower-case hex SHA-256 of the key's PEM), if the bundle has one} */
    public Optional<String> hint() {
        return Optional.ofNullable(hint);
    }

    /** {@return the certificate chain, leaf first; for KEYLESS the Fulcio leaf alone; empty for KEY} */
    public List<X509Certificate> certificateChain() {
        return chain;
    }

    /** {@return a copy of the decoded DSSE payload: the exact bytes the signature covers} */
    public byte[] payload() {
        return payload.clone();
    }

    /** {@return a copy of the decoded DSSE signature} */
    public byte[] signature() {
        return signature.clone();
    }

    /**
     * Verifies the bundle's signature against a trust, then reads the signed statement.
     *
     * <ul>
     *   <li>KEY: if the bundle has a hint, only configured keys whose canonical PEM hashes to it are tried, and a
     *       hint that matches none is {@code UNTRUSTED_SIGNER}; otherwise every configured key is tried. No key
     *       verifying is {@code SIGNATURE_INVALID}.</li>
     *   <li>CERTIFICATE: the leaf's key must verify the signature ({@code SIGNATURE_INVALID} otherwise); then the
     *       chain must lead to a configured anchor under PKIX at the leaf's {@code notBefore} with revocation off,
     *       with SHA-2 or EdDSA signatures and no RSA key under 2048 bits or DSA key; the leaf must allow
     *       digitalSignature (or, without KeyUsage, the codeSigning EKU); and its identity must be allowed. Each
     *       of these failures is {@code UNTRUSTED_SIGNER}.</li>
     *   <li>KEYLESS: without a {@link SigstoreTrustedRoot} in the trust, {@code UNTRUSTED_SIGNER}:
 *       {@value #KEYLESS_MESSAGE}. Otherwise the leaf's key (EC P-256/P-384/P-521) must verify the signature
 *       ({@code SIGNATURE_INVALID} otherwise), then everything {@link Keyless} lists is checked offline against
 *       the root: tlog body, integrated time within the leaf's validity, Fulcio chain, embedded SCT, signed entry
 *       timestamp, inclusion proof and checkpoint, SAN and OIDC issuer against the allowed identities.</li>
     * </ul>
     * The signature is ECDSA in strict DER over the DSSE PAE of the decoded payload, with the hash the curve
     * dictates (P-256 SHA-256, P-384 SHA-384, P-521 SHA-512). The statement is then read as {@link Statement}
     * describes; any problem with it is {@code SIGNATURE_INVALID}.
     *
     * @param trust the configured keys and anchors; never {@code null}
     * @return the verified statement
     * @throws Reject {@code SIGNATURE_INVALID} or {@code UNTRUSTED_SIGNER}
     */
    public VerifiedStatement verify(ModelSigningTrust trust) {
        Objects.requireNonNull(trust, "trust");
        if (!Crypto.isStrictDerEcdsa(signature)
                && (method != Method.KEYLESS || trust.sigstoreRoot().isPresent())) {
            throw invalid("the DSSE signature is not a DER-encoded ECDSA signature");
        }
        Provenance.SignatureKind kind;
        String signer;
        String algorithm;
        switch (method) {
            case KEY -> {
                PublicKey key = verifyWithKeys(trust);
                kind = Provenance.SignatureKind.MODEL_SIGNING_KEY;
                signer = Crypto.fingerprint(key);
                algorithm = Crypto.Curve.of(key).orElseThrow().signatureAlgorithm;
            }
            case CERTIFICATE -> {
                X509Certificate leaf = verifyWithChain(trust);
                kind = Provenance.SignatureKind.MODEL_SIGNING_CERTIFICATE;
                signer = leaf.getSubjectX500Principal().getName(X500Principal.RFC2253);
                algorithm = Crypto.Curve.of(leaf.getPublicKey()).orElseThrow().signatureAlgorithm;
            }
            default -> {
                if (trust.sigstoreRoot().isEmpty() || trust.keylessIdentities().isEmpty()) {
                    throw untrusted(KEYLESS_MESSAGE);
                }
                X509Certificate leaf = chain.get(0);
                Optional<Crypto.Curve> curve = Crypto.Curve.of(leaf.getPublicKey());
                if (curve.isEmpty()) {
                    throw invalid("the Fulcio certificate's key is not EC on P-256, P-384 or P-521");
                }
                if (!signatureVerifies(leaf.getPublicKey())) {
                    throw invalid("the DSSE signature does not verify with the Fulcio certificate's key");
                }
                Keyless.Signer keyless = Keyless.verify(leaf, payload, signature, tlogEntries,
                        trust.sigstoreRoot().get(), trust.keylessIdentities());
                kind = Provenance.SignatureKind.MODEL_SIGNING_KEYLESS;
                signer = SafeText.escape(keyless.san()) + " (issuer " + SafeText.escape(keyless.issuer()) + ")";
                algorithm = curve.get().signatureAlgorithm;
            }
        }
        Statement statement = Statement.parse(payload);
        String covers = statement.singleFile() ? SafeText.escape(statement.subjectName()) : "model directory";
        return new VerifiedStatement(statement, new Provenance.SignatureInfo(kind, signer, algorithm, covers));
    }

    private PublicKey verifyWithKeys(ModelSigningTrust trust) {
        if (trust.keys().isEmpty()) {
            throw untrusted("the bundle is signed with a public key, but no model-signing key is configured");
        }
        List<PublicKey> candidates = new ArrayList<>();
        for (PublicKey key : trust.keys()) {
            if (hint == null || hint.equals(Crypto.hex(Crypto.sha256(
                    Crypto.canonicalPem(key).getBytes(java.nio.charset.StandardCharsets.US_ASCII))))) {
                candidates.add(key);
            }
        }
        if (candidates.isEmpty()) {
            throw untrusted("the bundle's key hint " + hint + " names none of the configured keys");
        }
        for (PublicKey key : candidates) {
            if (signatureVerifies(key)) {
                return key;
            }
        }
        throw invalid("the DSSE signature does not verify with " + (hint == null ? "any configured key"
                : "the configured key its hint names"));
    }

    private X509Certificate verifyWithChain(ModelSigningTrust trust) {
        if (trust.anchors().isEmpty()) {
            throw untrusted("the bundle is signed with a certificate, but no model-signing trust anchor is configured");
        }
        X509Certificate leaf = chain.get(0);
        if (Crypto.Curve.of(leaf.getPublicKey()).isEmpty()) {
            throw invalid("the signing certificate's key is not EC on P-256, P-384 or P-521");
        }
        if (!signatureVerifies(leaf.getPublicKey())) {
            throw invalid("the DSSE signature does not verify with the signing certificate's key");
        }
        List<X509Certificate> path = new ArrayList<>(chain);
        while (path.size() > 1 && trust.isAnchor(path.get(path.size() - 1))) {
            path.remove(path.size() - 1);
        }
        for (X509Certificate cert : path) {
            if (!CERT_SIGNATURE_OIDS.contains(cert.getSigAlgOID())) {
                throw untrusted("a certificate in the chain is signed with the refused algorithm "
                        + SafeText.escape(cert.getSigAlgName()));
            }
            requireStrongKey(cert.getPublicKey());
        }
        try {
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
            PKIXParameters parameters = new PKIXParameters(trust.trustAnchors());
            parameters.setRevocationEnabled(false);
            parameters.setDate(leaf.getNotBefore());
            PKIXCertPathValidatorResult result =
                    (PKIXCertPathValidatorResult) CertPathValidator.getInstance("PKIX").validate(certPath, parameters);
            X509Certificate anchor = result.getTrustAnchor().getTrustedCert();
            requireStrongKey(anchor != null ? anchor.getPublicKey() : result.getTrustAnchor().getCAPublicKey());
        } catch (CertPathValidatorException e) {
            throw untrusted("the signing certificate does not chain to a configured trust anchor: "
                    + SafeText.escape(String.valueOf(e.getMessage())));
        } catch (InvalidAlgorithmParameterException | CertificateException e) {
            throw untrusted("the certificate chain cannot be validated: " + SafeText.escape(String.valueOf(e.getMessage())));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks PKIX validation", e);
        }
        boolean[] keyUsage = leaf.getKeyUsage();
        if (keyUsage != null ? keyUsage.length == 0 || !keyUsage[0] : !hasCodeSigning(leaf)) {
            throw untrusted("the signing certificate cannot be used for signing (no KeyUsage digitalSignature, "
                    + "or without KeyUsage no codeSigning extended key usage)");
        }
        if (!trust.allowedIdentities().isEmpty() && !identityAllowed(leaf, trust.allowedIdentities())) {
            throw untrusted("the signing certificate's identity '" + SafeText.escape(
                    leaf.getSubjectX500Principal().getName(X500Principal.RFC2253)) + "' is not allowed");
        }
        return leaf;
    }

    private static void requireStrongKey(PublicKey key) {
        if (key instanceof DSAKey) {
            throw untrusted("the certificate chain uses a DSA key");
        }
        if (key instanceof RSAKey rsa && rsa.getModulus().bitLength() < 2048) {
            throw untrusted("the certificate chain uses an RSA key of " + rsa.getModulus().bitLength() + " bits");
        }
    }

    /** Whether the certificate carries the codeSigning extended key usage (unparseable counts as no). */
    static boolean hasCodeSigning(X509Certificate leaf) {
        try {
            List<String> usages = leaf.getExtendedKeyUsage();
            return usages != null && usages.contains(CODE_SIGNING);
        } catch (CertificateParsingException e) {
            return false;
        }
    }

    private static boolean identityAllowed(X509Certificate leaf, Set<String> allowed) {
        if (allowed.contains(leaf.getSubjectX500Principal().getName(X500Principal.RFC2253))) {
            return true;
        }
        try {
            Collection<List<?>> names = leaf.getSubjectAlternativeNames();
            if (names == null) {
                return false;
            }
            for (List<?> name : names) {
                Object type = name.get(0);
                Object value = name.get(1);
                if ((Integer.valueOf(1).equals(type) || Integer.valueOf(6).equals(type)) && value instanceof String s
                        && allowed.contains(s)) {
                    return true;
                }
            }
            return false;
        } catch (CertificateParsingException e) {
            return false;
        }
    }

    private boolean signatureVerifies(PublicKey key) {
        Optional<Crypto.Curve> curve = Crypto.Curve.of(key);
        if (curve.isEmpty()) {
            return false;
        }
        try {
            Signature verifier = Signature.getInstance(curve.get().signatureAlgorithm);
            verifier.initVerify(key);
            verifier.update(Crypto.pae(PAYLOAD_TYPE, payload));
            return verifier.verify(signature);
        } catch (java.security.SignatureException | java.security.InvalidKeyException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks " + curve.get().signatureAlgorithm, e);
        }
    }

    private static Reject untrusted(String message) {
        return Reject.of(RejectionCode.UNTRUSTED_SIGNER, message, Location.NONE);
    }

    @Override
    public String toString() {
        return "ModelSigningBundle[" + method + ", " + payload.length + "-byte payload]";
    }
}
