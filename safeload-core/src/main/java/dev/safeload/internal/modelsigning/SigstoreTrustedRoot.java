package dev.safeload.internal.modelsigning;

import static dev.safeload.internal.modelsigning.StrictJson.array;
import static dev.safeload.internal.modelsigning.StrictJson.object;
import static dev.safeload.internal.modelsigning.StrictJson.onlyKeys;
import static dev.safeload.internal.modelsigning.StrictJson.requiredObject;
import static dev.safeload.internal.modelsigning.StrictJson.requiredString;

import dev.safeload.api.SafeText;
import dev.safeload.internal.Reject;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A Sigstore trusted root ({@code trusted_root.json}, media type {@value #MEDIA_TYPE}) that the user pins: the
 * Fulcio certificate authorities, the Rekor transparency-log keys and the certificate-transparency log keys against
 * which keyless model-signing bundles are verified offline.
 *
 * <h2>What is read</h2>
 * <ul>
 *   <li>Top level: {@code mediaType} (exactly {@value #MEDIA_TYPE}), {@code certificateAuthorities},
 *       {@code tlogs}, {@code ctlogs}, {@code timestampAuthorities}; any other field is refused.</li>
 *   <li>{@code certificateAuthorities[]}: {@code certChain.certificates[].rawBytes} (DER, issuing certificate
 *       first, root last, 1 to {@value ModelSigningBundle#MAX_CHAIN}) and {@code validFor.start} (required) /
 *       {@code end} (optional). {@code subject}, {@code uri} and {@code operator} are read as informational.</li>
 *   <li>{@code tlogs[]} and {@code ctlogs[]}: {@code publicKey.rawBytes} (DER SubjectPublicKeyInfo),
 *       {@code publicKey.keyDetails} (one of {@code PKIX_ECDSA_P256_SHA_256}, {@code PKIX_ECDSA_P384_SHA_384},
 *       {@code PKIX_ECDSA_P521_SHA_512}, {@code PKIX_ED25519}), {@code publicKey.validFor},
 *       {@code logId.keyId} (32 bytes). {@code baseUrl}, {@code hashAlgorithm} ({@code SHA2_256} only),
 *       {@code checkpointKeyId} and {@code operator} are read and not used.</li>
 *   <li>{@code timestampAuthorities}: must be an array and is <b>ignored</b>: safeload does not verify RFC 3161
 *       timestamps; it takes the signing time from the Rekor signed entry timestamp.</li>
 * </ul>
 * A malformed or unsupported root is an {@link IllegalArgumentException}: it is configuration, read when the loader
 * is built. No network, no TUF: the caller is responsible for the freshness of the file it pins.
 *
 * <p>Immutable and thread-safe.
 */
public final class SigstoreTrustedRoot {

    /** The media type accepted. */
    public static final String MEDIA_TYPE = "application/vnd.dev.sigstore.trustedroot+json;version=0.1";

    private static final Set<String> LOG_KEYS = Set.of("baseUrl", "hashAlgorithm", "publicKey", "logId",
            "checkpointKeyId", "operator");

    /**
     * A Fulcio certificate authority.
     *
     * @param chain the CA certificates, issuing certificate first, self-signed root last; never empty
     * @param start the start of the validity the root assigns
     * @param end the end of that validity, if bounded
     */
    public record CertificateAuthority(List<X509Certificate> chain, Instant start, Optional<Instant> end) {

        /** {@return whether {@code time} lies in {@code [start, end]}} */
        public boolean validAt(Instant time) {
            return !time.isBefore(start) && end.map(e -> !time.isAfter(e)).orElse(true);
        }
    }

    /**
     * A transparency log (Rekor) or a certificate-transparency log.
     *
     * @param keyId the log id as lower-case hex (the {@code logId.keyId}, 32 bytes)
     * @param key the log's public key
     * @param signatureAlgorithm the JCA algorithm its signatures use, for example {@code SHA256withECDSA}
     * @param start the start of the key's validity
     * @param end the end of the key's validity, if bounded
     */
    public record Log(String keyId, PublicKey key, String signatureAlgorithm, Instant start, Optional<Instant> end) {

        /** {@return whether {@code time} lies in {@code [start, end]}} */
        public boolean validAt(Instant time) {
            return !time.isBefore(start) && end.map(e -> !time.isAfter(e)).orElse(true);
        }
    }

    private final List<CertificateAuthority> certificateAuthorities;
    private final List<Log> tlogs;
    private final List<Log> ctlogs;

    private SigstoreTrustedRoot(List<CertificateAuthority> certificateAuthorities, List<Log> tlogs, List<Log> ctlogs) {
        this.certificateAuthorities = certificateAuthorities;
        this.tlogs = tlogs;
        this.ctlogs = ctlogs;
    }

    /**
     * Parses a trusted root.
     *
     * @param json the file's bytes, UTF-8 JSON; never {@code null}
     * @return the root
     * @throws IllegalArgumentException if the file is not a well-formed, supported trusted root, or if it names no
     *     certificate authority, no transparency log or no certificate-transparency log (such a root could never
     *     verify a keyless bundle)
     */
    public static SigstoreTrustedRoot parse(byte[] json) {
        Objects.requireNonNull(json, "json");
        try {
            return read(json);
        } catch (Reject e) {
            throw new IllegalArgumentException("the Sigstore trusted root is malformed: " + e.getMessage());
        }
    }

    private static SigstoreTrustedRoot read(byte[] json) {
        Map<String, Object> top = StrictJson.readObject(json, "trusted root");
        onlyKeys(top, Set.of("mediaType", "certificateAuthorities", "tlogs", "ctlogs", "timestampAuthorities"),
                "the trusted root");
        String mediaType = requiredString(top, "mediaType", "the trusted root");
        if (!mediaType.equals(MEDIA_TYPE)) {
            throw StrictJson.invalid("its mediaType is '" + SafeText.escape(mediaType) + "', not " + MEDIA_TYPE);
        }
        if (top.containsKey("timestampAuthorities")) {
            array(top.get("timestampAuthorities"), "timestampAuthorities");
        }
        List<CertificateAuthority> cas = new ArrayList<>();
        List<Object> caEntries = array(StrictJson.required(top, "certificateAuthorities", "the trusted root"),
                "certificateAuthorities");
        for (int i = 0; i < caEntries.size(); i++) {
            cas.add(authority(object(caEntries.get(i), "certificateAuthorities[" + i + "]"),
                    "certificateAuthorities[" + i + "]"));
        }
        List<Log> tlogs = logs(top, "tlogs");
        List<Log> ctlogs = logs(top, "ctlogs");
        if (cas.isEmpty() || tlogs.isEmpty() || ctlogs.isEmpty()) {
            throw StrictJson.invalid("it needs at least one certificate authority, one tlog and one ctlog; it has "
                    + cas.size() + ", " + tlogs.size() + " and " + ctlogs.size());
        }
        return new SigstoreTrustedRoot(List.copyOf(cas), tlogs, ctlogs);
    }

    private static CertificateAuthority authority(Map<String, Object> ca, String where) {
        onlyKeys(ca, Set.of("subject", "uri", "certChain", "validFor", "operator"), where);
        if (ca.containsKey("subject")) {
            Map<String, Object> subject = object(ca.get("subject"), where + ".subject");
            onlyKeys(subject, Set.of("organization", "commonName"), where + ".subject");
            for (Object value : subject.values()) {
                StrictJson.string(value, where + ".subject");
            }
        }
        optionalString(ca, "uri", where);
        optionalString(ca, "operator", where);
        Map<String, Object> certChain = requiredObject(ca, "certChain", where);
        onlyKeys(certChain, Set.of("certificates"), where + ".certChain");
        List<Object> entries = array(StrictJson.required(certChain, "certificates", where + ".certChain"),
                where + ".certChain.certificates");
        if (entries.isEmpty() || entries.size() > ModelSigningBundle.MAX_CHAIN) {
            throw StrictJson.invalid(where + " holds " + entries.size() + " certificates; 1 to "
                    + ModelSigningBundle.MAX_CHAIN + " are accepted");
        }
        List<X509Certificate> chain = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            String at = where + ".certChain.certificates[" + i + "]";
            Map<String, Object> entry = object(entries.get(i), at);
            onlyKeys(entry, Set.of("rawBytes"), at);
            chain.add(certificate(base64(requiredString(entry, "rawBytes", at), at + ".rawBytes"), at));
        }
        X509Certificate root = chain.get(chain.size() - 1);
        if (!root.getSubjectX500Principal().equals(root.getIssuerX500Principal())) {
            throw StrictJson.invalid(where + " does not end in a self-signed root certificate");
        }
        Map<String, Object> validFor = requiredObject(ca, "validFor", where);
        return new CertificateAuthority(List.copyOf(chain), start(validFor, where), end(validFor, where));
    }

    private static List<Log> logs(Map<String, Object> top, String field) {
        List<Object> entries = array(StrictJson.required(top, field, "the trusted root"), field);
        List<Log> logs = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            String where = field + "[" + i + "]";
            Map<String, Object> log = object(entries.get(i), where);
            onlyKeys(log, LOG_KEYS, where);
            optionalString(log, "baseUrl", where);
            optionalString(log, "operator", where);
            if (log.containsKey("hashAlgorithm")
                    && !StrictJson.string(log.get("hashAlgorithm"), where + ".hashAlgorithm").equals("SHA2_256")) {
                throw StrictJson.invalid(where + ".hashAlgorithm is not SHA2_256");
            }
            if (log.containsKey("checkpointKeyId")) {
                Map<String, Object> checkpointKeyId = object(log.get("checkpointKeyId"), where + ".checkpointKeyId");
                onlyKeys(checkpointKeyId, Set.of("keyId"), where + ".checkpointKeyId");
            }
            Map<String, Object> publicKey = requiredObject(log, "publicKey", where);
            onlyKeys(publicKey, Set.of("rawBytes", "keyDetails", "validFor"), where + ".publicKey");
            String details = requiredString(publicKey, "keyDetails", where + ".publicKey");
            byte[] spki = base64(requiredString(publicKey, "rawBytes", where + ".publicKey"),
                    where + ".publicKey.rawBytes");
            String[] algorithms = switch (details) {
                case "PKIX_ECDSA_P256_SHA_256" -> new String[] {"EC", "SHA256withECDSA", "secp256r1"};
                case "PKIX_ECDSA_P384_SHA_384" -> new String[] {"EC", "SHA384withECDSA", "secp384r1"};
                case "PKIX_ECDSA_P521_SHA_512" -> new String[] {"EC", "SHA512withECDSA", "secp521r1"};
                case "PKIX_ED25519" -> new String[] {"Ed25519", "Ed25519", null};
                default -> throw StrictJson.invalid(where + ".publicKey.keyDetails '" + SafeText.escape(details)
                        + "' is not supported");
            };
            PublicKey key = publicKey(spki, algorithms[0], where);
            if (algorithms[2] != null && (!Crypto.Curve.of(key).map(c -> c.jdkName).orElse("").equals(algorithms[2])
                    || !Crypto.onCurve((java.security.interfaces.ECPublicKey) key))) {
                throw StrictJson.invalid(where + ".publicKey is not a point on the curve its keyDetails names");
            }
            Map<String, Object> validFor = requiredObject(publicKey, "validFor", where + ".publicKey");
            Map<String, Object> logId = requiredObject(log, "logId", where);
            onlyKeys(logId, Set.of("keyId"), where + ".logId");
            byte[] keyId = base64(requiredString(logId, "keyId", where + ".logId"), where + ".logId.keyId");
            if (keyId.length != 32) {
                throw StrictJson.invalid(where + ".logId.keyId is " + keyId.length + " bytes, not 32");
            }
            logs.add(new Log(Crypto.hex(keyId), key, algorithms[1], start(validFor, where + ".publicKey"),
                    end(validFor, where + ".publicKey")));
        }
        return List.copyOf(logs);
    }

    private static void optionalString(Map<String, Object> map, String key, String where) {
        if (map.containsKey(key)) {
            StrictJson.string(map.get(key), where + "." + key);
        }
    }

    private static Instant start(Map<String, Object> validFor, String where) {
        onlyKeys(validFor, Set.of("start", "end"), where + ".validFor");
        return instant(requiredString(validFor, "start", where + ".validFor"), where + ".validFor.start");
    }

    private static Optional<Instant> end(Map<String, Object> validFor, String where) {
        if (!validFor.containsKey("end")) {
            return Optional.empty();
        }
        Instant end = instant(StrictJson.string(validFor.get("end"), where + ".validFor.end"), where + ".validFor.end");
        if (end.isBefore(start(validFor, where))) {
            throw StrictJson.invalid(where + ".validFor ends before it starts");
        }
        return Optional.of(end);
    }

    private static Instant instant(String text, String where) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw StrictJson.invalid(where + " is not an RFC 3339 UTC time");
        }
    }

    private static byte[] base64(String text, String where) {
        return Crypto.base64(text).orElseThrow(() -> StrictJson.invalid(where + " is not base64"));
    }

    private static PublicKey publicKey(byte[] spki, String algorithm, String where) {
        try {
            PublicKey key = KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(spki));
            if (!Arrays.equals(key.getEncoded(), spki)) {
                throw StrictJson.invalid(where + ".publicKey.rawBytes is not exactly one DER SubjectPublicKeyInfo");
            }
            return key;
        } catch (GeneralSecurityException | RuntimeException e) {
            if (e instanceof Reject reject) {
                throw reject;
            }
            throw StrictJson.invalid(where + ".publicKey.rawBytes is not a valid " + algorithm + " public key");
        }
    }

    private static X509Certificate certificate(byte[] der, String where) {
        if (der.length == 0 || der[0] != 0x30) {
            throw StrictJson.invalid(where + " is not a DER certificate");
        }
        try {
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
            if (!Arrays.equals(cert.getEncoded(), der)) {
                throw StrictJson.invalid(where + " is not exactly one DER certificate");
            }
            return cert;
        } catch (CertificateException | RuntimeException e) {
            if (e instanceof Reject reject) {
                throw reject;
            }
            throw StrictJson.invalid(where + " is not a valid X.509 certificate");
        }
    }

    /** {@return the Fulcio certificate authorities, in file order} */
    public List<CertificateAuthority> certificateAuthorities() {
        return certificateAuthorities;
    }

    /** {@return the Rekor transparency logs, in file order} */
    public List<Log> tlogs() {
        return tlogs;
    }

    /** {@return the certificate-transparency logs, in file order} */
    public List<Log> ctlogs() {
        return ctlogs;
    }

    /** {@return the log among {@code logs} whose id is {@code keyIdHex}, if any} */
    static Optional<Log> find(List<Log> logs, String keyIdHex) {
        return logs.stream().filter(log -> log.keyId().equals(keyIdHex)).findFirst();
    }

    @Override
    public String toString() {
        return "SigstoreTrustedRoot[" + certificateAuthorities.size() + " CA(s), " + tlogs.size() + " tlog(s), "
                + ctlogs.size() + " ctlog(s)]";
    }
}
