package dev.safeload.internal.modelsigning;

import static dev.safeload.internal.modelsigning.StrictJson.invalid;

import dev.safeload.api.Location;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.SafeText;
import dev.safeload.internal.Reject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.ASN1UTF8String;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;

/**
 * Offline verification of a Sigstore keyless (Fulcio) model-signing bundle against a pinned
 * {@link SigstoreTrustedRoot}. {@link ModelSigningBundle} has already checked the DSSE signature with the leaf key;
 * this class checks that the leaf, and the signature, are vouched for. In this order:
 * <ol>
 *   <li>exactly one tlog entry, of kind {@code dsse} 0.0.1, whose body names this payload (SHA-256), this
 *       signature and this leaf certificate;</li>
 *   <li>its {@code integratedTime} lies within the leaf's validity;</li>
 *   <li>the leaf chains (PKIX, no revocation, at {@code integratedTime}) to a Fulcio CA of the root whose
 *       {@code validFor} covers that time; it allows digitalSignature and the codeSigning EKU;</li>
 *   <li>an embedded SCT verifies (RFC 6962 precertificate entry) with a CT log key of the root valid at the SCT's
 *       time;</li>
 *   <li>the Rekor key named by the entry's log id is in the root and valid at {@code integratedTime}; the signed
 *       entry timestamp verifies with it; the inclusion proof leads from the body's leaf hash to the proof's root;
 *       the checkpoint is signed by the same key and names that root and tree size;</li>
 *   <li>the leaf's SAN (email or URI) and OIDC issuer equal one allowed {@link KeylessIdentity}.</li>
 * </ol>
 * Malformed data is {@code SIGNATURE_INVALID}; anything that is well formed but not vouched for by the root or not
 * allowed by the identity policy is {@code UNTRUSTED_SIGNER}. RFC 3161 timestamps in the bundle are not used.
 */
final class Keyless {

    static final String SCT_OID = "1.3.6.1.4.1.11129.2.4.2";
    static final String ISSUER_V1_OID = "1.3.6.1.4.1.57264.1.1";
    static final String ISSUER_V2_OID = "1.3.6.1.4.1.57264.1.8";
    private static final int MAX_SCTS = 16;

    /** Who signed, once verified. */
    record Signer(String san, String issuer) {
    }

    private Keyless() {
    }

    static Signer verify(X509Certificate leaf, byte[] payload, byte[] signature, List<TlogEntry> entries,
            SigstoreTrustedRoot root, List<KeylessIdentity> allowed) {
        if (entries.isEmpty()) {
            throw untrusted("the keyless bundle has no transparency-log entry");
        }
        if (entries.size() > 1) {
            throw invalid("the keyless bundle holds " + entries.size() + " tlog entries; safeload requires exactly one");
        }
        TlogEntry entry = entries.get(0);
        requireBodyMatches(entry, leaf, payload, signature);

        Instant time = Instant.ofEpochSecond(entry.integratedTime());
        if (time.isBefore(leaf.getNotBefore().toInstant()) || time.isAfter(leaf.getNotAfter().toInstant())) {
            throw untrusted("the tlog integrated time " + time + " lies outside the signing certificate's validity ("
                    + leaf.getNotBefore().toInstant() + " to " + leaf.getNotAfter().toInstant() + ")");
        }
        X509Certificate issuer = requireChain(leaf, root, time);
        requireSct(leaf, issuer, root);
        requireLogged(entry, root, time);
        return requireIdentity(leaf, allowed);
    }

    // ---- 1. the entry names this envelope ----

    private static void requireBodyMatches(TlogEntry entry, X509Certificate leaf, byte[] payload, byte[] signature) {
        if (!entry.kind().equals("dsse") || !entry.version().equals("0.0.1")) {
            throw untrusted("the tlog entry is of kind " + SafeText.escape(entry.kind()) + " "
                    + SafeText.escape(entry.version()) + "; safeload verifies only dsse 0.0.1 entries");
        }
        Map<String, Object> body = StrictJson.readObject(entry.body(), "tlog entry body");
        StrictJson.onlyKeys(body, Set.of("apiVersion", "kind", "spec"), "the tlog entry body");
        if (!StrictJson.requiredString(body, "apiVersion", "the tlog entry body").equals("0.0.1")
                || !StrictJson.requiredString(body, "kind", "the tlog entry body").equals("dsse")) {
            throw untrusted("the tlog entry body is not a dsse 0.0.1 entry, unlike its kindVersion");
        }
        Map<String, Object> spec = StrictJson.requiredObject(body, "spec", "the tlog entry body");
        StrictJson.onlyKeys(spec, Set.of("envelopeHash", "payloadHash", "signatures"), "the tlog entry spec");
        // envelopeHash covers the envelope as the client serialized it, which cannot be reproduced; like the
        // reference clients, safeload checks the payload hash and the signature list instead.
        if (spec.containsKey("envelopeHash")) {
            hashObject(spec.get("envelopeHash"), "spec.envelopeHash");
        }
        String payloadHash = hashObject(StrictJson.required(spec, "payloadHash", "the tlog entry spec"),
                "spec.payloadHash");
        if (!payloadHash.equals(Crypto.hex(Crypto.sha256(payload)))) {
            throw untrusted("the tlog entry is for another payload (its payload hash differs)");
        }
        List<Object> signatures = StrictJson.array(StrictJson.required(spec, "signatures", "the tlog entry spec"),
                "spec.signatures");
        if (signatures.size() != 1) {
            throw untrusted("the tlog entry lists " + signatures.size() + " signatures; the bundle has one");
        }
        Map<String, Object> logged = StrictJson.object(signatures.get(0), "spec.signatures[0]");
        StrictJson.onlyKeys(logged, Set.of("signature", "verifier"), "spec.signatures[0]");
        byte[] loggedSignature = Crypto.base64(StrictJson.requiredString(logged, "signature", "spec.signatures[0]"))
                .orElseThrow(() -> invalid("spec.signatures[0].signature is not base64"));
        if (!Arrays.equals(loggedSignature, signature)) {
            throw untrusted("the tlog entry is for another signature");
        }
        byte[] pem = Crypto.base64(StrictJson.requiredString(logged, "verifier", "spec.signatures[0]"))
                .orElseThrow(() -> invalid("spec.signatures[0].verifier is not base64"));
        byte[] der;
        try {
            der = pemCertificate(new String(pem, StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw invalid("spec.signatures[0].verifier is not one PEM certificate");
        }
        try {
            if (!Arrays.equals(der, leaf.getEncoded())) {
                throw untrusted("the tlog entry names another signing certificate");
            }
        } catch (java.security.cert.CertificateEncodingException e) {
            throw invalid("the signing certificate cannot be encoded");
        }
    }

    private static String hashObject(Object value, String where) {
        Map<String, Object> hash = StrictJson.object(value, where);
        StrictJson.onlyKeys(hash, Set.of("algorithm", "value"), where);
        if (!StrictJson.requiredString(hash, "algorithm", where).equals("sha256")) {
            throw invalid(where + ".algorithm is not sha256");
        }
        String hex = StrictJson.requiredString(hash, "value", where);
        return Crypto.hex(Crypto.unhex(hex, 32).orElseThrow(() -> invalid(where + ".value is not 64 hex digits")));
    }

    private static byte[] pemCertificate(String pem) {
        String begin = "-----BEGIN CERTIFICATE-----";
        String end = "-----END CERTIFICATE-----";
        String trimmed = pem.strip();
        if (!trimmed.startsWith(begin) || !trimmed.endsWith(end) || trimmed.indexOf(begin, 1) >= 0) {
            throw new IllegalArgumentException("not one PEM certificate");
        }
        String body = trimmed.substring(begin.length(), trimmed.length() - end.length()).replaceAll("[\\r\\n]", "");
        return Base64.getDecoder().decode(body);
    }

    // ---- 3. the chain ----

    private static X509Certificate requireChain(X509Certificate leaf, SigstoreTrustedRoot root, Instant time) {
        String lastProblem = "no Fulcio certificate authority of the trusted root is valid at " + time;
        for (SigstoreTrustedRoot.CertificateAuthority ca : root.certificateAuthorities()) {
            if (!ca.validAt(time)) {
                continue;
            }
            List<X509Certificate> chain = ca.chain();
            List<X509Certificate> path = new ArrayList<>();
            path.add(leaf);
            path.addAll(chain.subList(0, chain.size() - 1));
            try {
                CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
                PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(chain.get(chain.size() - 1), null)));
                parameters.setRevocationEnabled(false);
                parameters.setDate(java.util.Date.from(time));
                CertPathValidator.getInstance("PKIX").validate(certPath, parameters);
            } catch (CertPathValidatorException | InvalidAlgorithmParameterException | CertificateException e) {
                lastProblem = "the signing certificate does not chain to a Fulcio CA of the trusted root at " + time
                        + ": " + SafeText.escape(String.valueOf(e.getMessage()));
                continue;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the JDK lacks PKIX validation", e);
            }
            boolean[] keyUsage = leaf.getKeyUsage();
            if (keyUsage == null || keyUsage.length == 0 || !keyUsage[0] || !ModelSigningBundle.hasCodeSigning(leaf)) {
                throw untrusted("the Fulcio certificate does not allow digitalSignature with the codeSigning "
                        + "extended key usage");
            }
            return chain.get(0);
        }
        throw untrusted(lastProblem);
    }

    // ---- 4. the embedded SCT ----

    private static void requireSct(X509Certificate leaf, X509Certificate issuer, SigstoreTrustedRoot root) {
        byte[] extension = leaf.getExtensionValue(SCT_OID);
        if (extension == null) {
            throw untrusted("the signing certificate carries no embedded SCT");
        }
        byte[] list;
        byte[] tbs;
        try {
            list = ASN1OctetString.getInstance(ASN1OctetString.getInstance(extension).getOctets()).getOctets();
            tbs = tbsWithoutSct(leaf.getTBSCertificate());
        } catch (IOException | CertificateException | RuntimeException e) {
            throw invalid("the signing certificate's SCT extension is malformed");
        }
        byte[] issuerKeyHash = Crypto.sha256(issuer.getPublicKey().getEncoded());
        Reader in = new Reader(list);
        Reader scts = in.sub(in.u16(), "SCT list");
        in.end("SCT list");
        String problem = "no embedded SCT is from a CT log of the trusted root";
        int count = 0;
        while (scts.remaining() > 0) {
            if (++count > MAX_SCTS) {
                throw invalid("the signing certificate embeds more than " + MAX_SCTS + " SCTs");
            }
            Reader sct = scts.sub(scts.u16(), "SCT");
            int version = sct.u8();
            byte[] logId = sct.bytes(32);
            long timestamp = sct.u64();
            byte[] extensions = sct.bytes(sct.u16());
            int hash = sct.u8();
            int algorithm = sct.u8();
            byte[] sig = sct.bytes(sct.u16());
            sct.end("SCT");
            if (version != 0) {
                problem = "an embedded SCT has the unsupported version " + version;
                continue;
            }
            Optional<SigstoreTrustedRoot.Log> log = SigstoreTrustedRoot.find(root.ctlogs(), Crypto.hex(logId));
            if (log.isEmpty()) {
                continue;
            }
            Instant when = Instant.ofEpochMilli(timestamp);
            if (!log.get().validAt(when)) {
                problem = "the CT log key of an embedded SCT is not valid at its time " + when;
                continue;
            }
            if (hash != 4 || algorithm != 3 || !log.get().signatureAlgorithm().equals("SHA256withECDSA")) {
                problem = "an embedded SCT is not ECDSA with SHA-256 under a P-256 CT log key";
                continue;
            }
            ByteArrayOutputStream signed = new ByteArrayOutputStream(tbs.length + 64);
            signed.write(0); // sct_version v1
            signed.write(0); // signature_type certificate_timestamp
            writeLong(signed, timestamp);
            signed.write(0);
            signed.write(1); // entry_type precert_entry
            signed.writeBytes(issuerKeyHash);
            signed.write(tbs.length >>> 16);
            signed.write(tbs.length >>> 8);
            signed.write(tbs.length);
            signed.writeBytes(tbs);
            signed.write(extensions.length >>> 8);
            signed.write(extensions.length);
            signed.writeBytes(extensions);
            if (verifies(log.get().key(), log.get().signatureAlgorithm(), signed.toByteArray(), sig)) {
                return;
            }
            problem = "the embedded SCT does not verify with the CT log key of the trusted root";
        }
        throw untrusted(problem);
    }

    /** The TBSCertificate, DER, with the SCT-list extension removed: the precertificate's TBS. */
    static byte[] tbsWithoutSct(byte[] tbsDer) throws IOException {
        ASN1Sequence tbs = ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(tbsDer));
        List<ASN1Encodable> out = new ArrayList<>();
        boolean found = false;
        for (ASN1Encodable element : tbs) {
            if (element instanceof ASN1TaggedObject tagged && tagged.getTagNo() == 3) {
                Extensions extensions = Extensions.getInstance(tagged, true);
                List<Extension> kept = new ArrayList<>();
                for (var oid : extensions.getExtensionOIDs()) {
                    if (oid.getId().equals(SCT_OID)) {
                        found = true;
                    } else {
                        kept.add(extensions.getExtension(oid));
                    }
                }
                out.add(new DERTaggedObject(true, 3, new Extensions(kept.toArray(new Extension[0]))));
            } else {
                out.add(element);
            }
        }
        if (!found) {
            throw new IOException("no SCT extension");
        }
        return new DERSequence(out.toArray(new ASN1Encodable[0])).getEncoded(ASN1Encoding.DER);
    }

    private static void writeLong(ByteArrayOutputStream out, long value) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.write((int) (value >>> shift));
        }
    }

    // ---- 5. the transparency log ----

    private static void requireLogged(TlogEntry entry, SigstoreTrustedRoot root, Instant time) {
        SigstoreTrustedRoot.Log log = SigstoreTrustedRoot.find(root.tlogs(), entry.logKeyId())
                .orElseThrow(() -> untrusted("the tlog entry is from a log the trusted root does not name (log id "
                        + entry.logKeyId() + ")"));
        if (!log.validAt(time)) {
            throw untrusted("the Rekor key of the trusted root is not valid at the integrated time " + time);
        }
        if (entry.signedEntryTimestamp() == null) {
            throw untrusted("the tlog entry has no signed entry timestamp, so its integrated time is not vouched "
                    + "for (RFC 3161 timestamps are not verified)");
        }
        String canonical = "{\"body\":\"" + Base64.getEncoder().encodeToString(entry.body())
                + "\",\"integratedTime\":" + entry.integratedTime() + ",\"logID\":\"" + entry.logKeyId()
                + "\",\"logIndex\":" + entry.logIndex() + "}";
        if (!verifies(log.key(), log.signatureAlgorithm(), canonical.getBytes(StandardCharsets.UTF_8),
                entry.signedEntryTimestamp())) {
            throw untrusted("the tlog entry's signed entry timestamp does not verify with the Rekor key");
        }
        TlogEntry.Proof proof = entry.proof();
        if (proof == null) {
            throw untrusted("the tlog entry has no inclusion proof");
        }
        byte[] leafHash = hash(new byte[] {0}, entry.body());
        if (!inclusionVerifies(leafHash, proof.logIndex(), proof.treeSize(), proof.hashes(), proof.rootHash())) {
            throw untrusted("the tlog entry's inclusion proof does not lead to its root hash");
        }
        requireCheckpoint(proof, log);
    }

    /** RFC 9162 section 2.1.3.2. */
    static boolean inclusionVerifies(byte[] leafHash, long index, long size, List<byte[]> path, byte[] root) {
        if (index < 0 || index >= size) {
            return false;
        }
        long fn = index;
        long sn = size - 1;
        byte[] r = leafHash;
        for (byte[] p : path) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = hash(new byte[] {1}, p, r);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>>= 1;
                        sn >>>= 1;
                    }
                }
            } else {
                r = hash(new byte[] {1}, r, p);
            }
            fn >>>= 1;
            sn >>>= 1;
        }
        return sn == 0 && MessageDigest.isEqual(r, root);
    }

    private static void requireCheckpoint(TlogEntry.Proof proof, SigstoreTrustedRoot.Log log) {
        String note = proof.checkpoint();
        int split = note.indexOf("\n\n");
        if (split < 0 || !note.endsWith("\n")) {
            throw invalid("the checkpoint is not a signed note");
        }
        String text = note.substring(0, split + 1);
        String[] lines = text.split("\n", -1);
        if (lines.length < 4) {
            throw invalid("the checkpoint lacks its origin, size or root hash");
        }
        long size;
        try {
            size = TlogEntry.int64(lines[1], "the checkpoint size");
        } catch (Reject e) {
            throw invalid("the checkpoint size is not a decimal integer");
        }
        byte[] rootHash = Crypto.base64(lines[2]).orElseThrow(() -> invalid("the checkpoint root hash is not base64"));
        if (size != proof.treeSize() || !Arrays.equals(rootHash, proof.rootHash())) {
            throw untrusted("the checkpoint names another tree than the inclusion proof");
        }
        byte[] hint = Arrays.copyOf(java.util.HexFormat.of().parseHex(log.keyId()), 4);
        byte[] signed = text.getBytes(StandardCharsets.UTF_8);
        String[] signatures = note.substring(split + 2, note.length() - 1).split("\n", -1);
        for (String line : signatures) {
            if (!line.startsWith("\u2014 ")) {
                throw invalid("the checkpoint has a malformed signature line");
            }
            int space = line.lastIndexOf(' ');
            byte[] bytes = Crypto.base64(line.substring(space + 1))
                    .orElseThrow(() -> invalid("the checkpoint signature is not base64"));
            if (bytes.length > 4 && Arrays.equals(Arrays.copyOf(bytes, 4), hint)
                    && verifies(log.key(), log.signatureAlgorithm(), signed, Arrays.copyOfRange(bytes, 4, bytes.length))) {
                return;
            }
        }
        throw untrusted("the checkpoint is not signed by the Rekor key of the trusted root");
    }

    // ---- 6. identity ----

    private static Signer requireIdentity(X509Certificate leaf, List<KeylessIdentity> allowed) {
        String issuer = issuer(leaf);
        List<String> sans = new ArrayList<>();
        try {
            Collection<List<?>> names = leaf.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> name : names) {
                    if ((Integer.valueOf(1).equals(name.get(0)) || Integer.valueOf(6).equals(name.get(0)))
                            && name.get(1) instanceof String s) {
                        sans.add(s);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            throw invalid("the signing certificate's subject alternative names are malformed");
        }
        if (sans.size() != 1) {
            throw untrusted("the Fulcio certificate has " + sans.size() + " email or URI SANs; exactly one is expected");
        }
        String san = sans.get(0);
        for (KeylessIdentity identity : allowed) {
            if (identity.san().equals(san) && identity.issuer().equals(issuer)) {
                return new Signer(san, issuer);
            }
        }
        throw untrusted("the keyless signer '" + SafeText.escape(san) + "' (issuer '" + SafeText.escape(issuer)
                + "') is not an allowed identity");
    }

    /** The OIDC issuer: the v2 extension (DER UTF8String), else the v1 extension (raw bytes); both must agree. */
    static String issuer(X509Certificate leaf) {
        String v1 = null;
        String v2 = null;
        try {
            byte[] raw = leaf.getExtensionValue(ISSUER_V1_OID);
            if (raw != null) {
                v1 = utf8(ASN1OctetString.getInstance(raw).getOctets());
            }
            raw = leaf.getExtensionValue(ISSUER_V2_OID);
            if (raw != null) {
                ASN1Primitive inner = ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(raw).getOctets());
                if (!(inner instanceof ASN1UTF8String)) {
                    throw invalid("the Fulcio issuer extension (v2) is not a UTF8String");
                }
                v2 = ((ASN1String) inner).getString();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof Reject reject) {
                throw reject;
            }
            throw invalid("the Fulcio issuer extension is malformed");
        }
        if (v1 == null && v2 == null) {
            throw untrusted("the signing certificate carries no Fulcio OIDC issuer extension");
        }
        if (v1 != null && v2 != null && !v1.equals(v2)) {
            throw untrusted("the signing certificate's two OIDC issuer extensions disagree");
        }
        return v2 != null ? v2 : v1;
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw invalid("the Fulcio issuer extension (v1) is not UTF-8");
        }
    }

    // ---- helpers ----

    private static boolean verifies(PublicKey key, String algorithm, byte[] data, byte[] sig) {
        if (algorithm.endsWith("withECDSA") && !Crypto.isStrictDerEcdsa(sig)) {
            return false;
        }
        try {
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(key);
            verifier.update(data);
            return verifier.verify(sig);
        } catch (java.security.SignatureException | java.security.InvalidKeyException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks " + algorithm, e);
        }
    }

    private static byte[] hash(byte[]... parts) {
        MessageDigest digest = Crypto.newSha256();
        for (byte[] part : parts) {
            digest.update(part);
        }
        return digest.digest();
    }

    static Reject untrusted(String message) {
        return Reject.of(RejectionCode.UNTRUSTED_SIGNER, message, Location.NONE);
    }

    /** A bounds-checked reader of TLS-encoded structures; running short is {@code SIGNATURE_INVALID}. */
    private static final class Reader {
        private final byte[] data;
        private int pos;
        private final int limit;

        Reader(byte[] data) {
            this(data, 0, data.length);
        }

        private Reader(byte[] data, int pos, int limit) {
            this.data = data;
            this.pos = pos;
            this.limit = limit;
        }

        int remaining() {
            return limit - pos;
        }

        private void need(int n) {
            if (n < 0 || n > remaining()) {
                throw invalid("the signing certificate's SCT list is truncated");
            }
        }

        int u8() {
            need(1);
            return data[pos++] & 0xff;
        }

        int u16() {
            return (u8() << 8) | u8();
        }

        long u64() {
            long value = 0;
            for (int i = 0; i < 8; i++) {
                value = (value << 8) | u8();
            }
            return value;
        }

        byte[] bytes(int n) {
            need(n);
            byte[] out = Arrays.copyOfRange(data, pos, pos + n);
            pos += n;
            return out;
        }

        Reader sub(int n, String what) {
            need(n);
            Reader sub = new Reader(data, pos, pos + n);
            pos += n;
            return sub;
        }

        void end(String what) {
            if (pos != limit) {
                throw invalid("the " + what + " has trailing bytes");
            }
        }
    }
}
