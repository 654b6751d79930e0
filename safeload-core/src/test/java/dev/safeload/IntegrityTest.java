package dev.safeload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.safeload.api.ModelFormat;
import dev.safeload.api.ModelRejectedException;
import dev.safeload.api.Provenance;
import dev.safeload.api.Rejection;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.VerificationResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hash pins, detached signatures through the facade, model directories and the verified handle. */
class IntegrityTest {

    @TempDir
    Path dir;

    static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    static String sha512(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-512").digest(Files.readAllBytes(file)));
    }

    private Path copy(String fixture, String as) throws IOException {
        Path target = dir.resolve(as);
        Files.createDirectories(target.getParent());
        return Files.copy(Fixtures.benign(fixture), target);
    }

    private static List<RejectionCode> codes(VerificationResult result) {
        return result.rejections().stream().map(Rejection::code).distinct().toList();
    }

    // ---- hash pins -------------------------------------------------------------------------------------------

    @Test
    void matchingPinVerifiesAndIsRecordedInTheProvenance() throws Exception {
        Path model = copy("mlp_state_dict.pt", "mlp.pt");
        SafeModelLoader loader = SafeModelLoader.builder().pinDigest(sha256(model)).build();
        VerificationResult result = loader.verify(model);
        assertThat(result.isVerified()).as("%s", result.rejections()).isTrue();
        Provenance.FileDigest digest = result.report().provenance().digest("mlp.pt", "sha256").orElseThrow();
        assertThat(digest.hex()).isEqualTo(sha256(model));
        assertThat(digest.pinned()).isTrue();
        assertThat(result.report().verifiersRun()).contains("integrity");
    }

    @Test
    void mismatchIsRejectedBeforeAnythingIsParsed() throws Exception {
        Path model = copy("mlp_state_dict.pt", "mlp.pt");
        String other = sha256(Fixtures.benign("tiny_cnn_state_dict.pt"));
        VerificationResult result = SafeModelLoader.builder().pinDigest(other).build().verify(model);
        assertThat(codes(result)).containsExactly(RejectionCode.HASH_MISMATCH);
        assertThat(result.rejections().get(0).message()).contains(sha256(model)).contains(other);
        assertThat(result.report().verifiersRun()).doesNotContain("pickle-allowlist");
    }

    @Test
    void sha512PinsAndNamedPinsApply() throws Exception {
        Path model = copy("mlp_state_dict.pt", "mlp.pt");
        assertThat(SafeModelLoader.builder().pinDigest("mlp.pt", sha512(model)).build().verify(model).isVerified())
                .isTrue();
        VerificationResult flipped = SafeModelLoader.builder()
                .pinDigest("mlp.pt", sha512(model).replace('a', 'b').replace('0', '1')).build().verify(model);
        assertThat(codes(flipped)).containsExactly(RejectionCode.HASH_MISMATCH);
    }

    @Test
    void aFileWithoutPinIsHashMissingOnceAnyPinIsConfigured() throws Exception {
        Path model = copy("mlp_state_dict.pt", "mlp.pt");
        VerificationResult result = SafeModelLoader.builder().pinDigest("other.pt", sha256(model)).build().verify(model);
        assertThat(codes(result)).containsExactly(RejectionCode.HASH_MISSING);
    }

    @Test
    void pinFilesAreReadAtEachVerificationAndMalformedOnesReject() throws Exception {
        Path model = copy("mlp_state_dict.pt", "mlp.pt");
        Path sums = dir.resolve("SHA256SUMS");
        Files.writeString(sums, sha256(model) + "  mlp.pt\n");
        SafeModelLoader loader = SafeModelLoader.builder().pinFile(sums).build();
        assertThat(loader.verify(model).isVerified()).isTrue();

        Files.writeString(sums, "SHA256 (mlp.pt) = " + sha256(Fixtures.benign("dtypes.pt")) + "\n");
        assertThat(codes(loader.verify(model))).containsExactly(RejectionCode.HASH_MISMATCH);

        Files.writeString(sums, "this is not a pin file\n");
        VerificationResult malformed = loader.verify(model);
        assertThat(codes(malformed)).containsExactly(RejectionCode.HASH_MISSING);
        assertThat(malformed.rejections().get(0).message()).contains("malformed");

        Files.delete(sums);
        assertThatThrownBy(() -> loader.verify(model)).isInstanceOf(java.io.UncheckedIOException.class);
    }

    @Test
    void gitLfsPointerPinsContentAndSize() throws Exception {
        Path model = copy("mlp_state_dict.pt", "model/mlp.pt");
        Path pointer = Files.createDirectories(dir.resolve("pointers")).resolve("mlp.pt");
        Files.writeString(pointer, "version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256(model)
                + "\nsize " + Files.size(model) + "\n");
        assertThat(SafeModelLoader.builder().pinFile(pointer).build().verify(model).isVerified()).isTrue();
        Files.writeString(pointer, "version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256(model)
                + "\nsize " + (Files.size(model) + 1) + "\n");
        assertThat(codes(SafeModelLoader.builder().pinFile(pointer).build().verify(model)))
                .containsExactly(RejectionCode.HASH_MISMATCH);
    }

    @Test
    void pinsApplyToBytesAndStreamsToo() throws Exception {
        byte[] bytes = Files.readAllBytes(Fixtures.benign("mlp_state_dict.pt"));
        String hex = sha256(Fixtures.benign("mlp_state_dict.pt"));
        SafeModelLoader loader = SafeModelLoader.builder().pinDigest(hex).build();
        assertThat(loader.verify(bytes, "upload").isVerified()).isTrue();
        bytes[bytes.length - 1] ^= 1;
        assertThat(codes(loader.verify(new java.io.ByteArrayInputStream(bytes), "upload")))
                .containsExactly(RejectionCode.HASH_MISMATCH);
    }

    @Test
    void badPinConfigurationFailsAtBuild() {
        assertThatThrownBy(() -> SafeModelLoader.builder().pinDigest("abc").build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SafeModelLoader.builder().pinDigest("../x.pt", "00".repeat(32)).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SafeModelLoader.builder().pinFile(dir.resolve("absent")).build())
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> SafeModelLoader.builder().insecureAllowUnsigned().build())
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> SafeModelLoader.builder().ignorePath("a/../b").build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SafeModelLoader.builder().hashingThreads(0).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SafeModelLoader.withDefaults().verify(dir, dir.resolve("x.sig")))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void keylessTrustNeedsARootAndAnIdentity() throws Exception {
        Path root = Fixtures.repoRoot().resolve("safeload-core/src/test/resources/sigstore/trusted_root.json");
        Path signed = Fixtures.repoRoot().resolve("safeload-core/src/test/resources/sigstore/v1.1.0-sigstore");
        assertThatThrownBy(() -> SafeModelLoader.builder().trustSigstoreRoot(root).build())
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> SafeModelLoader.builder().allowSigstoreIdentity("a@b.example", "https://issuer").build())
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> SafeModelLoader.builder().trustSigstoreRoot(root).trustSigstoreRoot(root))
                .isInstanceOf(IllegalStateException.class);
        Path broken = Files.writeString(dir.resolve("root.json"), "{\"mediaType\": \"nope\"}");
        assertThatThrownBy(() -> SafeModelLoader.builder().trustSigstoreRoot(broken)
                .allowSigstoreIdentity("a@b.example", "https://issuer").build())
                .isInstanceOf(IllegalArgumentException.class);

        VerificationResult result = SafeModelLoader.builder().trustSigstoreRoot(root)
                .allowSigstoreIdentity("stefanb@us.ibm.com", "https://sigstore.verify.ibm.com/oauth2")
                .ignorePath("ignore-me").build().verify(signed);
        assertThat(result.isVerified()).as("%s", result.rejections()).isTrue();
        assertThat(result.report().provenance().signatures()).singleElement()
                .satisfies(s -> assertThat(s.kind()).isEqualTo(Provenance.SignatureKind.MODEL_SIGNING_KEYLESS));
    }

    @Test
    void anEmptyTrustSetRefusesToBuild() throws Exception {
        Path emptyKeyring = Files.writeString(dir.resolve("empty.asc"), "");
        assertThatThrownBy(() -> SafeModelLoader.builder().trustOpenPgpKeyring(emptyKeyring).build())
                .isInstanceOf(IllegalArgumentException.class);
        Path noKey = Files.writeString(dir.resolve("nothing.pem"), "no PEM block here\n");
        assertThatThrownBy(() -> SafeModelLoader.builder().trustPublicKey(noKey).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SafeModelLoader.builder().trustAnchor(noKey).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SafeModelLoader.builder().trustOpenPgpFingerprint("ABCDEF0123456789").build())
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> SafeModelLoader.builder().allowSignerIdentity("CN=x").build())
                .isInstanceOf(IllegalStateException.class);
    }

    // ---- model directories -----------------------------------------------------------------------------------

    private Path snapshot() throws IOException {
        Path model = Files.createDirectories(dir.resolve("snapshot"));
        Files.copy(Fixtures.repoRoot().resolve("fixtures/safetensors/benign/tiny_cnn_state_dict.safetensors"),
                model.resolve("model-00001-of-00002.safetensors"));
        Files.copy(Fixtures.repoRoot().resolve("fixtures/safetensors/benign/mlp_bf16_state_dict.safetensors"),
                model.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(model.resolve("config.json"), "{\"model_type\": \"demo\"}\n");
        return model;
    }

    private static void writeIndex(Path model, SafeModelLoader loader) throws IOException {
        StringBuilder json = new StringBuilder("{\"metadata\": {\"total_size\": 1}, \"weight_map\": {");
        String sep = "";
        for (String shard : List.of("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors")) {
            for (var tensor : loader.verify(model.resolve(shard)).orThrow().tensors()) {
                json.append(sep).append('"').append(tensor.pathString().replace("\"", "")).append("\": \"")
                        .append(shard).append('"');
                sep = ", ";
            }
        }
        Files.writeString(model.resolve("model.safetensors.index.json"), json.append("}}\n"));
    }

    @Test
    void aDirectoryIsVerifiedAsOneUnit() throws Exception {
        Path model = snapshot();
        SafeModelLoader loader = SafeModelLoader.withDefaults();
        writeIndex(model, loader);
        VerificationResult result = loader.verify(model);
        assertThat(result.isVerified()).as("%s", result.rejections()).isTrue();
        assertThat(result.report().format()).isEqualTo(ModelFormat.DIRECTORY);
        var metadata = result.orThrow();
        long shardTensors = loader.verify(model.resolve("model-00001-of-00002.safetensors")).orThrow().summary().tensors()
                + loader.verify(model.resolve("model-00002-of-00002.safetensors")).orThrow().summary().tensors();
        assertThat(metadata.summary().tensors()).isEqualTo(shardTensors);
        assertThat(metadata.tensors().get(0).path().get(0).toString()).contains("model-0000");
        assertThat(result.report().notes()).anySatisfy(n -> assertThat(n).contains("not integrity-checked")
                .contains("config.json"));
    }

    @Test
    void theIndexMustMatchTheShards() throws Exception {
        Path model = snapshot();
        SafeModelLoader loader = SafeModelLoader.withDefaults();
        writeIndex(model, loader);
        Path index = model.resolve("model.safetensors.index.json");
        String good = Files.readString(index);

        Files.writeString(index, good.replace("}}", ", \"ghost.weight\": \"model-00001-of-00002.safetensors\"}}"));
        assertThat(codes(loader.verify(model))).containsExactly(RejectionCode.TENSOR_INCONSISTENT);

        Files.writeString(index, good.replace("}}", ", \"x\": \"model-00003-of-00002.safetensors\"}}"));
        assertThat(loader.verify(model).rejections()).singleElement()
                .satisfies(r -> assertThat(r.message()).contains("not in the model directory"));

        String firstKey = good.substring(good.indexOf("\"weight_map\": {") + 15);
        firstKey = firstKey.substring(0, firstKey.indexOf(',')) + ", ";
        Files.writeString(index, good.replace(firstKey, ""));
        assertThat(loader.verify(model).rejections()).singleElement()
                .satisfies(r -> assertThat(r.message()).contains("does not map"));

        Files.writeString(index, "{\"weight_map\": {\"a\": \"x\", \"a\": \"y\"}}");
        assertThat(codes(loader.verify(model))).containsExactly(RejectionCode.TENSOR_INCONSISTENT);
    }

    @Test
    void aHostileFileInADirectoryRejectsTheDirectory() throws Exception {
        Path model = snapshot();
        Path hostile = Files.list(Fixtures.hostile()).filter(p -> p.getFileName().toString().contains("os_system"))
                .findFirst().orElseThrow();
        Files.copy(hostile, model.resolve("pytorch_model.bin"));
        VerificationResult result = SafeModelLoader.withDefaults().verify(model);
        assertThat(codes(result)).contains(RejectionCode.DISALLOWED_GLOBAL);
        assertThat(result.rejections().get(0).message()).startsWith("file pytorch_model.bin: ");
    }

    @Test
    void symlinksAreRefusedUnlessAllowed() throws Exception {
        Path model = snapshot();
        Path outside = copy("mlp_state_dict.pt", "elsewhere/mlp.pt");
        Files.createSymbolicLink(model.resolve("linked.pt"), outside);
        assertThat(codes(SafeModelLoader.withDefaults().verify(model))).containsExactly(RejectionCode.PATH_TRAVERSAL);
        VerificationResult allowed = SafeModelLoader.builder().allowSymlinks(true).build().verify(model);
        assertThat(allowed.isVerified()).as("%s", allowed.rejections()).isTrue();
        assertThat(allowed.orThrow().summary().tensors()).isGreaterThan(
                SafeModelLoader.withDefaults().verify(Fixtures.repoRoot().resolve(
                        "fixtures/safetensors/benign/tiny_cnn_state_dict.safetensors")).orThrow().summary().tensors());
    }

    @Test
    void specialFilesInADirectoryAreRefused() throws Exception {
        Path model = snapshot();
        Process mkfifo;
        try {
            mkfifo = new ProcessBuilder("mkfifo", model.resolve("pipe").toString()).start();
        } catch (IOException e) {
            if (System.getenv("CI") != null) {
                throw new AssertionError("mkfifo is not installed; the FIFO case needs it"
                        + " (CI must install it: .ci/run)");
            }
            assumeTrue(false, "mkfifo is not installed; the FIFO case needs it");
            return;
        }
        assertThat(mkfifo.waitFor()).isZero();
        // Reading a FIFO would block the verification forever; it must be refused without being opened.
        VerificationResult result = SafeModelLoader.withDefaults().verify(model);
        assertThat(codes(result)).containsExactly(RejectionCode.PATH_TRAVERSAL);
        assertThat(result.rejections().get(0).message()).contains("not a regular file");
    }

    @Test
    void huggingFaceCacheBlobsMustMatchTheirNames() throws Exception {
        // ~/.cache/huggingface/hub/models--org--name/{blobs/<sha256>, snapshots/<rev>/<file> -> ../../blobs/<sha256>}
        Path repo = Files.createDirectories(dir.resolve("models--acme--demo"));
        Path blobs = Files.createDirectories(repo.resolve("blobs"));
        Path weights = Fixtures.repoRoot().resolve("fixtures/safetensors/benign/tiny_cnn_state_dict.safetensors");
        Path blob = Files.copy(weights, blobs.resolve(sha256(weights)));
        Path snapshot = Files.createDirectories(repo.resolve("snapshots/0123abcd"));
        Files.createSymbolicLink(snapshot.resolve("model.safetensors"), Path.of("../../blobs").resolve(sha256(weights)));
        Files.writeString(snapshot.resolve("config.json"), "{}\n");
        SafeModelLoader loader = SafeModelLoader.builder().allowSymlinks(true).build();

        VerificationResult result = loader.verify(snapshot);
        assertThat(result.isVerified()).as("%s", result.rejections()).isTrue();
        assertThat(result.report().notes()).anySatisfy(n -> assertThat(n).contains("1 Hugging Face cache blob(s) match"));
        try (VerifiedModel verified = loader.openVerified(snapshot)) {
            assertThat(verified.result().isVerified()).isTrue();
        }

        byte[] bytes = Files.readAllBytes(blob);
        bytes[bytes.length - 1] ^= 1;
        Files.write(blob, bytes);
        assertThat(codes(loader.verify(snapshot))).containsExactly(RejectionCode.HASH_MISMATCH);
        try (VerifiedModel verified = loader.openVerified(snapshot)) {
            assertThat(codes(verified.result())).containsExactly(RejectionCode.HASH_MISMATCH);
        }
    }

    @Test
    void directoryPinsCoverEveryFileAndEveryPinnedFileMustExist() throws Exception {
        Path model = snapshot();
        Path sums = dir.resolve("SHA256SUMS");
        StringBuilder lines = new StringBuilder();
        try (Stream<Path> files = Files.list(model)) {
            for (Path f : files.sorted().toList()) {
                lines.append(sha256(f)).append("  ").append(f.getFileName()).append('\n');
            }
        }
        Files.writeString(sums, lines);
        SafeModelLoader loader = SafeModelLoader.builder().pinFile(sums).build();
        VerificationResult ok = loader.verify(model);
        assertThat(ok.isVerified()).as("%s", ok.rejections()).isTrue();
        assertThat(ok.report().provenance().digests()).hasSize(3).allSatisfy(d -> assertThat(d.pinned()).isTrue());
        assertThat(ok.report().notes()).anySatisfy(n -> assertThat(n).startsWith("integrity-checked only")
                .contains("config.json"));

        Files.writeString(model.resolve("extra.txt"), "unpinned\n");
        assertThat(codes(loader.verify(model))).containsExactly(RejectionCode.HASH_MISSING);
        assertThat(SafeModelLoader.builder().pinFile(sums).ignorePath("extra.txt").build().verify(model).isVerified())
                .isTrue();

        Files.delete(model.resolve("config.json"));
        assertThat(loader.verify(model).rejections()).anySatisfy(r ->
                assertThat(r.message()).contains("config.json").contains("not in the model directory"));

        Files.writeString(model.resolve("config.json"), "{\"model_type\": \"changed\"}\n");
        assertThat(codes(SafeModelLoader.builder().pinFile(sums).ignorePath("extra.txt").build().verify(model)))
                .containsExactly(RejectionCode.HASH_MISMATCH);
    }

    @Test
    void directoryLimitIsChecked() throws Exception {
        Path model = snapshot();
        VerificationResult result = SafeModelLoader.builder()
                .limits(dev.safeload.api.VerificationLimits.builder().maxDirectoryFiles(2).build()).build().verify(model);
        assertThat(codes(result)).containsExactly(RejectionCode.RESOURCE_LIMIT);
    }

    // ---- the verified handle ---------------------------------------------------------------------------------

    @Test
    void theHandleServesThePrivateCopyWhateverHappensToTheOriginal() throws Exception {
        Path model = copy("mlp_state_dict.pt", "mlp.pt");
        String original = sha256(model);
        SafeModelLoader loader = SafeModelLoader.builder().pinDigest(original).build();
        Path copyPath;
        try (VerifiedModel verified = loader.openVerified(model)) {
            assertThat(verified.result().isVerified()).isTrue();
            copyPath = verified.path();
            assertThat(copyPath).isNotEqualTo(model);
            // The attacker swaps the original after verification.
            Files.copy(Fixtures.benign("tiny_cnn_state_dict.pt"), model, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertThat(sha256(copyPath)).isEqualTo(original);
            try (InputStream in = verified.newInputStream()) {
                assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(in.readAllBytes())))
                        .isEqualTo(original);
            }
            assertThat(verified.result().report().provenance().digest("mlp.pt", "sha256").orElseThrow().hex())
                    .isEqualTo(original);
            assertThat(Files.getPosixFilePermissions(copyPath)).isEqualTo(PosixFilePermissions.fromString("r--------"));
            assertThat(Files.getPosixFilePermissions(copyPath.getParent()))
                    .isEqualTo(PosixFilePermissions.fromString("r-x------"));
        }
        assertThat(copyPath).doesNotExist();
        assertThat(copyPath.getParent()).doesNotExist();
    }

    @Test
    void copiesGoWhereConfigured() throws Exception {
        Path model = copy("mlp_state_dict.pt", "mlp.pt");
        Path copies = Files.createDirectories(dir.resolve("copies"));
        try (VerifiedModel verified = SafeModelLoader.builder().copyDirectory(copies).build().openVerified(model)) {
            assertThat(verified.path()).startsWith(copies);
        }
        try (Stream<Path> left = Files.list(copies)) {
            assertThat(left).isEmpty();
        }
        assertThatThrownBy(() -> SafeModelLoader.builder().copyDirectory(dir.resolve("absent")).build())
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aRejectedHandleHasNoContent() throws Exception {
        Path model = copy("mlp_state_dict.pt", "mlp.pt");
        try (VerifiedModel verified = SafeModelLoader.builder().pinDigest("00".repeat(32)).build().openVerified(model)) {
            assertThat(codes(verified.result())).containsExactly(RejectionCode.HASH_MISMATCH);
            assertThatThrownBy(verified::path).isInstanceOf(ModelRejectedException.class);
            assertThatThrownBy(verified::newInputStream).isInstanceOf(ModelRejectedException.class);
        }
    }

    @Test
    void aDirectoryHandleCopiesOnlyWhatWasVerified() throws Exception {
        Path model = snapshot();
        Files.writeString(model.resolve("notes.md"), "left out\n");
        SafeModelLoader loader = SafeModelLoader.builder().ignorePath("notes.md").build();
        try (VerifiedModel verified = loader.openVerified(model)) {
            assertThat(verified.result().isVerified()).as("%s", verified.result().rejections()).isTrue();
            try (Stream<Path> copied = Files.list(verified.path())) {
                assertThat(copied.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly(
                        "config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors");
            }
            assertThatThrownBy(verified::newInputStream).isInstanceOf(IllegalStateException.class);
        }
        Files.createSymbolicLink(model.resolve("link.pt"), Fixtures.benign("mlp_state_dict.pt"));
        try (VerifiedModel verified = loader.openVerified(model)) {
            assertThat(codes(verified.result())).containsExactly(RejectionCode.PATH_TRAVERSAL);
        }
    }

    // ---- detached signatures through the facade (openssl-made ECDSA) -------------------------------------------

    private static void run(Path cwd, String... command) throws Exception {
        Process process;
        try {
            process = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            if (System.getenv("CI") != null) {
                throw new AssertionError(command[0] + " is not installed; this end-to-end signature test needs it"
                        + " (CI must install it: .ci/run)");
            }
            assumeTrue(false, command[0] + " is not installed; this end-to-end signature test needs it");
            return;
        }
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(out).isZero();
    }

    @Test
    void ecdsaSignatureNextToTheModelIsRequiredAndChecked() throws Exception {
        Path model = copy("mlp_state_dict.pt", "mlp.pt");
        run(dir, "openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "key.pem");
        run(dir, "openssl", "ec", "-in", "key.pem", "-pubout", "-out", "pub.pem");
        SafeModelLoader loader = SafeModelLoader.builder().trustPublicKey(dir.resolve("pub.pem")).build();

        VerificationResult unsigned = loader.verify(model);
        assertThat(codes(unsigned)).containsExactly(RejectionCode.SIGNATURE_MISSING);

        run(dir, "openssl", "dgst", "-sha256", "-sign", "key.pem", "-out", "mlp.pt.sig", "mlp.pt");
        VerificationResult signed = loader.verify(model);
        assertThat(signed.isVerified()).as("%s", signed.rejections()).isTrue();
        Provenance.SignatureInfo signer = signed.report().provenance().signatures().get(0);
        assertThat(signer.kind()).isEqualTo(Provenance.SignatureKind.RAW_ECDSA);
        assertThat(signer.signer()).isEqualTo(dev.safeload.internal.signing.Pem.fingerprint(
                dev.safeload.internal.signing.Pem.publicKeys(Files.readAllBytes(dir.resolve("pub.pem"))).get(0)));

        byte[] tampered = Files.readAllBytes(model);
        tampered[tampered.length / 2] ^= 1;
        Files.write(model, tampered);
        assertThat(codes(loader.verify(model))).containsExactly(RejectionCode.SIGNATURE_INVALID);

        VerificationResult relaxed = SafeModelLoader.builder().trustPublicKey(dir.resolve("pub.pem"))
                .insecureAllowUnsigned().build().verify(copy("tiny_cnn_state_dict.pt", "other.pt"));
        assertThat(relaxed.isVerified()).isTrue();
        assertThat(relaxed.report().notes()).anySatisfy(n -> assertThat(n).startsWith("INSECURE"));

        VerificationResult noTrust = SafeModelLoader.withDefaults().verify(model);
        assertThat(noTrust.report().notes()).anySatisfy(n -> assertThat(n).contains("mlp.pt.sig")
                .contains("not checked"));
    }

    @Test
    void aSignedPinFileSignsEveryFileItPins() throws Exception {
        Path model = snapshot();
        run(dir, "openssl", "genpkey", "-algorithm", "ed25519", "-out", "ed.pem");
        run(dir, "openssl", "pkey", "-in", "ed.pem", "-pubout", "-out", "ed.pub.pem");
        Path sums = dir.resolve("SHA256SUMS");
        StringBuilder lines = new StringBuilder();
        try (Stream<Path> files = Files.list(model)) {
            for (Path f : files.sorted().toList()) {
                lines.append(sha256(f)).append("  ").append(f.getFileName()).append('\n');
            }
        }
        Files.writeString(sums, lines);
        // Ed25519 over the pin file's SHA-256 digest, never over the (possibly huge) content itself.
        Files.write(dir.resolve("SHA256SUMS.sha256"), MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(sums)));
        run(dir, "openssl", "pkeyutl", "-sign", "-rawin", "-inkey", "ed.pem", "-in", "SHA256SUMS.sha256",
                "-out", "SHA256SUMS.sig");
        SafeModelLoader loader = SafeModelLoader.builder().trustPublicKey(dir.resolve("ed.pub.pem"))
                .signedPinFile(sums, dir.resolve("SHA256SUMS.sig")).build();
        VerificationResult result = loader.verify(model);
        assertThat(result.isVerified()).as("%s", result.rejections()).isTrue();
        assertThat(result.report().provenance().signatures()).singleElement()
                .satisfies(s -> assertThat(s.kind()).isEqualTo(Provenance.SignatureKind.RAW_ED25519_DIGEST));

        Files.writeString(sums, lines.toString().replace("config.json", "config.jsn"));
        // The edited pin file's signature fails, so its pins do not count and every file is unpinned too.
        VerificationResult edited = loader.verify(model);
        assertThat(codes(edited)).containsExactly(RejectionCode.SIGNATURE_INVALID, RejectionCode.HASH_MISSING);
        assertThat(edited.rejections().get(0).code()).isEqualTo(RejectionCode.SIGNATURE_INVALID);
    }
}
