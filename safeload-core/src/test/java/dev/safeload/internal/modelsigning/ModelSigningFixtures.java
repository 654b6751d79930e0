package dev.safeload.internal.modelsigning;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.Blake2bDigest;
import org.bouncycastle.crypto.digests.Blake3Digest;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A generator of signed model fixtures that follows the OpenSSF model-signing format (v1.0 predicate, Sigstore
 * bundle v0.3, DSSE), independently of the code under test: it writes the statement JSON and the bundle as text,
 * signs the PAE with JDK {@code SHA*withECDSA} (DER), and builds certificates with bcpkix. Bouncy Castle is passed
 * as an explicit provider instance to the content signer and never registered with the JVM.
 */
final class ModelSigningFixtures {

    static final String MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";
    static final String PAYLOAD_TYPE = "application/vnd.in-toto+json";
    static final String PREDICATE_V1 = "https://model_signing/signature/v1.0";

    private static final BouncyCastleProvider BC = new BouncyCastleProvider();
    private static final AtomicLong SERIAL = new AtomicLong(1000);

    private ModelSigningFixtures() {
    }

    static KeyPair ecKeyPair(String curve) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec(curve));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String signatureAlgorithm(PublicKey key) {
        int bits = ((ECPublicKey) key).getParams().getOrder().bitLength();
        return bits <= 256 ? "SHA256withECDSA" : bits <= 384 ? "SHA384withECDSA" : "SHA512withECDSA";
    }

    static byte[] pae(String type, byte[] body) {
        byte[] t = type.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("DSSEv1 " + t.length + " " + type + " " + body.length + " ").getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[head.length + body.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(body, 0, out, head.length, body.length);
        return out;
    }

    static byte[] sign(PrivateKey key, String algorithm, byte[] payload) {
        try {
            Signature signature = Signature.getInstance(algorithm);
            signature.initSign(key);
            signature.update(pae(PAYLOAD_TYPE, payload));
            return signature.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(PublicKey key) {
        return "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    static String hint(PublicKey key) {
        return hex(digest("sha256", pem(key).getBytes(StandardCharsets.US_ASCII), 0, -1));
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    static byte[] digest(String hashType, byte[] data, int start, int end) {
        int to = end < 0 ? data.length : end;
        if (hashType.equals("sha256")) {
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                sha.update(data, start, to - start);
                return sha.digest();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
        Digest digest = hashType.equals("blake2b") ? new Blake2bDigest(512) : new Blake3Digest(256);
        digest.update(data, start, to - start);
        byte[] out = new byte[digest.getDigestSize()];
        digest.doFinal(out, 0);
        return out;
    }

    /** A model and the statement that signs it, editable before it is written and signed. */
    static final class Model {
        final TreeMap<String, byte[]> files = new TreeMap<>();
        String method = "files";
        String hashType = "sha256";
        long shardSize = 8;
        String shardSizeJson; // when set, written verbatim (for example "8.0")
        List<String> ignorePaths = List.of("model.sig", ".git");
        boolean allowSymlinks;
        String predicateType = PREDICATE_V1;
        String subjectName = "model";
        String extraPredicateFields = "";
        /** Edits the resource list ([name, algorithm, hex digest]) after it is computed and before the root is. */
        UnaryOperator<List<String[]>> editResources = UnaryOperator.identity();
        /** Replaces the root digest, when set. */
        String rootOverride;

        static Model directory() {
            Model model = new Model();
            model.files.put("config.json", "{\"hidden\": 8}\n".getBytes(StandardCharsets.UTF_8));
            model.files.put("weights/part-1.bin", "0123456789abcdefghijklmnopqrstuvwxyz".getBytes(StandardCharsets.UTF_8));
            model.files.put("weights/part-2.bin", "tail".getBytes(StandardCharsets.UTF_8));
            return model;
        }

        Model with(String name, String content) {
            files.put(name, content.getBytes(StandardCharsets.UTF_8));
            return this;
        }

        List<String[]> resources() {
            List<String[]> resources = new ArrayList<>();
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                byte[] data = file.getValue();
                if (method.equals("files")) {
                    resources.add(new String[] {file.getKey(), hashType, hex(digest(hashType, data, 0, -1))});
                } else {
                    for (long start = 0; start < data.length; start += shardSize) {
                        int end = (int) Math.min(data.length, start + shardSize);
                        resources.add(new String[] {file.getKey() + ":" + start + ":" + end,
                                hashType + "-sharded-" + shardSize, hex(digest(hashType, data, (int) start, end))});
                    }
                }
            }
            // The signer sorts by name; for shards, numerically by offsets (the TreeMap order plus start order).
            return editResources.apply(resources);
        }

        String statementJson() {
            List<String[]> resources = resources();
            byte[] root;
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                for (String[] r : resources) {
                    sha.update(HexFormat.of().parseHex(r[2]));
                }
                root = sha.digest();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
            StringBuilder json = new StringBuilder();
            json.append("{\n  \"_type\": \"https://in-toto.io/Statement/v1\",\n  \"subject\": [{\"name\": \"")
                    .append(subjectName).append("\", \"digest\": {\"sha256\": \"")
                    .append(rootOverride != null ? rootOverride : hex(root)).append("\"}}],\n")
                    .append("  \"predicateType\": \"").append(predicateType).append("\",\n")
                    .append("  \"predicate\": {").append(extraPredicateFields)
                    .append("\"serialization\": {\"method\": \"").append(method)
                    .append("\", \"hash_type\": \"").append(hashType)
                    .append("\", \"allow_symlinks\": ").append(allowSymlinks);
            if (method.equals("shards")) {
                json.append(", \"shard_size\": ").append(shardSizeJson != null ? shardSizeJson : String.valueOf(shardSize));
            }
            if (!ignorePaths.isEmpty()) {
                json.append(", \"ignore_paths\": [");
                for (int i = 0; i < ignorePaths.size(); i++) {
                    json.append(i == 0 ? "\"" : ", \"").append(ignorePaths.get(i)).append('"');
                }
                json.append(']');
            }
            json.append("},\n    \"resources\": [");
            for (int i = 0; i < resources.size(); i++) {
                String[] r = resources.get(i);
                json.append(i == 0 ? "\n" : ",\n").append("      {\"name\": \"").append(r[0])
                        .append("\", \"algorithm\": \"").append(r[1]).append("\", \"digest\": \"").append(r[2]).append("\"}");
            }
            return json.append("]}}\n").toString();
        }

        /** Writes the model's files under {@code dir} (for a single-file model, the one file named "."). */
        Path writeTo(Path dir) {
            try {
                for (Map.Entry<String, byte[]> file : files.entrySet()) {
                    Path target = dir.resolve(file.getKey());
                    Files.createDirectories(target.getParent());
                    Files.write(target, file.getValue());
                }
                return dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The parts of a bundle, written as JSON text by {@link #json()}; each part can be replaced for a test. */
    static final class Bundle {
        String mediaType = MEDIA_TYPE;
        String payloadType = PAYLOAD_TYPE;
        byte[] payload;
        byte[] signature;
        String verificationMaterial;
        boolean urlSafe;
        /** Extra entries appended to signatures[], as JSON text. */
        String extraSignatures = "";
        String extraTopLevel = "";

        static Bundle withKey(Model model, KeyPair key, boolean hint) {
            return withKey(model.statementJson().getBytes(StandardCharsets.UTF_8), key, hint);
        }

        static Bundle withKey(byte[] payload, KeyPair key, boolean hint) {
            Bundle bundle = new Bundle();
            bundle.payload = payload;
            bundle.signature = sign(key.getPrivate(), signatureAlgorithm(key.getPublic()), payload);
            bundle.verificationMaterial = hint
                    ? "{\"publicKey\": {\"hint\": \"" + hint(key.getPublic()) + "\"}, \"tlogEntries\": []}"
                    : "{\"publicKey\": {}, \"tlogEntries\": []}";
            return bundle;
        }

        static Bundle withChain(Model model, PrivateKey key, List<X509Certificate> chain) {
            Bundle bundle = new Bundle();
            bundle.payload = model.statementJson().getBytes(StandardCharsets.UTF_8);
            bundle.signature = sign(key, signatureAlgorithm(chain.get(0).getPublicKey()), bundle.payload);
            StringBuilder material = new StringBuilder("{\"x509CertificateChain\": {\"certificates\": [");
            for (int i = 0; i < chain.size(); i++) {
                try {
                    material.append(i == 0 ? "" : ", ").append("{\"rawBytes\": \"")
                            .append(Base64.getEncoder().encodeToString(chain.get(i).getEncoded())).append("\"}");
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException(e);
                }
            }
            bundle.verificationMaterial = material.append("]}, \"tlogEntries\": []}").toString();
            return bundle;
        }

        Bundle resign(KeyPair key) {
            signature = sign(key.getPrivate(), signatureAlgorithm(key.getPublic()), payload);
            return this;
        }

        String json() {
            Base64.Encoder encoder = urlSafe ? Base64.getUrlEncoder() : Base64.getEncoder();
            return "{\"mediaType\": \"" + mediaType + "\", \"verificationMaterial\": " + verificationMaterial + ", "
                    + "\"dsseEnvelope\": {\"payload\": \"" + encoder.encodeToString(payload) + "\", \"payloadType\": \""
                    + payloadType + "\", \"signatures\": [{\"sig\": \"" + encoder.encodeToString(signature)
                    + "\", \"keyid\": \"\"}" + extraSignatures + "]}" + extraTopLevel + "}";
        }

        byte[] bytes() {
            return json().getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Replaces the payload of a bundle's JSON text with an edited one, leaving the signature unchanged. */
    static byte[] editPayload(byte[] bundleJson, UnaryOperator<String> edit) {
        String json = new String(bundleJson, StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("\"payload\"\\s*:\\s*\"([^\"]+)\"").matcher(json);
        if (!m.find()) {
            throw new IllegalArgumentException("no payload");
        }
        String payload = new String(Base64.getDecoder().decode(m.group(1)), StandardCharsets.UTF_8);
        String encoded = Base64.getEncoder().encodeToString(edit.apply(payload).getBytes(StandardCharsets.UTF_8));
        return (json.substring(0, m.start(1)) + encoded + json.substring(m.end(1))).getBytes(StandardCharsets.UTF_8);
    }

    /** A certificate authority for fixtures: an EC P-256 key and a self-signed root, or an intermediate. */
    record Ca(KeyPair key, X509Certificate certificate) {

        static Ca create(String dn) {
            return create(dn, ecKeyPair("secp256r1"), "SHA256withECDSA");
        }

        static Ca create(String dn, KeyPair key, String algorithm) {
            return new Ca(key, build(dn, key.getPublic(), dn, key.getPrivate(), algorithm, true,
                    KeyUsage.keyCertSign | KeyUsage.cRLSign, false, null, -1, 3650));
        }

        Ca intermediate(String dn) {
            KeyPair child = ecKeyPair("secp256r1");
            return new Ca(child, build(dn, child.getPublic(), subject(), key.getPrivate(), "SHA256withECDSA", true,
                    KeyUsage.keyCertSign | KeyUsage.cRLSign, false, null, -1, 3650));
        }

        /**
         * Issues a signing leaf.
         *
         * @param keyUsage KeyUsage bits, or -1 for no KeyUsage extension
         * @param codeSigning whether to add the codeSigning EKU
         * @param san a SAN email (contains '@') or URI, or null
         */
        X509Certificate leaf(String dn, PublicKey leafKey, int keyUsage, boolean codeSigning, String san,
                String algorithm, long daysBefore, long days) {
            return build(dn, leafKey, subject(), key.getPrivate(), algorithm, false, keyUsage, codeSigning, san,
                    daysBefore, days);
        }

        X509Certificate leaf(String dn, PublicKey leafKey) {
            return leaf(dn, leafKey, KeyUsage.digitalSignature, true, null, "SHA256withECDSA", 1, 365);
        }

        String subject() {
            return certificate.getSubjectX500Principal().getName();
        }

        private static X509Certificate build(String dn, PublicKey subjectKey, String issuerDn, PrivateKey issuerKey,
                String algorithm, boolean ca, int keyUsage, boolean codeSigning, String san, long daysBefore,
                long days) {
            try {
                long now = System.currentTimeMillis();
                long start = now - Math.max(daysBefore, 1) * 86_400_000L;
                X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name(issuerDn),
                        BigInteger.valueOf(SERIAL.incrementAndGet()), new Date(start),
                        new Date(start + days * 86_400_000L), new X500Name(dn), subjectKey);
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
                if (keyUsage >= 0) {
                    builder.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
                }
                if (codeSigning) {
                    builder.addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(KeyPurposeId.id_kp_codeSigning));
                }
                if (san != null) {
                    int type = san.contains("@") ? GeneralName.rfc822Name : GeneralName.uniformResourceIdentifier;
                    builder.addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(new GeneralName(type, san)));
                }
                return new JcaX509CertificateConverter().getCertificate(
                        builder.build(new JcaContentSignerBuilder(algorithm).setProvider(BC).build(issuerKey)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
