package dev.safeload.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/** The integrity options of {@code safeload verify}: pins, keys, signatures, directories. */
class IntegrityCliTest extends CliHarness {

    private static Path vectors() {
        Path dir = repo().resolve("..").resolve("shared/testdata/model-signing").normalize();
        assumeTrue(Files.isDirectory(dir), "the model-signing interoperability vectors are not at " + dir
                + " (see ../shared/testdata/model-signing/README.md); skipping the interoperability check");
        return dir;
    }

    private Path model() throws IOException {
        return Files.copy(repo().resolve("fixtures/benign/mlp_state_dict.pt"), temp.resolve("mlp.pt"));
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    private List<String> codes() {
        return json().get("results").get(0).get("rejections").valueStream().map(r -> r.get("code").asString())
                .distinct().toList();
    }

    private int verify(String... args) {
        stdout.reset();
        String[] all = new String[args.length + 3];
        all[0] = "verify";
        all[1] = "--format";
        all[2] = "json";
        System.arraycopy(args, 0, all, 3, args.length);
        return SafeloadCli.execute(all);
    }

    @Test
    void sha256PinAndPinFile() throws Exception {
        Path model = model();
        assertThat(verify("--sha256", sha256(model), model.toString())).isZero();
        JsonNode digest = json().get("results").get(0).get("provenance").get("digests").get(0);
        assertThat(digest.get("hex").asString()).isEqualTo(sha256(model));
        assertThat(digest.get("pinned").asBoolean()).isTrue();

        assertThat(verify("--sha256", "0".repeat(64), model.toString())).isEqualTo(1);
        assertThat(codes()).containsExactly("HASH_MISMATCH");

        Path sums = Files.writeString(temp.resolve("SHA256SUMS"), sha256(model) + "  other.pt\n");
        assertThat(verify("--pin-file", sums.toString(), model.toString())).isEqualTo(1);
        assertThat(codes()).containsExactly("HASH_MISSING");

        assertThat(SafeloadCli.execute("verify", "--sha256", "abc", model.toString())).isEqualTo(2);
        assertThat(SafeloadCli.execute("verify", "--pin-file", temp.resolve("absent").toString(), model.toString()))
                .isEqualTo(2);
    }

    @Test
    void publicKeyAndSignature() throws Exception {
        Path model = model();
        run("openssl", "ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", "key.pem");
        run("openssl", "ec", "-in", "key.pem", "-pubout", "-out", "pub.pem");
        run("openssl", "dgst", "-sha384", "-sign", "key.pem", "-out", "detached.bin", "mlp.pt");
        String pub = temp.resolve("pub.pem").toString();

        assertThat(verify("--public-key", pub, model.toString())).isEqualTo(1);
        assertThat(codes()).containsExactly("SIGNATURE_MISSING");

        assertThat(verify("--public-key", pub, "--signature", temp.resolve("detached.bin").toString(),
                model.toString())).isZero();
        JsonNode signature = json().get("results").get(0).get("provenance").get("signatures").get(0);
        assertThat(signature.get("kind").asString()).isEqualTo("RAW_ECDSA");
        assertThat(signature.get("algorithm").asString()).isEqualTo("SHA384withECDSA");

        assertThat(verify("--public-key", pub, "--insecure-allow-unsigned", model.toString())).isZero();
        assertThat(json().get("results").get(0).get("notes").toString()).contains("INSECURE");

        assertThat(SafeloadCli.execute("verify", "--signature", temp.resolve("detached.bin").toString(),
                model.toString(), model.toString())).isEqualTo(2);
    }

    @Test
    void aDirectoryIsOneModelAndIgnoredPathsAreSkipped() throws Exception {
        Path dir = Files.createDirectories(temp.resolve("snapshot"));
        Files.copy(repo().resolve("fixtures/safetensors/benign/tiny_cnn_state_dict.safetensors"),
                dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("config.json"), "{}\n");
        Files.writeString(dir.resolve("README.md"), "# model\n");
        Path sums = Files.writeString(temp.resolve("SHA256SUMS"), sha256(dir.resolve("model.safetensors"))
                + "  model.safetensors\n" + sha256(dir.resolve("config.json")) + "  config.json\n");

        assertThat(verify("--pin-file", sums.toString(), dir.toString())).isEqualTo(1);
        assertThat(codes()).containsExactly("HASH_MISSING");
        assertThat(verify("--pin-file", sums.toString(), "--ignore", "README.md", dir.toString())).isZero();
        JsonNode result = json().get("results").get(0);
        assertThat(result.get("format").asString()).isEqualTo("DIRECTORY");
        assertThat(result.get("tensors").get(0).get("path").get(0).asString()).isEqualTo("model.safetensors");
    }

    @Test
    void aSingleFileModelSigningVectorVerifiesAsThatFile() {
        // v1.0.0-elliptic-key signs the single file signme-1 (resource "."), with model.sig beside it.
        Path dir = vectors().resolve("v1.0.0-elliptic-key");
        String key = vectors().resolve("keys/certificate/signing-key-pub.pem").toString();
        // The signature and the digest hold; the file itself is no model format, which a single file must be.
        assertThat(verify("--public-key", key, "--signature", dir.resolve("model.sig").toString(),
                dir.resolve("signme-1").toString())).isEqualTo(1);
        assertThat(codes()).containsExactly("UNSUPPORTED_FORMAT");
        JsonNode provenance = json().get("results").get(0).get("provenance");
        assertThat(provenance.get("signatures").get(0).get("kind").asString()).isEqualTo("MODEL_SIGNING_KEY");
        assertThat(provenance.get("digests").get(0).get("pinned").asBoolean()).isTrue();
        assertThat(verify("--public-key", vectors().resolve("keys/certificate/ca-cert.pem").toString(),
                "--signature", dir.resolve("model.sig").toString(), dir.resolve("signme-1").toString())).isEqualTo(2);
        assertThat(verify("--public-key", key, dir.toString())).isEqualTo(1);
        assertThat(json().get("results").get(0).get("rejections").get(0).get("message").asString())
                .contains("covers one file");
    }

    @ParameterizedTest
    @ValueSource(strings = {"v1.0.1-elliptic-key", "v1.1.0-elliptic-key"})
    void modelSigningVectorsMadeWithAKeyVerify(String vector) {
        Path dir = vectors().resolve(vector);
        assertThat(verify("--public-key", vectors().resolve("keys/certificate/signing-key-pub.pem").toString(),
                "--ignore", "ignore-me", dir.toString())).as(stdout.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(json().get("results").get(0).get("provenance").get("signatures").get(0).get("kind").asString())
                .isEqualTo("MODEL_SIGNING_KEY");
    }

    @ParameterizedTest
    @ValueSource(strings = {"v1.0.0-certificate", "v1.0.1-certificate", "v1.1.0-certificate"})
    void modelSigningVectorsMadeWithACertificateVerify(String vector) {
        Path dir = vectors().resolve(vector);
        assertThat(verify("--trust-anchor", vectors().resolve("keys/certificate/ca-cert.pem").toString(),
                "--ignore", "ignore-me", dir.toString())).as(stdout.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(json().get("results").get(0).get("provenance").get("signatures").get(0).get("kind").asString())
                .isEqualTo("MODEL_SIGNING_CERTIFICATE");
    }

    @Test
    void keylessModelSigningVerifiesAgainstAPinnedTrustedRoot() throws Exception {
        // Real public-good vectors and trusted root, committed as core test data (see its README).
        Path sigstore = repo().resolve("safeload-core/src/test/resources/sigstore");
        String root = sigstore.resolve("trusted_root.json").toString();
        Path model = sigstore.resolve("v1.1.0-sigstore");
        assertThat(verify("--sigstore-trusted-root", root, "--sigstore-identity", "stefanb@us.ibm.com",
                "https://sigstore.verify.ibm.com/oauth2", "--ignore", "ignore-me", model.toString()))
                .as(stdout.toString(StandardCharsets.UTF_8)).isZero();
        JsonNode signature = json().get("results").get(0).get("provenance").get("signatures").get(0);
        assertThat(signature.get("kind").asString()).isEqualTo("MODEL_SIGNING_KEYLESS");
        assertThat(signature.get("signer").asString()).startsWith("stefanb@us.ibm.com");

        assertThat(verify("--sigstore-trusted-root", root, "--sigstore-identity", "someone@else.example",
                "https://sigstore.verify.ibm.com/oauth2", "--ignore", "ignore-me", model.toString())).isEqualTo(1);
        assertThat(codes()).containsExactly("UNTRUSTED_SIGNER");

        Path key = Files.writeString(temp.resolve("unrelated.pub"), "-----BEGIN PUBLIC KEY-----\n"
                + "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAFwrkBbmLSGtks4L3qX6yYY0zufBnhC8Ur/iy55GhWP/9A/bY2LhC30M9+RYtw==\n"
                + "-----END PUBLIC KEY-----\n");
        assertThat(verify("--public-key", key.toString(), "--ignore", "ignore-me", model.toString())).isEqualTo(1);
        assertThat(json().get("results").get(0).get("rejections").get(0).get("message").asString())
                .contains("trusted root");
        assertThat(SafeloadCli.execute("verify", "--sigstore-trusted-root", root, model.toString())).isEqualTo(2);
    }

    @Test
    void aTamperedVectorIsRejected() throws Exception {
        Path source = vectors().resolve("v1.1.0-elliptic-key");
        Path copy = Files.createDirectories(temp.resolve("copy"));
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.toList()) {
                if (Files.isRegularFile(f)) {
                    Files.copy(f, copy.resolve(f.getFileName().toString()));
                }
            }
        }
        String key = vectors().resolve("keys/certificate/signing-key-pub.pem").toString();
        Files.writeString(copy.resolve("added.txt"), "not signed\n");
        assertThat(verify("--public-key", key, "--ignore", "ignore-me", copy.toString())).isEqualTo(1);
        assertThat(codes()).containsExactly("HASH_MISSING");
        Files.delete(copy.resolve("added.txt"));
        Path signed = Files.list(copy).filter(p -> p.getFileName().toString().startsWith("signme")).findFirst()
                .orElseThrow();
        Files.writeString(signed, "changed\n");
        assertThat(verify("--public-key", key, "--ignore", "ignore-me", copy.toString())).isEqualTo(1);
        assertThat(codes()).containsExactly("HASH_MISMATCH");
    }

    private void run(String... command) throws Exception {
        Process process;
        try {
            process = new ProcessBuilder(command).directory(temp.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            if (System.getenv("CI") != null) {
                throw new AssertionError(command[0] + " is not installed; this signature test needs it"
                        + " (CI must install it: .ci/run)");
            }
            assumeTrue(false, command[0] + " is not installed; this signature test needs it");
            return;
        }
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(out).isZero();
    }
}
