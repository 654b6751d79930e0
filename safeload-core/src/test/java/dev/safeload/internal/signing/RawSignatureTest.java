package dev.safeload.internal.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.safeload.api.Provenance.SignatureKind;
import dev.safeload.api.RejectionCode;

/** Raw detached signatures made by OpenSSL 3.0 (and the JDK), checked against keys read with {@link Pem}. */
class RawSignatureTest {

    @TempDir
    static Path dir;

    static Path model;
    static byte[] content;
    static Path digestFile;

    @BeforeAll
    static void setUp() throws IOException {
        Tools.assumeTool("openssl");
        content = new byte[300_000];
        new Random(11).nextBytes(content);
        model = Files.write(dir.resolve("model.bin"), content);
        digestFile = Files.write(dir.resolve("model.sha256.bin"), Tools.sha256(content));
    }

    /** Generates a private key with openssl; returns {private, public} PEM paths. */
    static Path[] key(String name, String... genpkeyArgs) {
        Path priv = dir.resolve(name + ".pem");
        Path pub = dir.resolve(name + ".pub.pem");
        if (!Files.exists(priv)) {
            String[] args = new String[genpkeyArgs.length + 3];
            args[0] = "genpkey";
            System.arraycopy(genpkeyArgs, 0, args, 1, genpkeyArgs.length);
            args[args.length - 2] = "-out";
            args[args.length - 1] = priv.toString();
            Tools.openssl(dir, args);
            Tools.openssl(dir, "pkey", "-in", priv.toString(), "-pubout", "-out", pub.toString());
        }
        return new Path[] {priv, pub};
    }

    static Path[] ec(String curve) {
        return key("ec-" + curve, "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:" + curve);
    }

    static Path[] rsa(int bits) {
        return key("rsa-" + bits, "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:" + bits);
    }

    static Path[] ed25519(String name) {
        return key(name, "-algorithm", "ED25519");
    }

    static byte[] dgstSign(Path priv, String digest, Path file, String... sigopts) {
        Path out = dir.resolve("sig-" + System.nanoTime());
        String[] args = new String[6 + sigopts.length];
        args[0] = "dgst";
        args[1] = "-" + digest;
        System.arraycopy(sigopts, 0, args, 2, sigopts.length);
        int i = 2 + sigopts.length;
        args[i++] = "-sign";
        args[i++] = priv.toString();
        args[i++] = "-out";
        args[i] = out.toString();
        String[] withFile = java.util.Arrays.copyOf(args, args.length + 1);
        withFile[args.length] = file.toString();
        Tools.openssl(dir, withFile);
        return Tools.read(out);
    }

    /** What {@code openssl pkeyutl -sign -rawin} makes over the 32-byte SHA-256 of the file. */
    static byte[] edSignDigest(Path priv, Path digest) {
        Path out = dir.resolve("edsig-" + System.nanoTime());
        Tools.openssl(dir, "pkeyutl", "-sign", "-rawin", "-inkey", priv.toString(), "-in", digest.toString(),
                "-out", out.toString());
        return Tools.read(out);
    }

    static SignatureTrust trust(Path... publicPems) {
        List<PublicKey> keys = new java.util.ArrayList<>();
        for (Path pem : publicPems) {
            keys.addAll(Pem.publicKeys(Tools.read(pem)));
        }
        return SignatureTrust.of(keys, List.of(), Set.of());
    }

    static void assertValid(SignatureOutcome outcome, SignatureKind kind, String algorithm, Path publicPem) {
        assertThat(outcome.rejections()).isEmpty();
        assertThat(outcome.signer()).hasValueSatisfying(info -> {
            assertThat(info.kind()).isEqualTo(kind);
            assertThat(info.algorithm()).isEqualTo(algorithm);
            assertThat(info.signer()).isEqualTo(Pem.fingerprint(Pem.publicKeys(Tools.read(publicPem)).get(0)));
            assertThat(info.covers()).isEqualTo("model.bin");
        });
    }

    static void assertInvalid(SignatureOutcome outcome, String messagePart) {
        assertThat(outcome.isValid()).isFalse();
        assertThat(outcome.rejections()).singleElement().satisfies(r -> {
            assertThat(r.code()).isEqualTo(RejectionCode.SIGNATURE_INVALID);
            assertThat(r.message()).contains(messagePart);
        });
    }

    static byte[] tampered() {
        byte[] copy = content.clone();
        copy[content.length - 1] ^= 0x40;
        return copy;
    }

    // ---------------------------------------------------------------- ECDSA

    @Test
    void ecdsaP256_validAndTampered() {
        Path[] key = ec("P-256");
        byte[] signature = dgstSign(key[0], "sha256", model);
        assertValid(Tools.verify(trust(key[1]), signature, content), SignatureKind.RAW_ECDSA, "SHA256withECDSA",
                key[1]);
        assertInvalid(Tools.verify(trust(key[1]), signature, tampered()), "no trusted key verified it");
    }

    @Test
    void ecdsaP384_validAndTampered() {
        Path[] key = ec("P-384");
        byte[] signature = dgstSign(key[0], "sha384", model);
        assertValid(Tools.verify(trust(key[1]), signature, content), SignatureKind.RAW_ECDSA, "SHA384withECDSA",
                key[1]);
        assertInvalid(Tools.verify(trust(key[1]), signature, tampered()), "no trusted key verified it");
    }

    @Test
    void ecdsaP384SignedWithSha256_invalid() {
        // The curve fixes the hash: P-384 goes with SHA-384.
        Path[] key = ec("P-384");
        assertInvalid(Tools.verify(trust(key[1]), dgstSign(key[0], "sha256", model), content),
                "no trusted key verified it");
    }

    @Test
    void ecdsaWithSha1_invalid() {
        Path[] key = ec("P-256");
        assertInvalid(Tools.verify(trust(key[1]), dgstSign(key[0], "sha1", model), content),
                "no trusted key verified it");
    }

    @Test
    void severalTrustedKeys_theMatchingOneIsFound() {
        Path[] p256 = ec("P-256");
        Path[] p384 = ec("P-384");
        Path[] other = key("ec-other", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256");
        Path[] ed = ed25519("ed-several");
        SignatureTrust trust = trust(other[1], ed[1], p384[1], p256[1]);
        assertValid(Tools.verify(trust, dgstSign(p256[0], "sha256", model), content), SignatureKind.RAW_ECDSA,
                "SHA256withECDSA", p256[1]);
        assertValid(Tools.verify(trust, dgstSign(p384[0], "sha384", model), content), SignatureKind.RAW_ECDSA,
                "SHA384withECDSA", p384[1]);
    }

    @Test
    void wrongKey_invalid() {
        Path[] signer = ec("P-256");
        Path[] other = key("ec-wrong", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256");
        assertInvalid(Tools.verify(trust(other[1]), dgstSign(signer[0], "sha256", model), content),
                "no trusted key verified it");
        Path[] ed = ed25519("ed-wrong");
        assertInvalid(Tools.verify(trust(ed[1]), dgstSign(signer[0], "sha256", model), content),
                "no trusted key verified it");
    }

    // ---------------------------------------------------------------- RSA

    @Test
    void rsaPssWithOpenSslDefaultMaximumSalt_valid() {
        Path[] key = rsa(3072);
        byte[] signature = dgstSign(key[0], "sha256", model, "-sigopt", "rsa_padding_mode:pss");
        assertValid(Tools.verify(trust(key[1]), signature, content), SignatureKind.RAW_RSA_PSS,
                "RSASSA-PSS/SHA-256", key[1]);
        assertInvalid(Tools.verify(trust(key[1]), signature, tampered()), "no trusted key verified it");
    }

    @Test
    void rsaPssWithDigestLengthSalt_valid() {
        Path[] key = rsa(2048);
        byte[] signature = dgstSign(key[0], "sha256", model, "-sigopt", "rsa_padding_mode:pss", "-sigopt",
                "rsa_pss_saltlen:digest");
        assertValid(Tools.verify(trust(key[1]), signature, content), SignatureKind.RAW_RSA_PSS,
                "RSASSA-PSS/SHA-256", key[1]);
    }

    @Test
    void rsaPssWithOtherSaltLength_invalid() {
        Path[] key = rsa(2048);
        byte[] signature = dgstSign(key[0], "sha256", model, "-sigopt", "rsa_padding_mode:pss", "-sigopt",
                "rsa_pss_saltlen:20");
        assertInvalid(Tools.verify(trust(key[1]), signature, content), "no trusted key verified it");
    }

    @Test
    void rsaPkcs1v15_refused() {
        Path[] key = rsa(2048);
        assertInvalid(Tools.verify(trust(key[1]), dgstSign(key[0], "sha256", model), content), "PKCS#1 v1.5");
    }

    @Test
    void rsa1024_refusedAtPemParse() {
        Path[] key = rsa(1024);
        assertThatThrownBy(() -> Pem.publicKeys(Tools.read(key[1])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1024 bits");
    }

    // ---------------------------------------------------------------- Ed25519 over the digest

    @Test
    void ed25519OverDigest_validAndTampered() {
        Path[] key = ed25519("ed");
        byte[] signature = edSignDigest(key[0], digestFile);
        assertThat(signature).hasSize(64);
        assertValid(Tools.verify(trust(key[1]), signature, content), SignatureKind.RAW_ED25519_DIGEST,
                "Ed25519/SHA-256-digest", key[1]);
        assertInvalid(Tools.verify(trust(key[1]), signature, tampered()), "no trusted key verified it");
    }

    @Test
    void ed25519OverWholeFile_invalid() {
        // Pure Ed25519 over the file would make the JDK buffer the whole file; it is not a supported form.
        Path[] key = ed25519("ed");
        Path out = dir.resolve("ed-whole.sig");
        Tools.openssl(dir, "pkeyutl", "-sign", "-rawin", "-inkey", key[0].toString(), "-in", model.toString(),
                "-out", out.toString());
        assertInvalid(Tools.verify(trust(key[1]), Tools.read(out), content), "no trusted key verified it");
    }

    // ---------------------------------------------------------------- text forms

    @Test
    void base64TextForms_accepted() {
        Path[] ecKey = ec("P-256");
        Path[] edKey = ed25519("ed");
        Path[] rsaKey = rsa(3072);
        Path ecSig = write("ec.sig", dgstSign(ecKey[0], "sha256", model));
        Path edSig = write("ed.sig", edSignDigest(edKey[0], digestFile));
        Path rsaSig = write("rsa.sig", dgstSign(rsaKey[0], "sha256", model, "-sigopt", "rsa_padding_mode:pss"));
        SignatureTrust trust = trust(ecKey[1], edKey[1], rsaKey[1]);
        for (Path sig : List.of(ecSig, edSig, rsaSig)) {
            byte[] text = Tools.openssl(dir, "base64", "-in", sig.toString());
            assertThat(Tools.verify(trust, text, content).isValid()).as("base64 of %s", sig.getFileName()).isTrue();
            byte[] crlf = new String(text, java.nio.charset.StandardCharsets.US_ASCII).replace("\n", "\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            assertThat(Tools.verify(trust, crlf, content).isValid()).isTrue();
        }
    }

    private static Path write(String name, byte[] bytes) {
        try {
            return Files.write(dir.resolve(name), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- shapes and limits

    @Test
    void rawSignatureWithOnlyOpenPgpOrNoMatchingKey_invalidWithoutReadingContent() throws Exception {
        Path[] ecKey = ec("P-256");
        byte[] signature = dgstSign(ecKey[0], "sha256", model);
        Path[] edKey = ed25519("ed");
        CountingStream counting = new CountingStream(new ByteArrayInputStream(content));
        SignatureOutcome outcome = new DetachedSignatureVerifier(trust(edKey[1])).verify(signature, "m.sig",
                counting, () -> {
                    throw new AssertionError("not needed");
                }, "model.bin");
        assertInvalid(outcome, "no trusted raw key of a matching type");
        assertThat(counting.count.get()).isZero();
    }

    @Test
    void contentIsReadOnceAndStreamed() throws Exception {
        int size = 5 * 1024 * 1024 + 17;
        byte[] big = new byte[size];
        new Random(3).nextBytes(big);
        KeyPair pair = KeyPairGenerator.getInstance("EC").generateKeyPair();
        KeyPairGenerator p384 = KeyPairGenerator.getInstance("EC");
        p384.initialize(new java.security.spec.ECGenParameterSpec("secp384r1"));
        KeyPair pair384 = p384.generateKeyPair();
        Signature signer = Signature.getInstance("SHA384withECDSA");
        signer.initSign(pair384.getPrivate());
        signer.update(big);
        byte[] signature = signer.sign();
        SignatureTrust trust = SignatureTrust.of(List.of(pair.getPublic(), pair384.getPublic()), List.of(), Set.of());

        CountingStream counting = new CountingStream(new ByteArrayInputStream(big));
        SignatureOutcome outcome = new DetachedSignatureVerifier(trust).verify(signature, "m.sig", counting,
                () -> Tools.sha256(big), "model.bin");
        assertThat(outcome.isValid()).isTrue();
        // Read by the verifier itself (no draining here), exactly once, in small chunks.
        assertThat(counting.count.get()).isEqualTo(size);
        assertThat(counting.largestRead).isLessThanOrEqualTo(64 * 1024);
    }

    @Test
    void contentStreamFailure_propagatesUnchanged() {
        Path[] key = ec("P-256");
        byte[] signature = dgstSign(key[0], "sha256", model);
        InputStream failing = new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("disk on fire");
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                throw new IOException("disk on fire");
            }
        };
        assertThatThrownBy(() -> new DetachedSignatureVerifier(trust(key[1])).verify(signature, "m.sig", failing,
                () -> new byte[32], "model.bin"))
                .isInstanceOf(UncheckedIOException.class).hasRootCauseMessage("disk on fire");
        IllegalStateException callerRejection = new IllegalStateException("caller says stop");
        InputStream rejecting = new InputStream() {
            @Override
            public int read() {
                throw callerRejection;
            }
        };
        assertThatThrownBy(() -> new DetachedSignatureVerifier(trust(key[1])).verify(signature, "m.sig", rejecting,
                () -> new byte[32], "model.bin")).isSameAs(callerRejection);
        IllegalStateException digestFailure = new IllegalStateException("no digest for you");
        assertThatThrownBy(() -> new DetachedSignatureVerifier(trust(key[1])).verify(signature, "m.sig",
                new ByteArrayInputStream(content), () -> {
                    throw digestFailure;
                }, "model.bin")).isSameAs(digestFailure);
        assertThatThrownBy(() -> new DetachedSignatureVerifier(trust(key[1])).verify(signature, "m.sig",
                new ByteArrayInputStream(content), () -> new byte[20], "model.bin"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("32-byte");
    }

    @Test
    void looksLikeSignature() {
        Path[] ecKey = ec("P-256");
        byte[] der = dgstSign(ecKey[0], "sha256", model);
        assertThat(DetachedSignatureVerifier.looksLikeSignature(der)).isTrue();
        assertThat(DetachedSignatureVerifier.looksLikeSignature(Tools.openssl(dir, "base64", "-in",
                write("der.sig", der).toString()))).isTrue();
        assertThat(DetachedSignatureVerifier.looksLikeSignature(new byte[64])).isTrue();
        assertThat(DetachedSignatureVerifier.looksLikeSignature("-----BEGIN PGP SIGNATURE-----\n".getBytes()))
                .isTrue();
        assertThat(DetachedSignatureVerifier.looksLikeSignature("{\"weights\": 1}".getBytes())).isFalse();
        assertThat(DetachedSignatureVerifier.looksLikeSignature(
                "-----BEGIN PGP PUBLIC KEY BLOCK-----\n".getBytes())).isFalse();
        assertThat(DetachedSignatureVerifier.looksLikeSignature(new byte[0])).isFalse();
        assertThat(DetachedSignatureVerifier.looksLikeSignature(new byte[1000])).isFalse();
    }

    static final class CountingStream extends java.io.FilterInputStream {
        final AtomicLong count = new AtomicLong();
        int largestRead;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int r = super.read();
            if (r >= 0) {
                count.incrementAndGet();
            }
            return r;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int r = super.read(b, off, len);
            if (r > 0) {
                count.addAndGet(r);
                largestRead = Math.max(largestRead, r);
            }
            return r;
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        @Override
        public synchronized void mark(int limit) {
            throw new AssertionError("content must not be re-read");
        }

        @Override
        public synchronized void reset() {
            throw new AssertionError("content must not be re-read");
        }
    }
}
