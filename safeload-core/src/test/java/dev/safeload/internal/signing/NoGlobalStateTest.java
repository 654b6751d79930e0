package dev.safeload.internal.signing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Provider;
import java.security.Security;
import java.security.Signature;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.bouncycastle.openpgp.api.OpenPGPApi;
import org.bouncycastle.openpgp.api.OpenPGPKey;
import org.bouncycastle.openpgp.api.bc.BcOpenPGPApi;
import org.junit.jupiter.api.Test;

/**
 * The provider pitfall: inserting Bouncy Castle as the first JCA provider would make every SHA-256 in the JVM
 * the slow pure-Java one. Verifying must not register, insert or reorder any provider.
 */
class NoGlobalStateTest {

    @Test
    void verifyingEveryKind_leavesTheProviderListAlone() throws Exception {
        List<String> before = Arrays.stream(Security.getProviders()).map(Provider::getName).toList();
        byte[] content = "weights".getBytes();

        OpenPGPApi api = new BcOpenPGPApi();
        OpenPGPKey pgp = api.generateKey(4).ed25519x25519Key("G <g@example.org>").build();
        byte[] pgpSignature = api.createDetachedSignature().addSigningKey(pgp)
                .sign(new ByteArrayInputStream(content)).get(0).getEncoded();
        KeyPair ec = KeyPairGenerator.getInstance("EC").generateKeyPair();
        Signature ecdsa = Signature.getInstance("SHA256withECDSA");
        ecdsa.initSign(ec.getPrivate());
        ecdsa.update(content);
        byte[] ecSignature = ecdsa.sign();

        SignatureTrust trust = SignatureTrust.of(Pem.publicKeys(
                ("-----BEGIN PUBLIC KEY-----\n"
                        + java.util.Base64.getMimeEncoder().encodeToString(ec.getPublic().getEncoded())
                        + "\n-----END PUBLIC KEY-----\n").getBytes()),
                List.of(pgp.toCertificate().getEncoded()), Set.of());
        assertThat(Tools.verify(trust, pgpSignature, content).isValid()).isTrue();
        assertThat(Tools.verify(trust, ecSignature, content).isValid()).isTrue();
        assertThat(Tools.verify(trust, new byte[] {1, 2, 3}, content).isValid()).isFalse();

        assertThat(Arrays.stream(Security.getProviders()).map(Provider::getName).toList()).isEqualTo(before);
        assertThat(Security.getProvider("BC")).isNull();
        assertThat(MessageDigest.getInstance("SHA-256").getProvider().getName()).isEqualTo("SUN");
    }

    /**
     * CVE-2026-71887 (a signing subkey without the primary key's back-signature accepted by the high-level
     * OpenPGP API) and CVE-2026-71886 are fixed in Bouncy Castle 1.86: the classpath must not carry an older one.
     */
    @Test
    void bouncyCastleIsAtLeast186() {
        String version = new org.bouncycastle.jce.provider.BouncyCastleProvider().getVersionStr();
        String[] parts = version.split("\\.");
        int major = Integer.parseInt(parts[0]);
        int minor = Integer.parseInt(parts[1].replaceAll("[^0-9].*", ""));
        assertThat(major * 1000 + minor).as("Bouncy Castle %s", version).isGreaterThanOrEqualTo(1086);
    }
}
