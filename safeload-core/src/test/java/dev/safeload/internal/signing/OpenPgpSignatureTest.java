package dev.safeload.internal.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPV3SignatureGenerator;
import org.bouncycastle.openpgp.api.OpenPGPApi;
import org.bouncycastle.openpgp.api.OpenPGPCertificate;
import org.bouncycastle.openpgp.api.OpenPGPKey;
import org.bouncycastle.openpgp.api.OpenPGPSignature.OpenPGPDocumentSignature;
import org.bouncycastle.openpgp.api.bc.BcOpenPGPApi;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.safeload.api.Provenance.SignatureKind;
import dev.safeload.api.RejectionCode;

/** OpenPGP detached signatures made by GnuPG 2.2 (and a few by Bouncy Castle), checked against the policy. */
class OpenPgpSignatureTest {

    @TempDir
    static Path dir;

    static Map<String, String> env;
    static Path model;
    static byte[] content;

    static String ed;
    static String rsa;
    static String withSubkey;

    @BeforeAll
    static void keys() throws Exception {
        Tools.assumeTool("gpg");
        Path home = Files.createDirectory(dir.resolve("gnupg"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        env = Map.of("GNUPGHOME", home.toString());
        content = new byte[200_000];
        new Random(7).nextBytes(content);
        model = Files.write(dir.resolve("model.bin"), content);
        ed = generate("Ed <ed@example.org>", "ed25519", "0");
        rsa = generate("Rsa <rsa@example.org>", "rsa3072", "0");
        withSubkey = generate("Sub <sub@example.org>", "ed25519", "0");
        gpg("--quick-add-key", withSubkey, "ed25519", "sign", "0");
    }

    @AfterAll
    static void stopAgent() {
        if (env != null) {
            Tools.run(env, dir, "gpgconf", "--kill", "gpg-agent");
        }
    }

    // ---------------------------------------------------------------- helpers

    static byte[] gpg(String... args) {
        List<String> command = new ArrayList<>(List.of("gpg", "--batch", "--yes", "--no-tty", "--pinentry-mode",
                "loopback", "--passphrase", ""));
        command.addAll(List.of(args));
        return Tools.run(env, dir, command.toArray(String[]::new));
    }

    static String generate(String uid, String algorithm, String expire, String... extra) {
        List<String> args = new ArrayList<>(List.of(extra));
        args.addAll(List.of("--quick-gen-key", uid, algorithm, "sign", expire));
        gpg(args.toArray(String[]::new));
        String listing = new String(gpg("--with-colons", "--list-keys", "=" + uid), StandardCharsets.UTF_8);
        return listing.lines().filter(l -> l.startsWith("fpr:")).findFirst().orElseThrow().split(":")[9];
    }

    static byte[] sign(String fingerprint, Path file, boolean armor, String... extra) {
        Path out = dir.resolve("sig-" + System.nanoTime());
        List<String> args = new ArrayList<>(List.of(extra));
        args.addAll(List.of("--local-user", fingerprint + "!", "--detach-sign"));
        if (armor) {
            args.add("--armor");
        }
        args.addAll(List.of("--output", out.toString(), file.toString()));
        gpg(args.toArray(String[]::new));
        return Tools.read(out);
    }

    static byte[] export(boolean armor, String... fingerprints) {
        List<String> args = new ArrayList<>(List.of("--export"));
        if (armor) {
            args.add("--armor");
        }
        args.addAll(List.of(fingerprints));
        byte[] exported = gpg(args.toArray(String[]::new));
        assertThat(exported).isNotEmpty();
        return exported;
    }

    static SignatureTrust trust(String... fingerprints) {
        return SignatureTrust.of(List.of(), List.of(export(true, fingerprints)), Set.of());
    }

    static void assertValid(SignatureOutcome outcome, String signer) {
        assertThat(outcome.rejections()).isEmpty();
        assertThat(outcome.isValid()).isTrue();
        assertThat(outcome.signer()).hasValueSatisfying(info -> {
            assertThat(info.kind()).isEqualTo(SignatureKind.OPENPGP);
            assertThat(info.signer()).isEqualTo(signer);
            assertThat(info.covers()).isEqualTo("model.bin");
        });
    }

    static void assertRefused(SignatureOutcome outcome, RejectionCode code, String messagePart) {
        assertThat(outcome.isValid()).isFalse();
        assertThat(outcome.signer()).isEmpty();
        assertThat(outcome.rejections()).isNotEmpty().allSatisfy(r -> assertThat(r.code()).isEqualTo(code));
        assertThat(outcome.rejections()).anySatisfy(r -> assertThat(r.message()).contains(messagePart));
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    // ---------------------------------------------------------------- valid signatures

    @Test
    void ed25519Armored_valid() {
        SignatureOutcome outcome = Tools.verify(trust(ed), sign(ed, model, true), content);
        assertValid(outcome, ed);
        assertThat(outcome.signer().orElseThrow().algorithm()).startsWith("EdDSA(Ed25519)/SHA-");
    }

    @Test
    void ed25519Binary_valid() {
        assertValid(Tools.verify(trust(ed), sign(ed, model, false), content), ed);
    }

    @Test
    void rsa3072ArmoredAndBinary_valid() {
        SignatureOutcome armored = Tools.verify(trust(rsa), sign(rsa, model, true), content);
        assertValid(armored, rsa);
        assertThat(armored.signer().orElseThrow().algorithm()).startsWith("RSA/SHA-");
        assertValid(Tools.verify(trust(rsa), sign(rsa, model, false), content), rsa);
    }

    @Test
    void binaryKeyringAndPinIgnoringCaseAndSpaces_valid() {
        String spaced = ed.toLowerCase().replaceAll("(.{4})", "$1 ").trim();
        SignatureTrust trust = SignatureTrust.of(List.of(), List.of(export(false, ed)), Set.of(spaced));
        assertValid(Tools.verify(trust, sign(ed, model, false), content), ed);
    }

    @Test
    void signingSubkey_attributedToPrimaryFingerprint() {
        assertValid(Tools.verify(trust(withSubkey), sign(withSubkey, model, true), content), withSubkey);
    }

    // ---------------------------------------------------------------- refused signatures

    @Test
    void tamperedContent_invalid() {
        byte[] tampered = content.clone();
        tampered[12345] ^= 1;
        assertRefused(Tools.verify(trust(ed), sign(ed, model, true), tampered), RejectionCode.SIGNATURE_INVALID,
                "does not match the content");
        assertRefused(Tools.verify(trust(rsa), sign(rsa, model, false), tampered), RejectionCode.SIGNATURE_INVALID,
                "does not match the content");
    }

    @Test
    void sha1Digest_refused() {
        byte[] signature = sign(rsa, model, false, "--digest-algo", "SHA1");
        assertRefused(Tools.verify(trust(rsa), signature, content), RejectionCode.SIGNATURE_INVALID, "SHA-1");
    }

    @Test
    void rsa1024Key_refused() {
        String weak = generate("Weak <weak@example.org>", "rsa1024", "0");
        assertRefused(Tools.verify(trust(weak), sign(weak, model, true), content), RejectionCode.SIGNATURE_INVALID,
                "by key " + weak);
    }

    @Test
    void dsaKey_refused() {
        String dsa = generate("Dsa <dsa@example.org>", "dsa2048", "0");
        assertRefused(Tools.verify(trust(dsa), sign(dsa, model, true), content), RejectionCode.SIGNATURE_INVALID,
                "DSA");
    }

    @Test
    void revokedKey_refused() throws Exception {
        String doomed = generate("Doomed <doomed@example.org>", "ed25519", "0");
        byte[] signature = sign(doomed, model, true);
        SignatureTrust before = trust(doomed);
        assertValid(Tools.verify(before, signature, content), doomed);

        // gpg writes a revocation certificate at key generation, with its armor line commented out.
        Path stored = Path.of(env.get("GNUPGHOME"), "openpgp-revocs.d", doomed + ".rev");
        String certificate = Files.readString(stored).replace(":-----BEGIN PGP PUBLIC KEY BLOCK-----",
                "-----BEGIN PGP PUBLIC KEY BLOCK-----");
        Path revocation = Files.writeString(dir.resolve("doomed.rev"), certificate);
        gpg("--import", revocation.toString());

        assertRefused(Tools.verify(trust(doomed), signature, content), RejectionCode.SIGNATURE_INVALID,
                "revoked");
    }

    @Test
    void keyExpiredAfterSigning_stillValid() {
        // Documented semantics (as gpg --verify): validity is judged when the signature was made.
        String key = generate("Lapsed <lapsed@example.org>", "ed25519", "30d",
                "--faked-system-time", "20200101T000000!");
        byte[] signature = sign(key, model, true, "--faked-system-time", "20200110T000000!");
        assertValid(Tools.verify(trust(key), signature, content), key);
    }

    @Test
    void keyExpiredAtSigningTime_refused() {
        // gpg will not sign with an expired key, so sign first and then date a newer self-signature before the
        // signature, which makes the key expire on 2020-02-01: at signing time (2020-03-01) it had expired.
        String key = generate("Expired <expired@example.org>", "ed25519", "0",
                "--faked-system-time", "20200101T000000!");
        byte[] signature = sign(key, model, true, "--faked-system-time", "20200301T000000!");
        assertValid(Tools.verify(trust(key), signature, content), key);
        gpg("--faked-system-time", "20200102T000000!", "--quick-set-expire", key, "30d");
        assertRefused(Tools.verify(trust(key), signature, content), RejectionCode.SIGNATURE_INVALID,
                "expired");
    }

    @Test
    void futureDatedSignature_refused() {
        byte[] signature = sign(ed, model, true, "--faked-system-time", "20991231T000000!",
                "--ignore-time-conflict");
        assertRefused(Tools.verify(trust(ed), signature, content), RejectionCode.SIGNATURE_INVALID, "future");
    }

    @Test
    void textModeSignature_refusedThoughItVerifiesOtherBytes() throws Exception {
        byte[] text = "weights = [1, 2, 3]\nbias = 0\n".getBytes(StandardCharsets.US_ASCII);
        Path file = Files.write(dir.resolve("config.txt"), text);
        byte[] signature = sign(ed, file, true, "--textmode");
        byte[] crlf = "weights = [1, 2, 3]\r\nbias = 0\r\n".getBytes(StandardCharsets.US_ASCII);

        // Why it is refused: Bouncy Castle accepts the same signature for two different byte strings.
        OpenPGPApi api = new BcOpenPGPApi();
        OpenPGPCertificate certificate = api.readKeyOrCertificate().parseCertificate(export(false, ed));
        for (byte[] variant : List.of(text, crlf)) {
            List<OpenPGPDocumentSignature> results = api.verifyDetachedSignature()
                    .addSignatures(new ByteArrayInputStream(signature))
                    .addVerificationCertificate(certificate)
                    .process(new ByteArrayInputStream(variant));
            assertThat(results).singleElement().satisfies(r -> assertThat(r.isValid()).isTrue());
        }

        assertRefused(Tools.verify(trust(ed), signature, text), RejectionCode.SIGNATURE_INVALID, "canonical-text");
        assertRefused(Tools.verify(trust(ed), signature, crlf), RejectionCode.SIGNATURE_INVALID, "canonical-text");
    }

    @Test
    void untrustedKey_untrustedSigner() {
        assertRefused(Tools.verify(trust(ed), sign(rsa, model, true), content), RejectionCode.UNTRUSTED_SIGNER,
                rsa);
    }

    @Test
    void forgedUnhashedKeyIdOfTrustedKey_untrustedSigner() {
        // gpg puts the issuer fingerprint in the hashed area and the 64-bit issuer key ID in the unhashed area,
        // where anyone can change it. Pointing the key ID at a trusted key must not attribute the signature.
        byte[] signature = sign(rsa, model, false);
        byte[] rsaKeyId = HexFormat.of().parseHex(rsa.substring(24));
        byte[] edKeyId = HexFormat.of().parseHex(ed.substring(24));
        int last = -1;
        for (int i = 0; i + 8 <= signature.length; i++) {
            if (Arrays.equals(signature, i, i + 8, rsaKeyId, 0, 8)) {
                last = i;
            }
        }
        assertThat(last).isPositive();
        System.arraycopy(edKeyId, 0, signature, last, 8);
        assertRefused(Tools.verify(trust(ed), signature, content), RejectionCode.UNTRUSTED_SIGNER, rsa);
    }

    @Test
    void signatureNamingNoIssuer_invalid() {
        // Turn the issuer fingerprint (subpacket 33) and issuer key ID (subpacket 16) into private subpacket types.
        byte[] signature = sign(ed, model, false);
        byte[] fingerprint = HexFormat.of().parseHex(ed);
        byte[] keyId = HexFormat.of().parseHex(ed.substring(24));
        int renamed = 0;
        for (int i = 2; i + 20 <= signature.length; i++) {
            if (signature[i] == 33 && signature[i + 1] == 4 && Arrays.equals(signature, i + 2, i + 22, fingerprint, 0,
                    20)) {
                signature[i] = 101;
                renamed++;
            } else if (signature[i] == 16 && signature[i - 1] == 9
                    && Arrays.equals(signature, i + 1, i + 9, keyId, 0, 8)) {
                signature[i] = 101;
                renamed++;
            }
        }
        assertThat(renamed).isEqualTo(2);
        assertRefused(Tools.verify(trust(ed), signature, content), RejectionCode.SIGNATURE_INVALID, "no issuer");
    }

    @Test
    void pinExcludesOtherCertificateInTheSameKeyring() {
        byte[] keyring = export(true, ed, rsa);
        SignatureTrust pinned = SignatureTrust.of(List.of(), List.of(keyring), Set.of(ed));
        assertValid(Tools.verify(pinned, sign(ed, model, true), content), ed);
        assertRefused(Tools.verify(pinned, sign(rsa, model, true), content), RejectionCode.UNTRUSTED_SIGNER, rsa);

        SignatureTrust everyone = SignatureTrust.of(List.of(), List.of(keyring), Set.of());
        assertValid(Tools.verify(everyone, sign(rsa, model, true), content), rsa);
    }

    @Test
    void noOpenPgpTrust_invalid() throws Exception {
        SignatureTrust rawOnly = SignatureTrust.of(List.of(java.security.KeyPairGenerator.getInstance("Ed25519")
                .generateKeyPair().getPublic()), List.of(), Set.of());
        assertRefused(Tools.verify(rawOnly, sign(ed, model, true), content), RejectionCode.SIGNATURE_INVALID,
                "no OpenPGP certificate is trusted");
    }

    @Test
    void contentIsReadOnceAndStreamed() throws Exception {
        int size = 4 * 1024 * 1024 + 3;
        byte[] big = new byte[size];
        new Random(5).nextBytes(big);
        Path file = Files.write(dir.resolve("big.bin"), big);
        byte[] signature = sign(rsa, file, false);
        RawSignatureTest.CountingStream counting = new RawSignatureTest.CountingStream(new ByteArrayInputStream(big));
        SignatureOutcome outcome = new DetachedSignatureVerifier(trust(rsa)).verify(signature, "big.sig", counting,
                () -> Tools.sha256(big), "model.bin");
        assertValid(outcome, rsa);
        assertThat(counting.count.get()).isEqualTo(size);
        assertThat(counting.largestRead).isLessThanOrEqualTo(64 * 1024);
    }

    @Test
    void oneVerifierUsedFromManyThreads() throws Exception {
        DetachedSignatureVerifier verifier = new DetachedSignatureVerifier(trust(ed, rsa));
        byte[] good = sign(ed, model, false);
        byte[] stranger = sign(withSubkey, model, false);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<SignatureOutcome>> futures = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                byte[] signature = i % 2 == 0 ? good : stranger;
                futures.add(pool.submit(() -> verifier.verify(signature, "m.sig", new ByteArrayInputStream(content),
                        () -> Tools.sha256(content), "model.bin")));
            }
            for (int i = 0; i < futures.size(); i++) {
                SignatureOutcome outcome = futures.get(i).get();
                if (i % 2 == 0) {
                    assertValid(outcome, ed);
                } else {
                    assertRefused(outcome, RejectionCode.UNTRUSTED_SIGNER, "not in the trust set");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- several signatures in one file

    @Test
    void trustedValidPlusUntrusted_valid() {
        byte[] both = concat(sign(rsa, model, false), sign(ed, model, false));
        assertValid(Tools.verify(trust(ed), both, content), ed);
    }

    @Test
    void trustedValidPlusTrustedInvalid_refused() throws Exception {
        Path other = Files.write(dir.resolve("other.bin"), new byte[] {1, 2, 3});
        byte[] both = concat(sign(ed, model, false), sign(ed, other, false));
        assertRefused(Tools.verify(trust(ed), both, content), RejectionCode.SIGNATURE_INVALID,
                "does not match the content");
    }

    @Test
    void trustedInvalidPlusTrustedValidFromAnotherKey_refused() throws Exception {
        Path other = Files.write(dir.resolve("other2.bin"), new byte[] {4, 5, 6});
        byte[] both = concat(sign(rsa, other, false), sign(ed, model, false));
        assertRefused(Tools.verify(trust(ed, rsa), both, content), RejectionCode.SIGNATURE_INVALID,
                "by key " + rsa);
    }

    // ---------------------------------------------------------------- malformed bytes

    @Test
    void emptyGarbageAndTruncated_invalidWithoutExceptions() {
        byte[] binary = sign(ed, model, false);
        byte[] armored = sign(ed, model, true);
        List<byte[]> inputs = new ArrayList<>(List.of(
                new byte[0],
                "not a signature at all\n".getBytes(StandardCharsets.US_ASCII),
                new byte[] {(byte) 0x89},
                Arrays.copyOf(binary, binary.length - 1),
                Arrays.copyOf(binary, 20),
                Arrays.copyOf(armored, armored.length / 2),
                new String(armored, StandardCharsets.US_ASCII).replace("-----BEGIN PGP SIGNATURE-----",
                        "-----BEGIN PGP SIGNATURE-----\n\n!!!!").getBytes(StandardCharsets.US_ASCII),
                export(true, ed),
                export(false, ed),
                new byte[DetachedSignatureVerifier.MAX_SIGNATURE_BYTES + 1]));
        for (byte[] input : inputs) {
            SignatureOutcome outcome = Tools.verify(trust(ed), input, content);
            assertThat(outcome.isValid()).as("input of %d bytes", input.length).isFalse();
            assertThat(outcome.rejections()).allSatisfy(
                    r -> assertThat(r.code()).isEqualTo(RejectionCode.SIGNATURE_INVALID));
        }
    }

    @Test
    void signatureWithinLimitButArmoredWithJunkAround_stillParses() {
        byte[] armored = sign(ed, model, true);
        byte[] padded = concat("\n\n".getBytes(StandardCharsets.US_ASCII), armored,
                "\ntrailing words\n".getBytes(StandardCharsets.US_ASCII));
        assertValid(Tools.verify(trust(ed), padded, content), ed);
    }

    // ---------------------------------------------------------------- Bouncy Castle-made keys and signatures

    @Test
    void bouncyCastleV4AndV6Keys_valid() throws Exception {
        OpenPGPApi api = new BcOpenPGPApi();
        for (int version : new int[] {4, 6}) {
            OpenPGPKey key = api.generateKey(version).ed25519x25519Key("BC <bc@example.org>").build();
            byte[] signature = api.createDetachedSignature().addSigningKey(key)
                    .sign(new ByteArrayInputStream(content)).get(0).getEncoded();
            String fingerprint = HexFormat.of().withUpperCase().formatHex(key.getFingerprint());
            assertThat(fingerprint).hasSize(version == 4 ? 40 : 64);
            SignatureTrust trust = SignatureTrust.of(List.of(), List.of(key.toCertificate().getEncoded()),
                    Set.of(fingerprint));
            assertValid(Tools.verify(trust, signature, content), fingerprint);
        }
    }

    @Test
    void rsaBelow2048ThatBouncyCastleAccepts_refused() throws Exception {
        // BC's default policy accepts RSA from 2000 bits; safeload requires 2048.
        OpenPGPApi api = new BcOpenPGPApi();
        OpenPGPKey key = api.generateKey(4).singletonRSAKey(2040, "Short <short@example.org>").build();
        byte[] signature = api.createDetachedSignature().addSigningKey(key)
                .sign(new ByteArrayInputStream(content)).get(0).getEncoded();
        OpenPGPCertificate certificate = key.toCertificate();
        List<OpenPGPDocumentSignature> byDefault = api.verifyDetachedSignature()
                .addSignatures(new ByteArrayInputStream(signature)).addVerificationCertificate(certificate)
                .process(new ByteArrayInputStream(content));
        assertThat(byDefault).singleElement().satisfies(r -> assertThat(r.isValid()).isTrue());

        SignatureTrust trust = SignatureTrust.of(List.of(), List.of(certificate.getEncoded()), Set.of());
        assertRefused(Tools.verify(trust, signature, content), RejectionCode.SIGNATURE_INVALID, "by key");
    }

    @Test
    void v3Signature_refused() throws Exception {
        OpenPGPApi api = new BcOpenPGPApi();
        OpenPGPKey key = api.generateKey(4).singletonRSAKey(2048, "V3 <v3@example.org>").build();
        var signingKey = key.getPrimarySecretKey().unlock();
        PGPV3SignatureGenerator generator = new PGPV3SignatureGenerator(new BcPGPContentSignerBuilder(
                signingKey.getKeyPair().getPublicKey().getAlgorithm(), HashAlgorithmTags.SHA256));
        generator.init(PGPSignature.BINARY_DOCUMENT, signingKey.getKeyPair().getPrivateKey());
        generator.update(content);
        byte[] signature = generator.generate().getEncoded();
        SignatureTrust trust = SignatureTrust.of(List.of(), List.of(key.toCertificate().getEncoded()), Set.of());
        assertRefused(Tools.verify(trust, signature, content), RejectionCode.SIGNATURE_INVALID, "v3");
    }

    @Test
    void keyIdAsPin_refusedAtTrustBuild() {
        byte[] keyring = export(true, ed);
        assertThatThrownBy(() -> SignatureTrust.of(List.of(), List.of(keyring), Set.of(ed.substring(24))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key ID");
        assertThatThrownBy(() -> SignatureTrust.of(List.of(), List.of(keyring), Set.of(rsa)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not the primary key");
    }
}
