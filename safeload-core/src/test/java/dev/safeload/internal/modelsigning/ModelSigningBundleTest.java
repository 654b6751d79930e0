package dev.safeload.internal.modelsigning;

import static dev.safeload.internal.modelsigning.ModelSigningVectorsTest.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safeload.api.Provenance;
import dev.safeload.api.Rejection;
import dev.safeload.api.RejectionCode;
import dev.safeload.internal.Reject;
import dev.safeload.internal.modelsigning.ModelSigningFixtures.Bundle;
import dev.safeload.internal.modelsigning.ModelSigningFixtures.Ca;
import dev.safeload.internal.modelsigning.ModelSigningFixtures.Model;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Generated fixtures: every shape the parser accepts and every tampering it must refuse, with its code. */
class ModelSigningBundleTest {

    static final KeyPair KEY = ModelSigningFixtures.ecKeyPair("secp256r1");
    static final KeyPair OTHER_KEY = ModelSigningFixtures.ecKeyPair("secp256r1");
    static final ModelSigningTrust KEY_TRUST = ModelSigningTrust.of(List.of(KEY.getPublic()), List.of(), Set.of());

    @TempDir
    Path dir;

    static VerifiedStatement verify(Bundle bundle, ModelSigningTrust trust) {
        return ModelSigningBundle.parse(bundle.bytes()).verify(trust);
    }

    static VerifiedStatement verify(byte[] json) {
        return ModelSigningBundle.parse(json).verify(KEY_TRUST);
    }

    List<Rejection> check(VerifiedStatement statement, Path root) {
        List<String> ignore = new ArrayList<>(statement.ignorePaths());
        return statement.checkFiles(DirectoryFiles.walk(root, VerifiedStatement.ignoreMatcher(ignore), true));
    }

    // ---- accepted shapes ----

    @ParameterizedTest
    @ValueSource(strings = {"secp256r1", "secp384r1", "secp521r1"})
    void keyMethod_eachCurve_verifiesWithItsHash(String curve) {
        KeyPair key = ModelSigningFixtures.ecKeyPair(curve);
        Model model = Model.directory();
        VerifiedStatement statement = verify(Bundle.withKey(model, key, true),
                ModelSigningTrust.of(List.of(key.getPublic()), List.of(), Set.of()));

        assertThat(check(statement, model.writeTo(dir))).isEmpty();
        assertThat(statement.signer().algorithm()).isEqualTo(ModelSigningFixtures.signatureAlgorithm(key.getPublic()));
        assertThat(statement.signer().kind()).isEqualTo(Provenance.SignatureKind.MODEL_SIGNING_KEY);
        assertThat(statement.signer().covers()).isEqualTo("model directory");
    }

    @Test
    void keyMethod_withoutHint_verifies() {
        assertThat(verify(Bundle.withKey(Model.directory(), KEY, false), KEY_TRUST).signer().signer())
                .isEqualTo(Crypto.fingerprint(KEY.getPublic()));
    }

    @Test
    void urlSafeBase64_accepted() {
        Bundle bundle = Bundle.withKey(Model.directory(), KEY, true);
        bundle.urlSafe = true;
        // Make sure the encodings really differ, so the URL-safe path is exercised.
        while (!bundle.json().contains("-") && !bundle.json().contains("_")) {
            bundle.resign(KEY);
        }
        assertThat(verify(bundle, KEY_TRUST)).isNotNull();
    }

    @Test
    void unpaddedBase64_accepted_mixedAlphabets_refused() {
        Bundle bundle = Bundle.withKey(Model.directory().with("a", "x"), KEY, true);
        String json = bundle.json().replace("=\"", "\"").replace("=\"", "\"");
        verify(json.getBytes(StandardCharsets.UTF_8));

        String payload = java.util.Base64.getEncoder().encodeToString(bundle.payload);
        int plus = payload.indexOf('+');
        int slash = payload.indexOf('/');
        if (plus >= 0 || slash >= 0) {
            String mixed = payload + "-"; // '+' or '/' together with '-'
            assertRejected(() -> verify(bundle.json().replace(payload, mixed).getBytes(StandardCharsets.UTF_8)),
                    RejectionCode.SIGNATURE_INVALID);
        }
    }

    @Test
    void nonCanonicalBase64_refused() {
        Bundle bundle = Bundle.withKey(("x").getBytes(StandardCharsets.UTF_8), KEY, false);
        // "x" is "eA==": "eB==" decodes to the same byte with a non-zero unused bit.
        byte[] json = bundle.json().replace("\"eA==\"", "\"eB==\"").getBytes(StandardCharsets.UTF_8);
        assertRejected(() -> ModelSigningBundle.parse(json), RejectionCode.SIGNATURE_INVALID);
    }

    @Test
    void blake2bAndBlake3_filesMode_verify_andDetectChanges() throws IOException {
        for (String hash : List.of("blake2b", "blake3")) {
            Model model = Model.directory();
            model.hashType = hash;
            Path root = model.writeTo(Files.createDirectories(dir.resolve(hash)));
            VerifiedStatement statement = verify(Bundle.withKey(model, KEY, true), KEY_TRUST);
            DirectoryFiles files = DirectoryFiles.walk(root, VerifiedStatement.ignoreMatcher(List.of()), true);
            assertThat(statement.checkFiles(files)).as(hash).isEmpty();
            assertThat(statement.hashType()).isEqualTo(hash);

            Files.writeString(root.resolve("config.json"), "{}");
            assertThat(check(statement, root)).singleElement()
                    .satisfies(p -> assertThat(p.code()).isEqualTo(RejectionCode.HASH_MISMATCH));
        }
    }

    @Test
    void blakeDigests_knownAnswers() {
        // BLAKE3("") and BLAKE2b-512("") from the algorithms' reference implementations.
        assertThat(ModelSigningFixtures.hex(ModelSigningFixtures.digest("blake3", new byte[0], 0, -1)))
                .isEqualTo("af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262");
        assertThat(ModelSigningFixtures.hex(ModelSigningFixtures.digest("blake2b", new byte[0], 0, -1)))
                .isEqualTo("786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419"
                        + "d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sha256", "blake2b", "blake3"})
    void shardsMode_verifies_withShardSizeWrittenAsFloat(String hash) {
        Model model = Model.directory().with("empty.bin", "");
        model.method = "shards";
        model.hashType = hash;
        model.shardSizeJson = "8.0";
        VerifiedStatement statement = verify(Bundle.withKey(model, KEY, true), KEY_TRUST);

        assertThat(statement.method()).isEqualTo("shards");
        assertThat(statement.shardSize()).isEqualTo(8);
        // The empty file has no shard, as the reference writes it, and is accepted on disk.
        assertThat(check(statement, model.writeTo(dir))).isEmpty();
    }

    @Test
    void shardsMode_changedByteInOneShard_mismatchAtThatShard() throws IOException {
        Model model = Model.directory();
        model.method = "shards";
        VerifiedStatement statement = verify(Bundle.withKey(model, KEY, true), KEY_TRUST);
        Path root = model.writeTo(dir);
        Files.writeString(root.resolve("weights/part-1.bin"), "0123456789abcdefghiXklmnopqrstuvwxyz");

        assertThat(check(statement, root)).singleElement().satisfies(p -> {
            assertThat(p.code()).isEqualTo(RejectionCode.HASH_MISMATCH);
            assertThat(p.message()).contains("weights/part-1.bin").contains("16 to 24");
        });
    }

    @Test
    void shardsMode_fileGrown_mismatch() throws IOException {
        Model model = Model.directory();
        model.method = "shards";
        VerifiedStatement statement = verify(Bundle.withKey(model, KEY, true), KEY_TRUST);
        Path root = model.writeTo(dir);
        Files.writeString(root.resolve("weights/part-2.bin"), "tail+more");
        assertThat(check(statement, root)).singleElement()
                .satisfies(p -> assertThat(p.code()).isEqualTo(RejectionCode.HASH_MISMATCH));
    }

    @Test
    void shardRangeChanged_withoutResigning_signatureInvalid() {
        Model model = Model.directory();
        model.method = "shards";
        Bundle bundle = Bundle.withKey(model, KEY, true);
        byte[] edited = ModelSigningFixtures.editPayload(bundle.bytes(), p -> p.replace("part-1.bin:8:16", "part-1.bin:8:15"));
        assertRejected(() -> verify(edited), RejectionCode.SIGNATURE_INVALID);
    }

    @Test
    void shardRangeChanged_andResigned_notTiling_signatureInvalid() {
        for (String[] change : List.of(new String[] {":8:16", ":8:15"}, new String[] {":0:8", ":1:8"},
                new String[] {":16:24", ":17:24"})) {
            Model model = Model.directory();
            model.method = "shards";
            model.editResources = rs -> {
                for (String[] r : rs) {
                    r[0] = r[0].replace(change[0], change[1]);
                }
                return rs;
            };
            assertRejected(() -> verify(Bundle.withKey(model, KEY, true), KEY_TRUST), RejectionCode.SIGNATURE_INVALID);
        }
    }

    @Test
    void shardsMissingTheLastShard_resigned_fileLongerThanSigned_mismatch() {
        Model model = Model.directory();
        model.method = "shards";
        model.editResources = rs -> {
            rs.removeIf(r -> r[0].startsWith("weights/part-1.bin:32:"));
            return rs;
        };
        VerifiedStatement statement = verify(Bundle.withKey(model, KEY, true), KEY_TRUST);
        assertThat(check(statement, model.writeTo(dir))).singleElement()
                .satisfies(p -> assertThat(p.code()).isEqualTo(RejectionCode.HASH_MISMATCH));
    }

    @Test
    void singleFileModel_coversTheFileName() throws IOException {
        Model model = new Model();
        model.files.put(".", "weights".getBytes(StandardCharsets.UTF_8));
        model.subjectName = "model.safetensors";
        VerifiedStatement statement = verify(Bundle.withKey(model, KEY, true), KEY_TRUST);
        Path file = Files.writeString(dir.resolve("model.safetensors"), "weights");

        assertThat(statement.singleFile()).isTrue();
        assertThat(statement.signer().covers()).isEqualTo("model.safetensors");
        assertThat(statement.checkFiles(DirectoryFiles.single(file, true))).isEmpty();
        Files.writeString(file, "weightz");
        assertThat(statement.checkFiles(DirectoryFiles.single(file, true))).singleElement()
                .satisfies(p -> assertThat(p.message()).contains("model.safetensors"));
    }

    @Test
    void unknownPredicateFields_ignored() {
        Model model = Model.directory();
        model.extraPredicateFields = "\"future\": {\"x\": [1, 2]}, ";
        assertThat(verify(Bundle.withKey(model, KEY, true), KEY_TRUST)).isNotNull();
    }

    @Test
    void precomputedSha256_isUsed_notReread() {
        Model model = Model.directory();
        VerifiedStatement statement = verify(Bundle.withKey(model, KEY, true), KEY_TRUST);
        Path root = model.writeTo(dir);
        DirectoryFiles files = DirectoryFiles.walk(root, VerifiedStatement.ignoreMatcher(List.of()), true)
                .withSha256("config.json", new byte[32]);
        assertThat(statement.checkFiles(files)).singleElement().satisfies(p -> {
            assertThat(p.code()).isEqualTo(RejectionCode.HASH_MISMATCH);
            assertThat(p.message()).contains("config.json");
        });
        assertThat(files.sha256Lookups()).isEqualTo(3);

        DirectoryFiles noDigests = DirectoryFiles.walk(root, VerifiedStatement.ignoreMatcher(List.of()), false);
        assertThat(statement.checkFiles(noDigests)).isEmpty();
    }

    // ---- tampering ----

    @Test
    void statementEdited_withoutResigning_signatureInvalid() {
        Model model = Model.directory();
        Bundle bundle = Bundle.withKey(model, KEY, true);
        byte[] edited = ModelSigningFixtures.editPayload(bundle.bytes(), p -> p.replace("\"model\"", "\"modem\""));
        assertRejected(() -> verify(edited), RejectionCode.SIGNATURE_INVALID);
    }

    @Test
    void resourceDigestChanged_andResignedWithWrongKey() {
        Model model = Model.directory();
        model.editResources = rs -> {
            rs.get(0)[2] = "00".repeat(32);
            return rs;
        };
        Bundle noHint = Bundle.withKey(model, OTHER_KEY, false);
        assertRejected(() -> verify(noHint, KEY_TRUST), RejectionCode.SIGNATURE_INVALID);
        Bundle withHint = Bundle.withKey(model, OTHER_KEY, true);
        assertRejected(() -> verify(withHint, KEY_TRUST), RejectionCode.UNTRUSTED_SIGNER);
    }

    @Test
    void signatureBytesFlipped_signatureInvalid() {
        Bundle bundle = Bundle.withKey(Model.directory(), KEY, true);
        for (int i = 0; i < bundle.signature.length; i++) {
            Bundle flipped = Bundle.withKey(Model.directory(), KEY, true);
            flipped.payload = bundle.payload;
            flipped.signature = bundle.signature.clone();
            flipped.signature[i] ^= 0x01;
            assertRejected(() -> verify(flipped, KEY_TRUST), RejectionCode.SIGNATURE_INVALID);
        }
    }

    @Test
    void rawP1363Signature_refused() throws Exception {
        Bundle bundle = Bundle.withKey(Model.directory(), KEY, false);
        java.security.Signature signer = java.security.Signature.getInstance("SHA256withECDSAinP1363Format");
        signer.initSign(KEY.getPrivate());
        signer.update(ModelSigningFixtures.pae(ModelSigningFixtures.PAYLOAD_TYPE, bundle.payload));
        bundle.signature = signer.sign();
        assertRejected(() -> verify(bundle, KEY_TRUST), RejectionCode.SIGNATURE_INVALID);
    }

    @Test
    void wrongKey_signatureInvalid_hintMismatch_untrusted() {
        Bundle bundle = Bundle.withKey(Model.directory(), OTHER_KEY, false);
        assertRejected(() -> verify(bundle, KEY_TRUST), RejectionCode.SIGNATURE_INVALID);
        // Signed by the trusted key, but the hint names another one.
        Bundle hinted = Bundle.withKey(Model.directory(), KEY, true);
        hinted.verificationMaterial = "{\"publicKey\": {\"hint\": \"" + ModelSigningFixtures.hint(OTHER_KEY.getPublic())
                + "\"}}";
        assertRejected(() -> verify(hinted, KEY_TRUST), RejectionCode.UNTRUSTED_SIGNER);
    }

    @Test
    void fileAddedOrRemovedOnDisk_hashMissing() throws IOException {
        Model model = Model.directory();
        VerifiedStatement statement = verify(Bundle.withKey(model, KEY, true), KEY_TRUST);
        Path root = model.writeTo(dir);
        Files.writeString(root.resolve("weights/evil.pkl"), "x");
        Files.delete(root.resolve("config.json"));

        List<Rejection> problems = check(statement, root);
        assertThat(problems).extracting(Rejection::code).containsOnly(RejectionCode.HASH_MISSING).hasSize(2);
        assertThat(problems.get(0).message()).contains("config.json").contains("signed file missing");
        assertThat(problems.get(1).message()).contains("weights/evil.pkl").contains("not covered by the signature");
    }

    @Test
    void signedRootMismatch_signatureInvalid() {
        Model model = Model.directory();
        model.rootOverride = "11".repeat(32);
        assertRejected(() -> verify(Bundle.withKey(model, KEY, true), KEY_TRUST), RejectionCode.SIGNATURE_INVALID);
    }

    @Test
    void resourcesReordered_afterSigning_rootNoLongerMatches() {
        // The root is over the listed order: the same digests in another order make another root.
        Model model = Model.directory();
        String signedRoot = rootOf(model);
        model.editResources = rs -> {
            java.util.Collections.reverse(rs);
            return rs;
        };
        model.rootOverride = signedRoot;
        assertRejected(() -> verify(Bundle.withKey(model, KEY, true), KEY_TRUST), RejectionCode.SIGNATURE_INVALID);
    }

    private static String rootOf(Model model) {
        String json = model.statementJson();
        int at = json.indexOf("\"sha256\": \"") + 11;
        return json.substring(at, at + 64);
    }

    @Test
    void v01DigestsPredicate_refusedAsUnsupported() {
        Model model = Model.directory();
        model.predicateType = "https://model_signing/Digests/v0.1";
        assertThatThrownBy(() -> verify(Bundle.withKey(model, KEY, true), KEY_TRUST))
                .isInstanceOfSatisfying(Reject.class, r -> {
                    assertThat(r.rejection().code()).isEqualTo(RejectionCode.SIGNATURE_INVALID);
                    assertThat(r.rejection().message()).contains("Digests/v0.1").contains("supports only");
                });
    }

    @Test
    void keylessBundle_malformedCertificateOrEntry_refusedAtParse() {
        Bundle bundle = Bundle.withKey(Model.directory(), KEY, true);
        bundle.verificationMaterial = "{\"certificate\": {\"rawBytes\": \"MIIB\"}, \"tlogEntries\": [],"
                + " \"timestampVerificationData\": {\"rfc3161Timestamps\": []}}";
        assertThatThrownBy(() -> ModelSigningBundle.parse(bundle.bytes())).isInstanceOfSatisfying(Reject.class, r -> {
            assertThat(r.rejection().code()).isEqualTo(RejectionCode.SIGNATURE_INVALID);
            assertThat(r.rejection().message()).isEqualTo("verificationMaterial.certificate is not a valid X.509 certificate");
        });
        String leaf = KeylessVectorsTest.ModelSigningBundleLeaf.of(KeylessVectorsTest.bundle("v1.1.0-sigstore"));
        bundle.verificationMaterial = "{\"certificate\": {\"rawBytes\": \"" + leaf + "\"}, \"tlogEntries\": "
                + "[{\"logIndex\": \"1\"}]}";
        assertThatThrownBy(() -> ModelSigningBundle.parse(bundle.bytes())).isInstanceOfSatisfying(Reject.class, r -> {
            assertThat(r.rejection().code()).isEqualTo(RejectionCode.SIGNATURE_INVALID);
            assertThat(r.rejection().message()).isEqualTo("verificationMaterial.tlogEntries[0] lacks 'logId'");
        });
    }

    // ---- strict JSON ----

    @Test
    void duplicateKeys_refusedAtEveryLevel() {
        String json = Bundle.withKey(Model.directory(), KEY, true).json();
        List<String> variants = List.of(
                json.replaceFirst("\\{\"mediaType\"", "{\"mediaType\": \"x\", \"mediaType\""),
                json.replace("{\"publicKey\": {\"hint\"", "{\"publicKey\": {\"hint\": \"00\", \"hint\""),
                json.replace("\"payloadType\":", "\"payloadType\": \"x\", \"payloadType\":"),
                json.replace("[{\"sig\":", "[{\"keyid\": \"\", \"sig\":"));
        for (String variant : variants) {
            assertThat(variant).isNotEqualTo(json);
            assertRejected(() -> verify(variant.getBytes(StandardCharsets.UTF_8)), RejectionCode.SIGNATURE_INVALID);
        }
    }

    @Test
    void duplicateKeyInsideTheSignedStatement_refused() {
        Model model = Model.directory();
        model.extraPredicateFields = "\"serialization\": {}, ";
        assertRejected(() -> verify(Bundle.withKey(model, KEY, true), KEY_TRUST), RejectionCode.SIGNATURE_INVALID);
    }

    @Test
    void hostileShapes_signatureInvalid() {
        Bundle good = Bundle.withKey(Model.directory(), KEY, true);
        String json = good.json();
        List<String> variants = new ArrayList<>(List.of(
                json.replace(ModelSigningFixtures.MEDIA_TYPE, "application/vnd.dev.sigstore.bundle.v0.2+json"),
                json.replace(ModelSigningFixtures.PAYLOAD_TYPE, "application/json"),
                json.substring(0, json.length() - 1) + ", \"extra\": 1}",
                json.substring(0, json.length() - 1) + ", \"messageSignature\": {}}",
                json + " {}",
                json.replace("\"signatures\": [", "\"signatures\": [{\"sig\": \"AA==\"}, "),
                json.replaceAll("\"signatures\": \\[.*?]", "\"signatures\": []"),
                json.replace("\"publicKey\": {", "\"x509CertificateChain\": {\"certificates\": []}, \"publicKey\": {"),
                json.replace("\"publicKey\": {", "\"publicKey\": {\"unknown\": 1, "),
                json.replace("\"keyid\": \"\"", "\"keyid\": 7"),
                "[]", "", "null", "{\"mediaType\": 1}",
                "\uFEFF" + json,
                "[".repeat(100_000),
                "{\"a\":".repeat(5000)));
        variants.add("{\"mediaType\": \"" + "x".repeat(StrictJson.MAX_DOCUMENT_BYTES) + "\"}");
        for (String variant : variants) {
            assertRejected(() -> verify(variant.getBytes(StandardCharsets.UTF_8)), RejectionCode.SIGNATURE_INVALID);
        }
        byte[] latin1 = json.replace("\"keyid\": \"\"", "\"keyid\": \"\u00e9\"").getBytes(StandardCharsets.ISO_8859_1);
        assertRejected(() -> verify(latin1), RejectionCode.SIGNATURE_INVALID);
        byte[] utf16 = json.getBytes(StandardCharsets.UTF_16LE);
        assertRejected(() -> verify(utf16), RejectionCode.SIGNATURE_INVALID);
        byte[] overlong = json.replace("\"keyid\": \"\"", "\"keyid\": \"__\"").getBytes(StandardCharsets.UTF_8);
        int at = new String(overlong, StandardCharsets.ISO_8859_1).indexOf("__");
        overlong[at] = (byte) 0xc0; // overlong encoding of '/'
        overlong[at + 1] = (byte) 0xaf;
        assertRejected(() -> verify(overlong), RejectionCode.SIGNATURE_INVALID);
    }

    @Test
    void hostileStatements_signatureInvalid() {
        List<java.util.function.Consumer<Model>> edits = List.of(
                m -> m.files.put("../escape", new byte[1]),
                m -> m.files.put("/etc/passwd", new byte[1]),
                m -> m.files.put("a\\\\b", new byte[1]), // a JSON-escaped backslash
                m -> m.files.put("a\\u0000b", new byte[1]),
                m -> m.files.put("./a", new byte[1]),
                m -> m.files.put("a//b", new byte[1]),
                m -> m.files.put("a/", new byte[1]),
                m -> m.files.put(".", new byte[1]), // "." mixed with other files
                m -> m.editResources = rs -> {
                    rs.add(rs.get(0).clone()); // duplicate resource name
                    return rs;
                },
                m -> m.editResources = rs -> {
                    rs.get(0)[1] = "sha512";
                    return rs;
                },
                m -> m.editResources = rs -> {
                    rs.get(0)[2] = rs.get(0)[2].substring(2);
                    return rs;
                },
                m -> m.hashType = "md5",
                m -> m.method = "tree",
                m -> m.subjectName = "a\"}], \"subject\": [{\"name\": \"b",
                m -> m.ignorePaths = List.of("."),
                m -> m.ignorePaths = List.of("../x"),
                m -> m.extraPredicateFields = "\"resources\": [], ");
        for (var edit : edits) {
            Model model = Model.directory();
            edit.accept(model);
            assertRejected(() -> verify(Bundle.withKey(model, KEY, true), KEY_TRUST), RejectionCode.SIGNATURE_INVALID);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-8", "8.5", "1e400", "\"8\"", "99999999999999999999", "8e-30"})
    void badShardSize_signatureInvalid(String shardSize) {
        Model model = Model.directory();
        model.method = "shards";
        model.shardSizeJson = shardSize;
        assertRejected(() -> verify(Bundle.withKey(model, KEY, true), KEY_TRUST), RejectionCode.SIGNATURE_INVALID);
    }

    @Test
    void statementStructure_signatureInvalid() {
        String good = Model.directory().statementJson();
        List<String> variants = List.of(
                good.replace("https://in-toto.io/Statement/v1", "https://in-toto.io/Statement/v0.1"),
                good.replace("\"subject\": [", "\"subject\": [{\"name\": \"x\", \"digest\": {\"sha256\": \"" + "0".repeat(64)
                        + "\"}}, "),
                good.replace("\"allow_symlinks\": false", "\"allow_symlinks\": false, \"shard_size\": 8"),
                good.replace("\"allow_symlinks\": false", "\"allow_symlinks\": false, \"unknown\": true"),
                good.replace("\"allow_symlinks\": false", "\"allow_symlinks\": \"false\""),
                good.replace("\"algorithm\": \"sha256\"", "\"algorithm\": \"sha256\", \"size\": 3"));
        for (String variant : variants) {
            assertThat(variant).isNotEqualTo(good);
            Bundle bundle = Bundle.withKey(variant.getBytes(StandardCharsets.UTF_8), KEY, true);
            assertRejected(() -> verify(bundle, KEY_TRUST), RejectionCode.SIGNATURE_INVALID);
        }
    }

    // ---- certificates ----

    @Test
    void certificateMethod_chainToAnchor_verifies_andIdentityBySan() {
        Ca root = Ca.create("CN=Test Root");
        Ca intermediate = root.intermediate("CN=Test Intermediate");
        KeyPair leafKey = ModelSigningFixtures.ecKeyPair("secp384r1");
        X509Certificate leaf = intermediate.leaf("CN=signer,O=Acme", leafKey.getPublic(), KeyUsage.digitalSignature,
                false, "ml-team@example.com", "SHA256withECDSA", 1, 365);
        Model model = Model.directory();
        Bundle bundle = Bundle.withChain(model, leafKey.getPrivate(), List.of(leaf, intermediate.certificate()));

        VerifiedStatement statement = verify(bundle, ModelSigningTrust.of(List.of(), List.of(root.certificate()),
                Set.of("ml-team@example.com")));
        // RFC 2253 writes the most specific RDN first: the reverse of the order the fixture's builder was given.
        assertThat(statement.signer().signer()).isEqualTo("O=Acme,CN=signer");
        assertThat(statement.signer().algorithm()).isEqualTo("SHA384withECDSA");
        assertThat(check(statement, model.writeTo(dir))).isEmpty();

        verify(bundle, ModelSigningTrust.of(List.of(), List.of(root.certificate()), Set.of("O=Acme,CN=signer")));
        assertRejected(() -> verify(bundle, ModelSigningTrust.of(List.of(), List.of(root.certificate()),
                Set.of("other@example.com"))), RejectionCode.UNTRUSTED_SIGNER);
        // The chain may also repeat the root.
        verify(Bundle.withChain(model, leafKey.getPrivate(), List.of(leaf, intermediate.certificate(), root.certificate())),
                ModelSigningTrust.of(List.of(), List.of(root.certificate()), Set.of()));
    }

    @Test
    void certificateMethod_uriSan_matches() {
        Ca root = Ca.create("CN=Test Root");
        KeyPair leafKey = ModelSigningFixtures.ecKeyPair("secp256r1");
        X509Certificate leaf = root.leaf("CN=ci", leafKey.getPublic(), KeyUsage.digitalSignature, false,
                "https://ci.example.com/pipelines/7", "SHA256withECDSA", 1, 365);
        Bundle bundle = Bundle.withChain(Model.directory(), leafKey.getPrivate(), List.of(leaf));
        verify(bundle, ModelSigningTrust.of(List.of(), List.of(root.certificate()), Set.of("https://ci.example.com/pipelines/7")));
        assertRejected(() -> verify(bundle, ModelSigningTrust.of(List.of(), List.of(root.certificate()),
                Set.of("https://ci.example.com/pipelines"))), RejectionCode.UNTRUSTED_SIGNER);
    }

    @Test
    void certificateMethod_untrustedAnchor_untrusted() {
        Ca root = Ca.create("CN=Test Root");
        Ca rogue = Ca.create("CN=Test Root"); // same name, other key
        KeyPair leafKey = ModelSigningFixtures.ecKeyPair("secp256r1");
        Bundle bundle = Bundle.withChain(Model.directory(), leafKey.getPrivate(),
                List.of(rogue.leaf("CN=signer", leafKey.getPublic())));
        assertRejected(() -> verify(bundle, ModelSigningTrust.of(List.of(), List.of(root.certificate()), Set.of())),
                RejectionCode.UNTRUSTED_SIGNER);
    }

    @Test
    void certificateMethod_keyUsageRules() {
        Ca root = Ca.create("CN=Test Root");
        ModelSigningTrust trust = ModelSigningTrust.of(List.of(), List.of(root.certificate()), Set.of());
        KeyPair leafKey = ModelSigningFixtures.ecKeyPair("secp256r1");
        Model model = Model.directory();
        // KeyUsage without digitalSignature: refused even with the codeSigning EKU.
        X509Certificate noDigitalSignature = root.leaf("CN=a", leafKey.getPublic(), KeyUsage.keyAgreement, true, null,
                "SHA256withECDSA", 1, 365);
        assertRejected(() -> verify(Bundle.withChain(model, leafKey.getPrivate(), List.of(noDigitalSignature)), trust),
                RejectionCode.UNTRUSTED_SIGNER);
        // No KeyUsage and no codeSigning EKU: refused.
        X509Certificate bare = root.leaf("CN=b", leafKey.getPublic(), -1, false, null, "SHA256withECDSA", 1, 365);
        assertRejected(() -> verify(Bundle.withChain(model, leafKey.getPrivate(), List.of(bare)), trust),
                RejectionCode.UNTRUSTED_SIGNER);
        // No KeyUsage but the codeSigning EKU: accepted.
        X509Certificate ekuOnly = root.leaf("CN=c", leafKey.getPublic(), -1, true, null, "SHA256withECDSA", 1, 365);
        verify(Bundle.withChain(model, leafKey.getPrivate(), List.of(ekuOnly)), trust);
    }

    @Test
    void certificateMethod_expiredLeaf_validatedAtNotBefore_verifies() {
        Ca root = Ca.create("CN=Test Root");
        KeyPair leafKey = ModelSigningFixtures.ecKeyPair("secp256r1");
        X509Certificate expired = root.leaf("CN=old", leafKey.getPublic(), KeyUsage.digitalSignature, false, null,
                "SHA256withECDSA", 30, 10);
        verify(Bundle.withChain(Model.directory(), leafKey.getPrivate(), List.of(expired)),
                ModelSigningTrust.of(List.of(), List.of(root.certificate()), Set.of()));
    }

    @Test
    void certificateMethod_sha1SignedLeaf_untrusted() {
        Ca root = Ca.create("CN=Test Root");
        KeyPair leafKey = ModelSigningFixtures.ecKeyPair("secp256r1");
        X509Certificate sha1 = root.leaf("CN=old", leafKey.getPublic(), KeyUsage.digitalSignature, false, null,
                "SHA1withECDSA", 1, 365);
        assertRejected(() -> verify(Bundle.withChain(Model.directory(), leafKey.getPrivate(), List.of(sha1)),
                ModelSigningTrust.of(List.of(), List.of(root.certificate()), Set.of())), RejectionCode.UNTRUSTED_SIGNER);
    }

    @Test
    void certificateMethod_rsa1024InTheChain_untrusted() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        Ca weakRoot = Ca.create("CN=Weak Root", rsa.generateKeyPair(), "SHA256withRSA");
        KeyPair leafKey = ModelSigningFixtures.ecKeyPair("secp256r1");
        X509Certificate leaf = weakRoot.leaf("CN=signer", leafKey.getPublic(), KeyUsage.digitalSignature, false, null,
                "SHA256withRSA", 1, 365);
        assertRejected(() -> verify(Bundle.withChain(Model.directory(), leafKey.getPrivate(), List.of(leaf)),
                ModelSigningTrust.of(List.of(), List.of(weakRoot.certificate()), Set.of())), RejectionCode.UNTRUSTED_SIGNER);
    }

    @Test
    void bouncyCastle_isNeverRegisteredAsAJvmProvider() {
        Ca.create("CN=Test Root"); // the fixtures use BC through an explicit provider instance
        verify(Bundle.withKey(Model.directory(), KEY, true), KEY_TRUST);
        assertThat(java.security.Security.getProvider("BC")).isNull();
    }

    @Test
    void certificateMethod_signedWithAnotherKeyThanTheLeaf_signatureInvalid() {
        Ca root = Ca.create("CN=Test Root");
        KeyPair leafKey = ModelSigningFixtures.ecKeyPair("secp256r1");
        Bundle bundle = Bundle.withChain(Model.directory(), OTHER_KEY.getPrivate(),
                List.of(root.leaf("CN=signer", leafKey.getPublic())));
        assertRejected(() -> verify(bundle, ModelSigningTrust.of(List.of(), List.of(root.certificate()), Set.of())),
                RejectionCode.SIGNATURE_INVALID);
    }

    @Test
    void certificateMethod_garbageCertificate_signatureInvalid() {
        Bundle bundle = Bundle.withKey(Model.directory(), KEY, true);
        for (String raw : List.of("MAA=", "AAAA", "LS0tLS1CRUdJTg==", "MIIBIjAN")) {
            bundle.verificationMaterial = "{\"x509CertificateChain\": {\"certificates\": [{\"rawBytes\": \"" + raw + "\"}]}}";
            assertRejected(() -> ModelSigningBundle.parse(bundle.bytes()), RejectionCode.SIGNATURE_INVALID);
        }
    }

    // ---- trust, PAE, ignore matcher ----

    @Test
    void trust_refusesEmptyAndNonModelSigningKeys() throws Exception {
        assertThatThrownBy(() -> ModelSigningTrust.of(List.of(), List.of(), Set.of()))
                .isInstanceOf(IllegalArgumentException.class);
        KeyPair rsa = KeyPairGenerator.getInstance("RSA").generateKeyPair();
        assertThatThrownBy(() -> ModelSigningTrust.of(List.of(rsa.getPublic()), List.of(), Set.of()))
                .isInstanceOf(IllegalArgumentException.class);
        KeyPair ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        assertThatThrownBy(() -> ModelSigningTrust.of(List.of(ed.getPublic()), List.of(), Set.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ModelSigningTrust.of(List.of(KEY.getPublic()), List.of(), Set.of("CN=x")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void dssePae_specVector_verifiesWithP1363() throws Exception {
        // secure-systems-lab/dsse protocol.md v1.0.0 test vector.
        byte[] pae = Crypto.pae("http://example.com/HelloWorld", "hello world".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(pae, StandardCharsets.UTF_8))
                .isEqualTo("DSSEv1 29 http://example.com/HelloWorld 11 hello world");

        java.security.spec.ECParameterSpec p256 = Crypto.Curve.P256.spec;
        java.security.spec.ECPoint point = new java.security.spec.ECPoint(
                new java.math.BigInteger("46950820868899156662930047687818585632848591499744589407958293238635476079160"),
                new java.math.BigInteger("5640078356564379163099075877009565129882514886557779369047442380624545832820"));
        java.security.PublicKey key = java.security.KeyFactory.getInstance("EC")
                .generatePublic(new java.security.spec.ECPublicKeySpec(point, p256));
        java.security.Signature verifier = java.security.Signature.getInstance("SHA256withECDSAinP1363Format");
        verifier.initVerify(key);
        verifier.update(pae);
        assertThat(verifier.verify(java.util.Base64.getDecoder().decode(
                "A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA=="))).isTrue();
    }

    @Test
    void pae_isOverTheExactPayloadBytes_notReserialized() {
        // Same JSON meaning, different bytes (spacing): the signature over one does not cover the other.
        Model model = Model.directory();
        Bundle bundle = Bundle.withKey(model, KEY, true);
        verify(bundle, KEY_TRUST);
        bundle.payload = new String(bundle.payload, StandardCharsets.UTF_8).replace("\": ", "\":")
                .getBytes(StandardCharsets.UTF_8);
        assertRejected(() -> verify(bundle, KEY_TRUST), RejectionCode.SIGNATURE_INVALID);
    }

    @Test
    void ignoreMatcher_semantics() {
        var ignored = VerifiedStatement.ignoreMatcher(List.of("model.sig", "logs/", "data/tmp"));
        assertThat(Arrays.asList("model.sig", "logs", "logs/a.txt", "data/tmp", "data/tmp/x/y", ".git", ".git/HEAD",
                ".github/workflows/ci.yml", ".gitattributes", ".gitignore")).allMatch(ignored);
        assertThat(Arrays.asList("model.sig2", "logsx", "data", "data/tmpx", "sub/.git/HEAD", ".gitx", "a/model.sig"))
                .noneMatch(ignored);
        for (String bad : List.of("", ".", "..", "../x", "/abs", "a\\b", "a/./b")) {
            assertThatThrownBy(() -> VerifiedStatement.ignoreMatcher(List.of(bad)))
                    .as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void symlink_refusedUnlessAllowed() throws IOException {
        Model model = Model.directory();
        VerifiedStatement statement = verify(Bundle.withKey(model, KEY, true), KEY_TRUST);
        Path root = model.writeTo(dir.resolve("m"));
        Path outside = Files.writeString(dir.resolve("outside"), "{\"hidden\": 8}\n");
        Files.delete(root.resolve("config.json"));
        Files.createSymbolicLink(root.resolve("config.json"), outside);

        assertThat(check(statement, root)).singleElement()
                .satisfies(p -> assertThat(p.code()).isEqualTo(RejectionCode.PATH_TRAVERSAL));

        model.allowSymlinks = true;
        VerifiedStatement allowing = verify(Bundle.withKey(model, KEY, true), KEY_TRUST);
        assertThat(allowing.allowSymlinks()).isTrue();
        assertThat(allowing.checkFiles(DirectoryFiles.walk(root, VerifiedStatement.ignoreMatcher(List.of()), false)))
                .isEmpty();
    }

    @Test
    void manyProblems_capped() throws IOException {
        Model model = Model.directory();
        VerifiedStatement statement = verify(Bundle.withKey(model, KEY, true), KEY_TRUST);
        Path root = model.writeTo(dir);
        for (int i = 0; i < 150; i++) {
            Files.writeString(root.resolve("extra-" + i), "x");
        }
        List<Rejection> problems = check(statement, root);
        assertThat(problems).hasSize(VerifiedStatement.MAX_REJECTIONS);
        assertThat(problems.get(problems.size() - 1).message()).startsWith("51 more file(s)");
    }
}
