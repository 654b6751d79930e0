package dev.safeload.internal.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import org.bouncycastle.openpgp.api.OpenPGPApi;
import org.bouncycastle.openpgp.api.OpenPGPKey;
import org.bouncycastle.openpgp.api.bc.BcOpenPGPApi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Building trust sets: pins, keyrings, raw keys. Keys are made with Bouncy Castle and the JDK. */
class SignatureTrustTest {

    static OpenPGPApi api = new BcOpenPGPApi();
    static OpenPGPKey alice;
    static OpenPGPKey bob;
    static byte[] keyring;

    @BeforeAll
    static void keys() throws Exception {
        alice = api.generateKey(4).ed25519x25519Key("Alice <alice@example.org>").build();
        bob = api.generateKey(4).ed25519x25519Key("Bob <bob@example.org>").build();
        keyring = (alice.toCertificate().toAsciiArmoredString() + "\n" + bob.toCertificate().toAsciiArmoredString())
                .getBytes(StandardCharsets.US_ASCII);
    }

    static String fingerprint(OpenPGPKey key) {
        return HexFormat.of().withUpperCase().formatHex(key.getFingerprint());
    }

    @Test
    void emptyTrust() {
        SignatureTrust trust = SignatureTrust.of(List.of(), List.of(), Set.of());
        assertThat(trust.isEmpty()).isTrue();
        assertThat(trust.hasOpenPgp()).isFalse();
        assertThat(trust.hasRawKeys()).isFalse();
    }

    @Test
    void keyringWithoutPins_trustsEveryCertificate() {
        SignatureTrust trust = SignatureTrust.of(List.of(), List.of(keyring), Set.of());
        assertThat(trust.hasOpenPgp()).isTrue();
        assertThat(trust.hasRawKeys()).isFalse();
        assertThat(trust.pgpFingerprints()).containsExactly(fingerprint(alice), fingerprint(bob));
    }

    @Test
    void pins_selectCertificatesCaseInsensitively() {
        SignatureTrust trust = SignatureTrust.of(List.of(), List.of(keyring),
                Set.of(fingerprint(bob).toLowerCase()));
        assertThat(trust.pgpFingerprints()).containsExactly(fingerprint(bob));
    }

    @Test
    void keyIdsAndPartialFingerprints_refusedAsPins() {
        String full = fingerprint(alice);
        for (String pin : List.of(full.substring(24), full.substring(32), "0x" + full.substring(24),
                full.substring(1), full + "00", "not hex at all")) {
            assertThatThrownBy(() -> SignatureTrust.of(List.of(), List.of(keyring), Set.of(pin)))
                    .as(pin).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> SignatureTrust.of(List.of(), List.of(keyring), Set.of(full.substring(24))))
                .hasMessageContaining("key ID");
    }

    @Test
    void pinOfAbsentCertificate_refused() throws Exception {
        OpenPGPKey carol = api.generateKey(4).ed25519x25519Key("Carol <carol@example.org>").build();
        assertThatThrownBy(() -> SignatureTrust.of(List.of(), List.of(keyring), Set.of(fingerprint(carol))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(fingerprint(carol));
        // A pin without any keyring is the same mistake.
        assertThatThrownBy(() -> SignatureTrust.of(List.of(), List.of(), Set.of(fingerprint(carol))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void subkeyFingerprintAsPin_refused() {
        String subkey = HexFormat.of().withUpperCase().formatHex(alice.getKeys().stream()
                .filter(k -> !k.isPrimaryKey()).findFirst().orElseThrow().getPGPPublicKey().getFingerprint());
        assertThatThrownBy(() -> SignatureTrust.of(List.of(), List.of(keyring), Set.of(subkey)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("primary key");
    }

    @Test
    void malformedOrEmptyKeyrings_refused() {
        for (byte[] bad : List.of(new byte[0], "garbage".getBytes(StandardCharsets.US_ASCII),
                java.util.Arrays.copyOf(keyring, keyring.length / 3))) {
            assertThatThrownBy(() -> SignatureTrust.of(List.of(), List.of(bad), Set.of()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keyring 1");
        }
    }

    @Test
    void laterChangesToTheInputs_doNotChangeTheTrust() throws Exception {
        byte[] mine = keyring.clone();
        List<byte[]> keyrings = new ArrayList<>(List.of(mine));
        List<PublicKey> raw = new ArrayList<>(List.of(KeyPairGenerator.getInstance("Ed25519").generateKeyPair()
                .getPublic()));
        SignatureTrust trust = SignatureTrust.of(raw, keyrings, Set.of());
        java.util.Arrays.fill(mine, (byte) 0);
        keyrings.clear();
        raw.clear();
        assertThat(trust.pgpFingerprints()).hasSize(2);
        assertThat(trust.rawKeys()).hasSize(1);
        assertThat(api.readKeyOrCertificate().parseCertificates(
                new ByteArrayInputStream(trust.encodedCertificates().get(0)))).hasSize(1);
    }

    @Test
    void weakRawKeys_refused() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        PublicKey weak = rsa.generateKeyPair().getPublic();
        assertThatThrownBy(() -> SignatureTrust.of(List.of(weak), List.of(), Set.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1024");
        KeyPairGenerator dsa = KeyPairGenerator.getInstance("DSA");
        dsa.initialize(2048);
        PublicKey dsaKey = dsa.generateKeyPair().getPublic();
        assertThatThrownBy(() -> SignatureTrust.of(List.of(dsaKey), List.of(), Set.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DSA");
    }
}
