package dev.safeload.internal.modelsigning;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/** Small encodings and checks shared by the bundle and the trust: curves, base64, DER, PEM, hashes. */
final class Crypto {

    /** The curves model signing allows, with the hash the reference pairs with each ({@code get_ec_key_hash}). */
    enum Curve {
        P256("secp256r1", "SHA256withECDSA"),
        P384("secp384r1", "SHA384withECDSA"),
        P521("secp521r1", "SHA512withECDSA");

        final String jdkName;
        final String signatureAlgorithm;
        final ECParameterSpec spec;

        Curve(String jdkName, String signatureAlgorithm) {
            this.jdkName = jdkName;
            this.signatureAlgorithm = signatureAlgorithm;
            try {
                AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
                parameters.init(new ECGenParameterSpec(jdkName));
                this.spec = parameters.getParameterSpec(ECParameterSpec.class);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the JDK lacks the curve " + jdkName, e);
            }
        }

        /** {@return the curve of an EC public key, if it is one of the three allowed} */
        static Optional<Curve> of(PublicKey key) {
            if (!(key instanceof ECPublicKey ec)) {
                return Optional.empty();
            }
            ECParameterSpec params = ec.getParams();
            for (Curve curve : values()) {
                ECParameterSpec spec = curve.spec;
                if (spec.getCurve().equals(params.getCurve()) && spec.getGenerator().equals(params.getGenerator())
                        && spec.getOrder().equals(params.getOrder()) && spec.getCofactor() == params.getCofactor()) {
                    return Optional.of(curve);
                }
            }
            return Optional.empty();
        }
    }

    private Crypto() {
    }

    /**
     * Decodes DSSE base64: the standard or the URL-safe alphabet (the DSSE spec requires both), padding optional,
     * no line breaks, and canonical only (unused trailing bits zero), so that one byte string has one spelling.
     *
     * @return the bytes, or empty if {@code text} is not such base64
     */
    static Optional<byte[]> base64(String text) {
        boolean urlSafe = text.indexOf('-') >= 0 || text.indexOf('_') >= 0;
        if (urlSafe && (text.indexOf('+') >= 0 || text.indexOf('/') >= 0)) {
            return Optional.empty();
        }
        byte[] bytes;
        try {
            bytes = (urlSafe ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(text);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        String again = (urlSafe ? Base64.getUrlEncoder() : Base64.getEncoder()).withoutPadding().encodeToString(bytes);
        String unpadded = text.endsWith("==") ? text.substring(0, text.length() - 2)
                : text.endsWith("=") ? text.substring(0, text.length() - 1) : text;
        return again.equals(unpadded) ? Optional.of(bytes) : Optional.empty();
    }

    /** {@return the DSSE pre-authentication encoding: {@code "DSSEv1" SP len(type) SP type SP len(body) SP body}} */
    static byte[] pae(String payloadType, byte[] body) {
        byte[] type = payloadType.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + type.length + 32);
        out.writeBytes(("DSSEv1 " + type.length + " ").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(type);
        out.writeBytes((" " + body.length + " ").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(body);
        return out.toByteArray();
    }

    /**
     * Whether {@code sig} is an ECDSA signature in strict DER: {@code SEQUENCE { INTEGER r, INTEGER s }}, minimal
     * lengths, positive minimal integers, nothing after. The JDK's decoder is more lenient; this keeps one
     * signature to one encoding.
     */
    static boolean isStrictDerEcdsa(byte[] sig) {
        if (sig.length < 8 || sig.length > 200 || sig[0] != 0x30) {
            return false;
        }
        int pos = 1;
        int length;
        int first = sig[pos++] & 0xff;
        if (first < 0x80) {
            length = first;
        } else if (first == 0x81) {
            length = sig[pos++] & 0xff;
            if (length < 0x80) {
                return false;
            }
        } else {
            return false;
        }
        if (pos + length != sig.length) {
            return false;
        }
        for (int i = 0; i < 2; i++) {
            if (pos + 2 > sig.length || sig[pos] != 0x02) {
                return false;
            }
            int intLength = sig[pos + 1] & 0xff;
            pos += 2;
            if (intLength == 0 || intLength >= 0x80 || pos + intLength > sig.length) {
                return false;
            }
            if ((sig[pos] & 0x80) != 0) {
                return false; // negative
            }
            if (sig[pos] == 0 && (intLength == 1 || (sig[pos + 1] & 0x80) == 0)) {
                return false; // zero, or a needless leading zero
            }
            pos += intLength;
        }
        return pos == sig.length;
    }

    /**
     * {@return the PEM text of a public key as model signing hashes it for the hint}: the SubjectPublicKeyInfo
     * DER in base64, 64-character lines, LF line ends, a trailing LF (what {@code openssl pkey -pubout} and
     * Python {@code cryptography} write)
     */
    static String canonicalPem(PublicKey key) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded());
        return "-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n";
    }

    static byte[] sha256(byte[] data) {
        return newSha256().digest(data);
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    /** {@return the bytes of lower- or upper-case hex of exactly {@code bytes} bytes, or empty} */
    static Optional<byte[]> unhex(String text, int bytes) {
        if (text.length() != bytes * 2) {
            return Optional.empty();
        }
        for (int i = 0; i < text.length(); i++) {
            if (Character.digit(text.charAt(i), 16) < 0 || text.charAt(i) > 'f') {
                return Optional.empty();
            }
        }
        return Optional.of(HexFormat.of().parseHex(text));
    }

    /**
     * {@return whether an EC key's point lies on its (prime-field) curve}: the JDK's key factory does not check it,
     * and a key read from configuration should not be trusted to be well formed
     */
    static boolean onCurve(ECPublicKey key) {
        java.security.spec.ECField field = key.getParams().getCurve().getField();
        if (!(field instanceof java.security.spec.ECFieldFp fp)) {
            return false;
        }
        java.math.BigInteger p = fp.getP();
        java.math.BigInteger x = key.getW().getAffineX();
        java.math.BigInteger y = key.getW().getAffineY();
        if (x == null || y == null || x.signum() < 0 || y.signum() < 0 || x.compareTo(p) >= 0 || y.compareTo(p) >= 0) {
            return false;
        }
        java.math.BigInteger a = key.getParams().getCurve().getA();
        java.math.BigInteger b = key.getParams().getCurve().getB();
        return y.multiply(y).mod(p).equals(x.pow(3).add(a.multiply(x)).add(b).mod(p));
    }

    /** {@return the lower-case hex SHA-256 of the key's DER SubjectPublicKeyInfo, safeload's key fingerprint} */
    static String fingerprint(PublicKey key) {
        return hex(sha256(key.getEncoded()));
    }
}
