package dev.safeload.internal.signing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads public keys and certificates from PEM text given as configuration, and refuses weak keys there.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Every returned key is RSA of at least {@value #MIN_RSA_BITS} bits, ECDSA on P-256, P-384 or P-521
 *       (named curve), or Ed25519. DSA, Ed448, other curves and explicit curve parameters are refused.</li>
 *   <li>Malformed, empty or unexpected input is an {@link IllegalArgumentException} with a message that
 *       names the problem but never echoes the PEM's content.</li>
 *   <li>Stateless and thread-safe; uses only the JDK's default providers and Bouncy Castle's parser classes
 *       (no provider is registered).</li>
 * </ul>
 */
public final class Pem {

    /** The smallest RSA modulus accepted, in bits. */
    public static final int MIN_RSA_BITS = 2048;

    // A PEM configuration file is small; anything bigger is a mistake, not a keyring.
    private static final int MAX_PEM_BYTES = 1 << 20;

    private static final Map<ASN1ObjectIdentifier, String> CURVES = Map.of(
            SECObjectIdentifiers.secp256r1, "P-256",
            SECObjectIdentifiers.secp384r1, "P-384",
            SECObjectIdentifiers.secp521r1, "P-521");

    private Pem() {
    }

    /**
     * Parses every public key in PEM text ({@code BEGIN PUBLIC KEY} or {@code BEGIN RSA PUBLIC KEY}).
     * {@code EC PARAMETERS} blocks and text outside the blocks are skipped.
     *
     * @param pem the PEM text; never {@code null}
     * @return the keys in file order; never empty
     * @throws IllegalArgumentException if the text is malformed, holds no public key, holds a certificate or
     *     private key, or a key is of a refused type or size
     */
    public static List<PublicKey> publicKeys(byte[] pem) {
        List<PublicKey> keys = new ArrayList<>();
        int index = 0;
        for (Object object : objects(pem)) {
            index++;
            if (object instanceof ASN1ObjectIdentifier) {
                continue; // EC PARAMETERS, as openssl ecparam writes before the key
            }
            if (object instanceof SubjectPublicKeyInfo info) {
                keys.add(toPublicKey(info, "PEM block " + index));
            } else if (object instanceof X509CertificateHolder) {
                throw new IllegalArgumentException("PEM block " + index
                        + " is a certificate; configure certificates as certificates, not as public keys");
            } else if (object instanceof PEMKeyPair || object instanceof PEMEncryptedKeyPair
                    || object instanceof PrivateKeyInfo || object instanceof PKCS8EncryptedPrivateKeyInfo) {
                throw new IllegalArgumentException("PEM block " + index
                        + " is a private key; configure only the public key (openssl pkey -pubout)");
            } else {
                throw new IllegalArgumentException("PEM block " + index + " is not a public key");
            }
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("no public key found in the PEM text");
        }
        return List.copyOf(keys);
    }

    /**
     * Parses every certificate in PEM text ({@code BEGIN CERTIFICATE}), refusing weak certificate keys.
     *
     * @param pem the PEM text; never {@code null}
     * @return the certificates in file order; never empty
     * @throws IllegalArgumentException if the text is malformed, holds no certificate, holds anything other
     *     than certificates, or a certificate's key is of a refused type or size
     */
    public static List<X509Certificate> certificates(byte[] pem) {
        List<X509Certificate> certificates = new ArrayList<>();
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
        }
        int index = 0;
        for (Object object : objects(pem)) {
            index++;
            if (!(object instanceof X509CertificateHolder holder)) {
                throw new IllegalArgumentException("PEM block " + index + " is not a certificate");
            }
            try {
                X509Certificate certificate = (X509Certificate) factory.generateCertificate(
                        new ByteArrayInputStream(holder.getEncoded()));
                checkKey(certificate.getPublicKey(), "certificate in PEM block " + index);
                certificates.add(certificate);
            } catch (CertificateException | IOException e) {
                throw new IllegalArgumentException("PEM block " + index + " is not a valid X.509 certificate");
            }
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("no certificate found in the PEM text");
        }
        return List.copyOf(certificates);
    }

    /**
     * {@return the lower-case hex SHA-256 of the key's DER SubjectPublicKeyInfo}, the form
     * {@code openssl pkey -pubin -outform DER | sha256sum} prints.
     *
     * @param key an X.509-encodable public key; never {@code null}
     */
    public static String fingerprint(PublicKey key) {
        byte[] der = Objects.requireNonNull(key, "key").getEncoded();
        if (der == null || !"X.509".equals(key.getFormat())) {
            throw new IllegalArgumentException("the key has no X.509 (SubjectPublicKeyInfo) encoding");
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /**
     * Checks that a key is of an accepted type and size.
     *
     * @throws IllegalArgumentException naming {@code what} if it is not
     */
    static void checkKey(PublicKey key, String what) {
        Objects.requireNonNull(key, what);
        if (key instanceof RSAPublicKey rsa) {
            int bits = rsa.getModulus().bitLength();
            if (bits < MIN_RSA_BITS) {
                throw new IllegalArgumentException(what + ": RSA key of " + bits + " bits refused (at least "
                        + MIN_RSA_BITS + " required)");
            }
            return;
        }
        if (key instanceof ECPublicKey) {
            curveName(key); // throws if not a named accepted curve
            return;
        }
        if (isEd25519(key)) {
            return;
        }
        String algorithm = key.getAlgorithm();
        if ("DSA".equalsIgnoreCase(algorithm)) {
            throw new IllegalArgumentException(what + ": DSA keys are refused");
        }
        throw new IllegalArgumentException(what + ": key type " + algorithm
                + " is refused (accepted: RSA >= 2048 bits, ECDSA P-256/P-384/P-521, Ed25519)");
    }

    /** {@return "P-256", "P-384" or "P-521"} for an accepted EC key, else throws IllegalArgumentException. */
    static String curveName(PublicKey key) {
        SubjectPublicKeyInfo info = SubjectPublicKeyInfo.getInstance(key.getEncoded());
        ASN1Encodable parameters = info.getAlgorithm().getParameters();
        if (!(parameters instanceof ASN1ObjectIdentifier oid)) {
            throw new IllegalArgumentException("EC keys with explicit curve parameters are refused");
        }
        String name = CURVES.get(oid);
        if (name == null) {
            throw new IllegalArgumentException("EC curve " + oid.getId()
                    + " is refused (accepted: P-256, P-384, P-521)");
        }
        return name;
    }

    static boolean isEd25519(PublicKey key) {
        byte[] der = key.getEncoded();
        if (der == null) {
            return false;
        }
        try {
            return SubjectPublicKeyInfo.getInstance(der).getAlgorithm().getAlgorithm()
                    .equals(EdECObjectIdentifiers.id_Ed25519);
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static PublicKey toPublicKey(SubjectPublicKeyInfo info, String what) {
        ASN1ObjectIdentifier algorithm = info.getAlgorithm().getAlgorithm();
        String jcaName;
        if (algorithm.equals(PKCSObjectIdentifiers.rsaEncryption)) {
            jcaName = "RSA";
        } else if (algorithm.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
            jcaName = "EC";
        } else if (algorithm.equals(EdECObjectIdentifiers.id_Ed25519)) {
            jcaName = "Ed25519";
        } else if (algorithm.equals(X9ObjectIdentifiers.id_dsa)) {
            throw new IllegalArgumentException(what + ": DSA keys are refused");
        } else {
            throw new IllegalArgumentException(what + ": key algorithm " + algorithm.getId()
                    + " is refused (accepted: RSA >= 2048 bits, ECDSA P-256/P-384/P-521, Ed25519)");
        }
        if (jcaName.equals("EC")) {
            // Checked on the SPKI before the JDK parses it: the JDK would accept explicit parameters.
            ASN1Encodable parameters = info.getAlgorithm().getParameters();
            if (!(parameters instanceof ASN1ObjectIdentifier oid) || !CURVES.containsKey(oid)) {
                throw new IllegalArgumentException(what + ": EC key on a refused curve (accepted: P-256, P-384, "
                        + "P-521 as named curves)");
            }
        }
        PublicKey key;
        try {
            key = KeyFactory.getInstance(jcaName).generatePublic(new X509EncodedKeySpec(info.getEncoded()));
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            throw new IllegalArgumentException(what + ": malformed " + jcaName + " public key");
        }
        checkKey(key, what);
        return key;
    }

    private static List<Object> objects(byte[] pem) {
        Objects.requireNonNull(pem, "pem");
        if (pem.length > MAX_PEM_BYTES) {
            throw new IllegalArgumentException("PEM text larger than " + MAX_PEM_BYTES + " bytes");
        }
        List<Object> objects = new ArrayList<>();
        try (Reader reader = new InputStreamReader(new ByteArrayInputStream(pem), StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(reader)) {
            Object object;
            while ((object = parser.readObject()) != null) {
                objects.add(object);
            }
        } catch (IOException | RuntimeException e) {
            // BC's messages can quote the input; keep them out of configuration errors.
            throw new IllegalArgumentException("malformed PEM text (bad base64, unknown block type, "
                    + "mismatched BEGIN/END or corrupt DER)");
        }
        if (objects.isEmpty()) {
            throw new IllegalArgumentException("no PEM block found (expected -----BEGIN ...-----)");
        }
        return objects;
    }
}
