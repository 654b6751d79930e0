package dev.safeload.internal.modelsigning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.safeload.api.Provenance;
import dev.safeload.api.Rejection;
import dev.safeload.api.RejectionCode;
import dev.safeload.internal.Reject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The interoperability vectors signed by the reference tool ({@code model_signing} v0.3.1 to v1.1.0), read from
 * {@code ../shared/testdata/model-signing/} next to the repository, never copied into it.
 *
 * <p>v0.3.1: its bundles carry the v1.0 predicate ({@code https://model_signing/signature/v1.0}) and the same
 * bundle shape as v1.0.0 (a {@code publicKey.rawBytes} that is ignored, a null {@code keyid}), so safeload
 * <b>supports</b> them; only the v0.1 Digests predicate is refused, see {@code ModelSigningBundleTest}.
 */
class ModelSigningVectorsTest {

    static final Path VECTORS = Path.of(System.getProperty("safeload.repoRoot", "."))
            .resolve("../shared/testdata/model-signing").toAbsolutePath().normalize();
    static final Path KEYS = VECTORS.resolve("keys/certificate");

    @BeforeAll
    static void vectorsPresent() {
        assumeTrue(Files.isDirectory(VECTORS), "the model-signing interoperability vectors are not at " + VECTORS
                + " (shared/testdata/model-signing next to the repository); skipping");
    }

    static Stream<String> keyVectors() {
        return Stream.of("v0.3.1-elliptic-key", "v1.0.0-elliptic-key", "v1.0.1-elliptic-key", "v1.1.0-elliptic-key");
    }

    static Stream<String> certificateVectors() {
        return Stream.of("v0.3.1-certificate", "v1.0.0-certificate", "v1.0.1-certificate", "v1.1.0-certificate");
    }

    static PublicKey signingKey() {
        return publicKey(KEYS.resolve("signing-key-pub.pem"));
    }

    static X509Certificate cert(String file) {
        try (InputStream in = Files.newInputStream(KEYS.resolve(file))) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static PublicKey publicKey(Path pem) {
        try {
            String block = pemBlock(pem);
            String body = block.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(body)));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The PEM block of a file; the vectors' key file starts with certtool's human-readable dump. */
    static String pemBlock(Path pem) throws IOException {
        String text = Files.readString(pem, StandardCharsets.US_ASCII);
        String end = "-----END PUBLIC KEY-----\n";
        return text.substring(text.indexOf("-----BEGIN PUBLIC KEY-----"), text.indexOf(end) + end.length());
    }

    static ModelSigningTrust keyTrust() {
        return ModelSigningTrust.of(List.of(signingKey()), List.of(), Set.of());
    }

    static ModelSigningTrust caTrust() {
        return ModelSigningTrust.of(List.of(), List.of(cert("ca-cert.pem")), Set.of());
    }

    static VerifiedStatement verify(Path folder, ModelSigningTrust trust) throws IOException {
        return ModelSigningBundle.parse(Files.readAllBytes(folder.resolve("model.sig"))).verify(trust);
    }

    /** What a caller does: a single file is checked as ".", a directory is walked minus the ignored paths. */
    static List<Rejection> check(Path folder, VerifiedStatement statement) {
        if (statement.singleFile()) {
            return statement.checkFiles(DirectoryFiles.single(folder.resolve(statement.subjectName()), true));
        }
        List<String> ignore = new ArrayList<>(statement.ignorePaths());
        ignore.add("model.sig");
        ignore.add("ignore-me"); // the README asks for it; v1.0.1 does not sign it into ignore_paths
        return statement.checkFiles(DirectoryFiles.walk(folder, VerifiedStatement.ignoreMatcher(ignore), true));
    }

    @ParameterizedTest
    @MethodSource("keyVectors")
    void keyVector_verifiesAndMatchesFiles(String name) throws IOException {
        Path folder = VECTORS.resolve(name);
        VerifiedStatement statement = verify(folder, keyTrust());

        assertThat(check(folder, statement)).isEmpty();
        Provenance.SignatureInfo signer = statement.signer();
        assertThat(signer.kind()).isEqualTo(Provenance.SignatureKind.MODEL_SIGNING_KEY);
        assertThat(signer.signer()).isEqualTo(Crypto.fingerprint(signingKey())).matches("[0-9a-f]{64}");
        assertThat(signer.algorithm()).isEqualTo("SHA384withECDSA"); // the vectors' key is P-384
        assertThat(signer.covers()).isEqualTo(statement.singleFile() ? "signme-1" : "model directory");
        assertThat(statement.method()).isEqualTo("files");
        assertThat(statement.hashType()).isEqualTo("sha256");
        assertThat(statement.allowSymlinks()).isFalse();
    }

    @ParameterizedTest
    @MethodSource("certificateVectors")
    void certificateVector_verifiesAndMatchesFiles(String name) throws IOException {
        Path folder = VECTORS.resolve(name);
        VerifiedStatement statement = verify(folder, caTrust());

        assertThat(check(folder, statement)).isEmpty();
        assertThat(statement.signer().kind()).isEqualTo(Provenance.SignatureKind.MODEL_SIGNING_CERTIFICATE);
        assertThat(statement.signer().signer()).isEqualTo("CN=intermediate-ca"); // the vectors' leaf subject
        assertThat(statement.signer().algorithm()).isEqualTo("SHA384withECDSA");
        assertThat(statement.signer().covers()).isEqualTo("model directory");
    }

    @Test
    void v110_hintIsTheSha256OfTheCanonicalPem() throws IOException {
        ModelSigningBundle bundle = ModelSigningBundle.parse(
                Files.readAllBytes(VECTORS.resolve("v1.1.0-elliptic-key/model.sig")));
        String pem = pemBlock(KEYS.resolve("signing-key-pub.pem"));

        assertThat(Crypto.canonicalPem(signingKey())).isEqualTo(pem);
        assertThat(bundle.hint()).contains("e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e");
        assertThat(bundle.hint().orElseThrow()).isEqualTo(Crypto.hex(Crypto.sha256(pem.getBytes(StandardCharsets.US_ASCII))))
                .isNotEqualTo(Crypto.hex(Crypto.sha256(signingKey().getEncoded())));
    }

    @Test
    void v110_signedIgnorePathsAreExposed() throws IOException {
        VerifiedStatement statement = verify(VECTORS.resolve("v1.1.0-certificate"), caTrust());
        assertThat(statement.ignorePaths()).containsExactlyInAnyOrder("ignore-me", ".gitattributes", "model.sig",
                ".github", ".gitignore", ".git");
    }

    @Test
    void certificateVector_anchoredAtTheIntermediate_verifies() throws IOException {
        ModelSigningTrust trust = ModelSigningTrust.of(List.of(), List.of(cert("int-ca-cert.pem")), Set.of());
        assertThat(verify(VECTORS.resolve("v1.1.0-certificate"), trust).signer().signer()).isEqualTo("CN=intermediate-ca");
    }

    @Test
    void certificateVector_allowedIdentity_verifies_otherIdentity_untrusted() throws IOException {
        X509Certificate ca = cert("ca-cert.pem");
        Path folder = VECTORS.resolve("v1.1.0-certificate");
        verify(folder, ModelSigningTrust.of(List.of(), List.of(ca), Set.of("CN=intermediate-ca")));

        assertThatThrownBy(() -> verify(folder, ModelSigningTrust.of(List.of(), List.of(ca), Set.of("CN=someone-else"))))
                .isInstanceOfSatisfying(Reject.class,
                        r -> assertThat(r.rejection().code()).isEqualTo(RejectionCode.UNTRUSTED_SIGNER));
    }

    @Test
    void certificateVector_withOnlyAKeyConfigured_untrusted() {
        assertRejected(() -> verify(VECTORS.resolve("v1.1.0-certificate"), keyTrust()), RejectionCode.UNTRUSTED_SIGNER);
    }

    @Test
    void certificateVector_withTheLeafKeyAsPublicKeyButCertificateBundle_needsAnAnchor() {
        // The key method trusts keys; a certificate bundle is only accepted through an anchor.
        ModelSigningTrust keysOnly = ModelSigningTrust.of(List.of(cert("signing-key-cert.pem").getPublicKey()),
                List.of(), Set.of());
        assertRejected(() -> verify(VECTORS.resolve("v1.0.0-certificate"), keysOnly), RejectionCode.UNTRUSTED_SIGNER);
    }

    @Test
    void keyVector_withOnlyAnAnchorConfigured_untrusted() {
        assertRejected(() -> verify(VECTORS.resolve("v1.1.0-elliptic-key"), caTrust()), RejectionCode.UNTRUSTED_SIGNER);
    }

    @Test
    void keyVectorWithHint_otherKey_untrusted() {
        ModelSigningTrust other = ModelSigningTrust.of(List.of(ModelSigningFixtures.ecKeyPair("secp384r1").getPublic()),
                List.of(), Set.of());
        assertRejected(() -> verify(VECTORS.resolve("v1.1.0-elliptic-key"), other), RejectionCode.UNTRUSTED_SIGNER);
    }

    @Test
    void keyVectorWithoutHint_otherKey_signatureInvalid() {
        ModelSigningTrust other = ModelSigningTrust.of(List.of(ModelSigningFixtures.ecKeyPair("secp384r1").getPublic()),
                List.of(), Set.of());
        assertRejected(() -> verify(VECTORS.resolve("v1.0.1-elliptic-key"), other), RejectionCode.SIGNATURE_INVALID);
    }

    @Test
    void keyVector_theRightKeyAmongOthers_verifies() throws IOException {
        ModelSigningTrust several = ModelSigningTrust.of(List.of(ModelSigningFixtures.ecKeyPair("secp256r1").getPublic(),
                ModelSigningFixtures.ecKeyPair("secp384r1").getPublic(), signingKey()), List.of(), Set.of());
        assertThat(verify(VECTORS.resolve("v1.0.1-elliptic-key"), several).signer().signer())
                .isEqualTo(Crypto.fingerprint(signingKey()));
        assertThat(verify(VECTORS.resolve("v1.1.0-elliptic-key"), several).signer().signer())
                .isEqualTo(Crypto.fingerprint(signingKey()));
    }

    @Test
    void certificateVector_untrustedAnchor_untrusted() {
        ModelSigningFixtures.Ca otherCa = ModelSigningFixtures.Ca.create("CN=other-root");
        ModelSigningTrust trust = ModelSigningTrust.of(List.of(), List.of(otherCa.certificate()), Set.of());
        assertRejected(() -> verify(VECTORS.resolve("v1.1.0-certificate"), trust), RejectionCode.UNTRUSTED_SIGNER);
    }

    // ---- tampered copies of real vectors, made in a temporary directory ----

    static Stream<String> directoryVectors() {
        return Stream.of("v1.0.1-elliptic-key", "v1.1.0-elliptic-key", "v1.0.0-certificate", "v1.0.1-certificate",
                "v1.1.0-certificate");
    }

    static Path copy(String name, Path into) throws IOException {
        Path source = VECTORS.resolve(name);
        Path target = into.resolve(name);
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(source)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path copy = target.resolve(file.getFileName().toString());
                Files.copy(file, copy);
                copy.toFile().setWritable(true);
            }
        }
        return target;
    }

    static ModelSigningTrust trustFor(String name) {
        return name.contains("certificate") ? caTrust() : keyTrust();
    }

    @ParameterizedTest
    @MethodSource("directoryVectors")
    void tamperedCopy_fileModified_hashMismatch(String name, @TempDir Path tmp) throws IOException {
        Path folder = copy(name, tmp);
        Files.writeString(folder.resolve("signme-2"), "tampered\n");
        List<Rejection> problems = check(folder, verify(folder, trustFor(name)));
        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.code()).isEqualTo(RejectionCode.HASH_MISMATCH);
            assertThat(p.message()).contains("signme-2");
        });
    }

    @ParameterizedTest
    @MethodSource("directoryVectors")
    void tamperedCopy_fileAdded_hashMissing(String name, @TempDir Path tmp) throws IOException {
        Path folder = copy(name, tmp);
        Files.writeString(folder.resolve("extra.py"), "import os\n");
        List<Rejection> problems = check(folder, verify(folder, trustFor(name)));
        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.code()).isEqualTo(RejectionCode.HASH_MISSING);
            assertThat(p.message()).contains("extra.py").contains("not covered by the signature");
        });
    }

    @ParameterizedTest
    @MethodSource("directoryVectors")
    void tamperedCopy_fileRemoved_hashMissing(String name, @TempDir Path tmp) throws IOException {
        Path folder = copy(name, tmp);
        Files.delete(folder.resolve("signme-1"));
        List<Rejection> problems = check(folder, verify(folder, trustFor(name)));
        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.code()).isEqualTo(RejectionCode.HASH_MISSING);
            assertThat(p.message()).contains("signme-1").contains("signed file missing");
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"v1.0.1-certificate", "v1.1.0-elliptic-key"})
    void tamperedCopy_gitPathsAndIgnoredFilesMayChange(String name, @TempDir Path tmp) throws IOException {
        Path folder = copy(name, tmp);
        Files.writeString(folder.resolve("ignore-me"), "changed\n");
        Files.createDirectories(folder.resolve(".git/objects"));
        Files.writeString(folder.resolve(".git/objects/x"), "x");
        Files.writeString(folder.resolve(".gitattributes"), "*.bin lfs\n");
        assertThat(check(folder, verify(folder, trustFor(name)))).isEmpty();
    }

    @Test
    void tamperedCopy_singleFileModel_modified_hashMismatchNamingTheFile(@TempDir Path tmp) throws IOException {
        Path folder = copy("v1.0.0-elliptic-key", tmp);
        Files.writeString(folder.resolve("signme-1"), "signme-X\n");
        List<Rejection> problems = check(folder, verify(folder, keyTrust()));
        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.code()).isEqualTo(RejectionCode.HASH_MISMATCH);
            assertThat(p.message()).contains("signme-1");
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"v1.1.0-elliptic-key", "v1.1.0-certificate"})
    void tamperedCopy_bundleEdited_signatureInvalid(String name, @TempDir Path tmp) throws IOException {
        Path folder = copy(name, tmp);
        // Change a digest inside the signed payload and re-encode it, leaving the signature as it was.
        byte[] json = Files.readAllBytes(folder.resolve("model.sig"));
        byte[] edited = ModelSigningFixtures.editPayload(json, payload -> payload.replace(
                "32dcb1f8e1ae52d5963e56a6ba06ab58b424c15ed2a6b70d2feca1d089370028",
                "0000000000000000000000000000000000000000000000000000000000000000"));
        assertThat(edited).isNotEqualTo(json);
        Files.write(folder.resolve("model.sig"), edited);
        assertRejected(() -> verify(folder, trustFor(name)), RejectionCode.SIGNATURE_INVALID);
    }

    static void assertRejected(ThrowingRunnable action, RejectionCode code) {
        assertThatThrownBy(action::run).isInstanceOfSatisfying(Reject.class,
                r -> assertThat(r.rejection().code()).as(r.rejection().toString()).isEqualTo(code));
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }
}
