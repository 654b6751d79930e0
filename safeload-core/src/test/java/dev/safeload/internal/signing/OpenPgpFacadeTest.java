package dev.safeload.internal.signing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeload.SafeModelLoader;
import dev.safeload.api.Provenance;
import dev.safeload.api.Rejection;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.VerificationResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** gpg-made detached signatures through {@link SafeModelLoader}: a model file's .asc and a signed SHA256SUMS. */
class OpenPgpFacadeTest {

    @TempDir
    static Path dir;

    static Map<String, String> env;
    static String fingerprint;
    static Path keyring;

    static byte[] gpg(String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("gpg", "--batch", "--yes", "--no-tty",
                "--pinentry-mode", "loopback", "--passphrase", ""));
        command.addAll(List.of(args));
        return Tools.run(env, dir, command.toArray(String[]::new));
    }

    @BeforeAll
    static void key() throws Exception {
        Tools.assumeTool("gpg");
        Path home = Files.createDirectory(dir.resolve("gnupg"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        env = Map.of("GNUPGHOME", home.toString());
        gpg("--quick-gen-key", "Release <release@example.org>", "ed25519", "sign", "0");
        String listing = new String(gpg("--with-colons", "--list-keys"), StandardCharsets.UTF_8);
        fingerprint = listing.lines().filter(l -> l.startsWith("fpr:")).findFirst().orElseThrow().split(":")[9];
        keyring = Files.write(dir.resolve("release.asc"), gpg("--export", "--armor", fingerprint));
    }

    @AfterAll
    static void stopAgent() {
        if (env != null) {
            Tools.run(env, dir, "gpgconf", "--kill", "gpg-agent");
        }
    }

    private static Path repo() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("fixtures/benign"))) {
                return p;
            }
        }
        throw new IllegalStateException("no fixtures/");
    }

    private static List<RejectionCode> codes(VerificationResult result) {
        return result.rejections().stream().map(Rejection::code).distinct().toList();
    }

    @Test
    void anAscNextToTheModelIsFoundAndVerified() throws Exception {
        Path model = Files.copy(repo().resolve("fixtures/benign/mlp_state_dict.pt"), dir.resolve("mlp.pt"));
        gpg("--detach-sign", "--armor", "--output", dir.resolve("mlp.pt.asc").toString(), model.toString());
        SafeModelLoader loader = SafeModelLoader.builder().trustOpenPgpKeyring(keyring)
                .trustOpenPgpFingerprint(fingerprint).build();
        VerificationResult result = loader.verify(model);
        assertThat(result.isVerified()).as("%s", result.rejections()).isTrue();
        assertThat(result.report().provenance().signatures()).singleElement().satisfies(s -> {
            assertThat(s.kind()).isEqualTo(Provenance.SignatureKind.OPENPGP);
            assertThat(s.signer()).isEqualToIgnoringCase(fingerprint);
        });
        byte[] bytes = Files.readAllBytes(model);
        bytes[bytes.length - 30] ^= 1;
        Path tampered = Files.write(dir.resolve("tampered.pt"), bytes);
        Files.copy(dir.resolve("mlp.pt.asc"), dir.resolve("tampered.pt.asc"));
        assertThat(codes(loader.verify(tampered))).containsExactly(RejectionCode.SIGNATURE_INVALID);
    }

    @Test
    void aSignedSha256SumsCoversAWholeDirectory() throws Exception {
        Path model = Files.createDirectories(dir.resolve("snapshot"));
        Files.copy(repo().resolve("fixtures/safetensors/benign/tiny_cnn_state_dict.safetensors"),
                model.resolve("model.safetensors"));
        Files.writeString(model.resolve("config.json"), "{}\n");
        StringBuilder sums = new StringBuilder();
        for (String name : List.of("config.json", "model.safetensors")) {
            sums.append(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(Files.readAllBytes(model.resolve(name))))).append("  ").append(name).append('\n');
        }
        Path pins = Files.writeString(dir.resolve("SHA256SUMS"), sums);
        gpg("--detach-sign", "--armor", "--output", dir.resolve("SHA256SUMS.asc").toString(), pins.toString());
        SafeModelLoader loader = SafeModelLoader.builder().trustOpenPgpKeyring(keyring)
                .signedPinFile(pins, dir.resolve("SHA256SUMS.asc")).build();
        VerificationResult result = loader.verify(model);
        assertThat(result.isVerified()).as("%s", result.rejections()).isTrue();
        assertThat(result.report().provenance().signatures().get(0).covers()).contains("SHA256SUMS");

        Files.writeString(model.resolve("config.json"), "{\"changed\": 1}\n");
        assertThat(codes(loader.verify(model))).containsExactly(RejectionCode.HASH_MISMATCH);
        // Pins that are not signed do not satisfy the signature requirement.
        VerificationResult unsigned = SafeModelLoader.builder().trustOpenPgpKeyring(keyring).pinFile(pins).build()
                .verify(model);
        assertThat(codes(unsigned)).contains(RejectionCode.SIGNATURE_MISSING);
    }
}
