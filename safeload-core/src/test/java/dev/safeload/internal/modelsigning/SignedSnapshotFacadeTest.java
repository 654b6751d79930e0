package dev.safeload.internal.modelsigning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeload.SafeModelLoader;
import dev.safeload.VerifiedModel;
import dev.safeload.api.ModelFormat;
import dev.safeload.api.Provenance;
import dev.safeload.api.Rejection;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.VerificationResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Hugging Face style snapshot of real model files (safetensors shards, a torch.save checkpoint, a config),
 * signed with OpenSSF model signing by the committed fixture generator, verified end to end through
 * {@link SafeModelLoader}: the signature first, then every file's digest, then every model file vetted.
 */
class SignedSnapshotFacadeTest {

    @TempDir
    Path temp;

    private Path model;
    private KeyPair key;
    private Path publicKey;

    private static Path repo() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("fixtures/benign"))) {
                return p;
            }
        }
        throw new IllegalStateException("no fixtures/");
    }

    private static ModelSigningFixtures.Model snapshot() throws IOException {
        ModelSigningFixtures.Model m = new ModelSigningFixtures.Model();
        m.subjectName = "snapshot";
        m.files.put("model-00001-of-00002.safetensors",
                Files.readAllBytes(repo().resolve("fixtures/safetensors/benign/tiny_cnn_state_dict.safetensors")));
        m.files.put("model-00002-of-00002.safetensors",
                Files.readAllBytes(repo().resolve("fixtures/safetensors/benign/mlp_bf16_state_dict.safetensors")));
        m.files.put("optimizer.pt", Files.readAllBytes(repo().resolve("fixtures/benign/checkpoint_adam_p4.pt")));
        m.files.put("config.json", "{\"model_type\": \"demo\"}\n".getBytes(StandardCharsets.UTF_8));
        return m;
    }

    private Path sign(ModelSigningFixtures.Model m, String folder) throws IOException {
        Path dir = m.writeTo(Files.createDirectories(temp.resolve(folder)));
        Files.writeString(dir.resolve("model.sig"), ModelSigningFixtures.Bundle.withKey(m, key, true).json());
        return dir;
    }

    @BeforeEach
    void signSnapshot() throws IOException {
        key = ModelSigningFixtures.ecKeyPair("secp256r1");
        publicKey = Files.writeString(temp.resolve("signer.pub"), ModelSigningFixtures.pem(key.getPublic()));
        model = sign(snapshot(), "snapshot");
    }

    private static List<RejectionCode> codes(VerificationResult result) {
        return result.rejections().stream().map(Rejection::code).distinct().toList();
    }

    @Test
    void aSignedSnapshotVerifiesWithItsProvenance() {
        VerificationResult result = SafeModelLoader.builder().trustPublicKey(publicKey).build().verify(model);
        assertThat(result.isVerified()).as("%s", result.rejections()).isTrue();
        assertThat(result.report().format()).isEqualTo(ModelFormat.DIRECTORY);
        Provenance provenance = result.report().provenance();
        assertThat(provenance.signatures()).singleElement().satisfies(s -> {
            assertThat(s.kind()).isEqualTo(Provenance.SignatureKind.MODEL_SIGNING_KEY);
            assertThat(s.signer()).isEqualTo(dev.safeload.internal.signing.Pem.fingerprint(key.getPublic()));
        });
        assertThat(provenance.digests()).extracting(Provenance.FileDigest::file).containsExactly("config.json",
                "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "optimizer.pt");
        assertThat(provenance.digests()).allSatisfy(d -> assertThat(d.pinned()).isTrue());
        assertThat(result.orThrow().tensors()).extracting(t -> t.path().get(0).toString())
                .anySatisfy(p -> assertThat(p).contains("optimizer.pt"));
        assertThat(result.report().verifiersRun()).containsSubsequence("directory-walk", "integrity",
                "directory-vetting");
    }

    @Test
    void shardsModeAndCertificatesVerifyToo() throws Exception {
        ModelSigningFixtures.Model sharded = snapshot();
        sharded.method = "shards";
        sharded.shardSize = 4096;
        ModelSigningFixtures.Ca root = ModelSigningFixtures.Ca.create("CN=Acme Root");
        ModelSigningFixtures.Ca intermediate = root.intermediate("CN=Acme Models");
        X509Certificate leaf = intermediate.leaf("CN=release-bot,O=Acme", key.getPublic());
        Path dir = sharded.writeTo(Files.createDirectories(temp.resolve("sharded")));
        Files.writeString(dir.resolve("model.sig"), ModelSigningFixtures.Bundle
                .withChain(sharded, key.getPrivate(), List.of(leaf, intermediate.certificate())).json());
        Path anchor = Files.writeString(temp.resolve("root.pem"), "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(
                        root.certificate().getEncoded()) + "\n-----END CERTIFICATE-----\n");

        // Identities compare with the subject as RFC 2253 prints it (what openssl -nameopt RFC2253 shows).
        String subject = leaf.getSubjectX500Principal().getName();
        VerificationResult result = SafeModelLoader.builder().trustAnchor(anchor)
                .allowSignerIdentity(subject).build().verify(dir);
        assertThat(result.isVerified()).as("%s", result.rejections()).isTrue();
        assertThat(result.report().provenance().signatures().get(0).kind())
                .isEqualTo(Provenance.SignatureKind.MODEL_SIGNING_CERTIFICATE);

        VerificationResult wrongIdentity = SafeModelLoader.builder().trustAnchor(anchor)
                .allowSignerIdentity("CN=someone-else").build().verify(dir);
        assertThat(codes(wrongIdentity)).containsExactly(RejectionCode.UNTRUSTED_SIGNER);

        byte[] shard = Files.readAllBytes(dir.resolve("optimizer.pt"));
        shard[5000] ^= 1;
        Files.write(dir.resolve("optimizer.pt"), shard);
        assertThat(codes(SafeModelLoader.builder().trustAnchor(anchor).build().verify(dir)))
                .containsExactly(RejectionCode.HASH_MISMATCH);
    }

    @Test
    void filesOutsideTheSignedSetAndMissingFilesAreRejected() throws Exception {
        SafeModelLoader loader = SafeModelLoader.builder().trustPublicKey(publicKey).build();
        Files.writeString(model.resolve("pwned.py"), "import os\n");
        assertThat(codes(loader.verify(model))).containsExactly(RejectionCode.HASH_MISSING);
        assertThat(SafeModelLoader.builder().trustPublicKey(publicKey).ignorePath("pwned.py").build().verify(model)
                .isVerified()).isTrue();
        Files.delete(model.resolve("pwned.py"));
        Files.delete(model.resolve("config.json"));
        assertThat(codes(loader.verify(model))).containsExactly(RejectionCode.HASH_MISSING);
    }

    @Test
    void aSignedButHostileFileIsStillRejected() throws Exception {
        ModelSigningFixtures.Model m = snapshot();
        Path hostile;
        try (var files = Files.list(repo().resolve("fixtures/hostile"))) {
            hostile = files.filter(p -> p.getFileName().toString().startsWith("global_posix_system")).findFirst()
                    .orElseThrow();
        }
        m.files.put("pytorch_model.bin", Files.readAllBytes(hostile));
        Path dir = sign(m, "signed-but-hostile");
        VerificationResult result = SafeModelLoader.builder().trustPublicKey(publicKey).build().verify(dir);
        assertThat(codes(result)).containsExactly(RejectionCode.DISALLOWED_GLOBAL);
        assertThat(result.report().provenance().signatures()).hasSize(1);
    }

    @Test
    void wrongKeyAndUnsignedAreRejected() throws Exception {
        Path otherKey = Files.writeString(temp.resolve("other.pub"),
                ModelSigningFixtures.pem(ModelSigningFixtures.ecKeyPair("secp256r1").getPublic()));
        assertThat(codes(SafeModelLoader.builder().trustPublicKey(otherKey).build().verify(model)))
                .containsAnyOf(RejectionCode.UNTRUSTED_SIGNER, RejectionCode.SIGNATURE_INVALID);
        Files.delete(model.resolve("model.sig"));
        assertThat(codes(SafeModelLoader.builder().trustPublicKey(publicKey).build().verify(model)))
                .containsExactly(RejectionCode.SIGNATURE_MISSING);
    }

    @Test
    void theHandleCopiesTheSignedFilesButNotTheSignature() throws Exception {
        SafeModelLoader loader = SafeModelLoader.builder().trustPublicKey(publicKey).build();
        try (VerifiedModel verified = loader.openVerified(model)) {
            assertThat(verified.result().isVerified()).as("%s", verified.result().rejections()).isTrue();
            try (var copied = Files.list(verified.path())) {
                assertThat(copied.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly(
                        "config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                        "optimizer.pt");
            }
            // Tampering with the original after verification does not reach the copy.
            Files.writeString(model.resolve("config.json"), "{\"evil\": true}\n");
            assertThat(Files.readString(verified.path().resolve("config.json"))).contains("demo");
        }
    }
}
