package dev.safeload.internal.integrity;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** The digests safeload pins files with. Both come from the JDK's SUN provider, which HotSpot accelerates. */
public enum HashAlgorithm {
    SHA256("sha256", "SHA-256", 32),
    SHA512("sha512", "SHA-512", 64);

    private final String label;
    private final String jdkName;
    private final int length;

    HashAlgorithm(String label, String jdkName, int length) {
        this.label = label;
        this.jdkName = jdkName;
        this.length = length;
    }

    public String label() {
        return label;
    }

    public int length() {
        return length;
    }

    /**
     * A fresh digest. {@code getInstance(name)} takes the most preferred provider; safeload never registers
     * Bouncy Castle, so that is SUN with its SHA-NI/AVX intrinsics unless the application put another first.
     */
    public MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance(jdkName);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + jdkName, e);
        }
    }

    static HashAlgorithm forHexLength(int hexDigits) {
        return hexDigits == 64 ? SHA256 : hexDigits == 128 ? SHA512 : null;
    }
}
