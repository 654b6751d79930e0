package dev.safeload.internal.modelsigning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safeload.api.Provenance;
import dev.safeload.api.RejectionCode;
import dev.safeload.internal.Reject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Keyless (Sigstore public-good) model-signing bundles made by the reference tool v1.0.0, v1.0.1 and v1.1.0,
 * verified offline against the public-good trusted root committed under {@code src/test/resources/sigstore/} (see
 * the README there for the sources), and tampered copies of them.
 */
class KeylessVectorsTest {

    static final String SAN = "stefanb@us.ibm.com";
    static final String ISSUER = "https://sigstore.verify.ibm.com/oauth2";
    static final KeylessIdentity IDENTITY = new KeylessIdentity(SAN, ISSUER);
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<String> vectors() {
        return Stream.of("v1.0.0-sigstore", "v1.0.1-sigstore", "v1.1.0-sigstore");
    }

    static byte[] resource(String name) {
        try (InputStream in = KeylessVectorsTest.class.getResourceAsStream("/sigstore/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource sigstore/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path folder(String vector) {
        try {
            return Path.of(KeylessVectorsTest.class.getResource("/sigstore/" + vector).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static SigstoreTrustedRoot root() {
        return SigstoreTrustedRoot.parse(resource("trusted_root.json"));
    }

    static ModelSigningTrust trust(SigstoreTrustedRoot root, KeylessIdentity... identities) {
        return ModelSigningTrust.of(List.of(), List.of(), Set.of(), root, List.of(identities));
    }

    static ModelSigningTrust trust() {
        return trust(root(), IDENTITY);
    }

    static String bundle(String vector) {
        return new String(resource(vector + "/model.sig"), StandardCharsets.UTF_8);
    }

    static VerifiedStatement verify(String json, ModelSigningTrust trust) {
        return ModelSigningBundle.parse(json.getBytes(StandardCharsets.UTF_8)).verify(trust);
    }

    static void rejects(String json, ModelSigningTrust trust, RejectionCode code, String message) {
        assertThatThrownBy(() -> verify(json, trust)).isInstanceOfSatisfying(Reject.class, r -> {
            assertThat(r.rejection().code()).isEqualTo(code);
            assertThat(r.rejection().message()).contains(message);
        });
    }

    /** The trusted root with {@code edit} applied to its JSON tree. */
    static SigstoreTrustedRoot rootWith(UnaryOperator<ObjectNode> edit) {
        ObjectNode tree = (ObjectNode) JSON.readTree(resource("trusted_root.json"));
        return SigstoreTrustedRoot.parse(JSON.writeValueAsBytes(edit.apply(tree)));
    }

    static String flipLast(String base64) {
        byte[] bytes = Base64.getDecoder().decode(base64);
        bytes[bytes.length - 1] ^= 1;
        return Base64.getEncoder().encodeToString(bytes);
    }

    // ---- the real vectors ----

    @ParameterizedTest
    @MethodSource("vectors")
    void realVector_verifiesWithItsIdentity_andItsFilesMatch(String vector) {
        VerifiedStatement statement = verify(bundle(vector), trust());
        assertThat(statement.signer()).isEqualTo(new Provenance.SignatureInfo(
                Provenance.SignatureKind.MODEL_SIGNING_KEYLESS, SAN + " (issuer " + ISSUER + ")",
                "SHA256withECDSA", "model directory"));
        assertThat(statement.subjectName()).isEqualTo(vector);
        // signme-1 and signme-2 are the 8-byte files the reference signed (their digests match the statement).
        assertThat(ModelSigningVectorsTest.check(folder(vector), statement)).isEmpty();
    }

    @Test
    void trustedRoot_holdsTheRealPublicGoodKeys() {
        SigstoreTrustedRoot root = root();
        assertThat(root.certificateAuthorities()).hasSize(2);
        assertThat(root.tlogs()).hasSize(1);
        assertThat(root.ctlogs()).hasSize(2);
        // Rekor and CT log ids are SHA-256 of the key's SubjectPublicKeyInfo, as the logs compute them.
        for (SigstoreTrustedRoot.Log log : List.of(root.tlogs().get(0), root.ctlogs().get(0), root.ctlogs().get(1))) {
            assertThat(log.keyId()).isEqualTo(Crypto.hex(Crypto.sha256(log.key().getEncoded())));
        }
        assertThat(root.tlogs().get(0).keyId())
                .isEqualTo("c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d");
        List<X509Certificate> chain = root.certificateAuthorities().get(1).chain();
        assertThat(chain.get(0).getSubjectX500Principal().getName()).isEqualTo("CN=sigstore-intermediate,O=sigstore.dev");
        assertThat(chain.get(1).getSubjectX500Principal().getName()).isEqualTo("CN=sigstore,O=sigstore.dev");
    }

    // ---- tampered bundles ----

    @Test
    void payloadEdited_signatureInvalid() {
        String json = bundle("v1.1.0-sigstore");
        ModelSigningBundle parsed = ModelSigningBundle.parse(json.getBytes(StandardCharsets.UTF_8));
        String original = Base64.getEncoder().encodeToString(parsed.payload());
        String edited = Base64.getEncoder().encodeToString(new String(parsed.payload(), StandardCharsets.UTF_8)
                .replace("signme-2", "signme-3").getBytes(StandardCharsets.UTF_8));
        rejects(json.replace(original, edited), trust(), RejectionCode.SIGNATURE_INVALID,
                "the DSSE signature does not verify with the Fulcio certificate's key");
    }

    @Test
    void dsseSignatureFlipped_signatureInvalid() {
        String json = bundle("v1.1.0-sigstore");
        String sig = "MEUCIBjOA8VWIbY+YMdukGU1P0MHoCVjbibYKRvKp+ddAr4FAiEAtRi0049nhfNTX6r4sxpPJYmnmcMeI1ylYD/ak8qK1yg=";
        assertThat(json).contains(sig);
        rejects(json.replace(sig, flipLast(sig)), trust(), RejectionCode.SIGNATURE_INVALID,
                "the DSSE signature does not verify");
    }

    @Test
    void signedEntryTimestampFlipped_untrusted() {
        String json = bundle("v1.1.0-sigstore");
        String set = "MEQCIErVIgUO5ZfOBVXVM8URhnDQ2RXg7H+960ckEz8xKkdoAiBkki5CpODdpZw8GzMNv/nnT1j5OQ6l/Y5k00n7P0AXFQ==";
        assertThat(json).contains(set);
        rejects(json.replace(set, flipLast(set)), trust(), RejectionCode.UNTRUSTED_SIGNER,
                "signed entry timestamp does not verify");
    }

    @Test
    void inclusionProofHashFlipped_untrusted() {
        String json = bundle("v1.1.0-sigstore");
        String hash = "Zmf17o5a5Q69nPPFcZTIHWt03F7krvYqLjX5ylwcyjw=";
        assertThat(json).contains(hash);
        rejects(json.replace(hash, flipLast(hash)), trust(), RejectionCode.UNTRUSTED_SIGNER,
                "inclusion proof does not lead to its root hash");
    }

    @Test
    void checkpointSignatureFlipped_untrusted() {
        String json = bundle("v1.1.0-sigstore");
        String note = "wNI9ajBFAiBtV0gov0pC7kBG6WPaApxiUudh/9C4XyIybO93bBSVwQIhAIbRCl/2O4fJ83ik6SiLnFx3ipedmkvKoQ9ykKvQYdS4";
        assertThat(json).contains(note);
        rejects(json.replace(note, flipLast(note)), trust(), RejectionCode.UNTRUSTED_SIGNER,
                "checkpoint is not signed by the Rekor key");
    }

    @Test
    void tlogEntryOfAnotherEnvelope_untrusted() {
        String target = bundle("v1.1.0-sigstore");
        String other = bundle("v1.0.1-sigstore");
        String otherEntries = other.substring(other.indexOf("\"tlogEntries\": ") + "\"tlogEntries\": ".length(),
                other.indexOf(", \"timestampVerificationData\""));
        String entries = target.substring(target.indexOf("\"tlogEntries\":") + "\"tlogEntries\":".length(),
                target.indexOf(",\"timestampVerificationData\""));
        rejects(target.replace(entries, otherEntries), trust(), RejectionCode.UNTRUSTED_SIGNER,
                "the tlog entry is for another payload");
    }

    @Test
    void leafSwapped_signatureInvalid() {
        String target = bundle("v1.1.0-sigstore");
        String other = bundle("v1.0.1-sigstore");
        String leaf = ModelSigningBundleLeaf.of(target);
        rejects(target.replace(leaf, ModelSigningBundleLeaf.of(other)), trust(), RejectionCode.SIGNATURE_INVALID,
                "the DSSE signature does not verify with the Fulcio certificate's key");
    }

    @Test
    void integratedTimeOutsideTheLeafValidity_untrusted() {
        String json = bundle("v1.1.0-sigstore");
        assertThat(json).contains("\"integratedTime\":\"1760062340\"");
        rejects(json.replace("\"integratedTime\":\"1760062340\"", "\"integratedTime\":\"1760072340\""), trust(),
                RejectionCode.UNTRUSTED_SIGNER, "lies outside the signing certificate's validity");
        // Inside the validity, the edited time is caught by the signed entry timestamp.
        rejects(json.replace("\"integratedTime\":\"1760062340\"", "\"integratedTime\":\"1760062341\""), trust(),
                RejectionCode.UNTRUSTED_SIGNER, "signed entry timestamp does not verify");
    }

    @Test
    void wrongIdentity_untrusted() {
        rejects(bundle("v1.1.0-sigstore"), trust(root(), new KeylessIdentity("mallory@example.com", ISSUER)),
                RejectionCode.UNTRUSTED_SIGNER, "the keyless signer 'stefanb@us.ibm.com' (issuer '" + ISSUER
                        + "') is not an allowed identity");
    }

    @Test
    void wrongIssuer_untrusted() {
        rejects(bundle("v1.1.0-sigstore"), trust(root(), new KeylessIdentity(SAN, "https://accounts.google.com")),
                RejectionCode.UNTRUSTED_SIGNER, "is not an allowed identity");
    }

    @Test
    void oneOfSeveralIdentities_verifies() {
        verify(bundle("v1.1.0-sigstore"), trust(root(), new KeylessIdentity("mallory@example.com", ISSUER), IDENTITY));
    }

    // ---- trusted roots lacking a piece ----

    @Test
    void rootWithoutTheFulcioCa_untrusted() {
        SigstoreTrustedRoot root = rootWith(tree -> {
            ((ArrayNode) tree.get("certificateAuthorities")).remove(1);
            return tree;
        });
        rejects(bundle("v1.1.0-sigstore"), trust(root, IDENTITY), RejectionCode.UNTRUSTED_SIGNER,
                "no Fulcio certificate authority of the trusted root is valid at 2025-10-10T02:12:20Z");
        // The 2021 CA, even made valid at that time, is not the leaf's issuer.
        SigstoreTrustedRoot widened = rootWith(tree -> {
            ArrayNode cas = (ArrayNode) tree.get("certificateAuthorities");
            cas.remove(1);
            ((ObjectNode) cas.get(0).get("validFor")).remove("end");
            return tree;
        });
        rejects(bundle("v1.1.0-sigstore"), trust(widened, IDENTITY), RejectionCode.UNTRUSTED_SIGNER,
                "the signing certificate does not chain to a Fulcio CA of the trusted root");
    }

    @Test
    void rootWithoutTheRekorKey_untrusted() {
        SigstoreTrustedRoot root = rootWith(tree -> {
            tree.set("tlogs", JSON.createArrayNode().add(tree.get("ctlogs").get(0)));
            return tree;
        });
        rejects(bundle("v1.1.0-sigstore"), trust(root, IDENTITY), RejectionCode.UNTRUSTED_SIGNER,
                "the tlog entry is from a log the trusted root does not name");
    }

    @Test
    void rootWithoutTheCtKey_untrusted() {
        SigstoreTrustedRoot root = rootWith(tree -> {
            ((ArrayNode) tree.get("ctlogs")).remove(1);
            return tree;
        });
        rejects(bundle("v1.1.0-sigstore"), trust(root, IDENTITY), RejectionCode.UNTRUSTED_SIGNER,
                "no embedded SCT is from a CT log of the trusted root");
    }

    @Test
    void ctKeyReplacedUnderTheSameLogId_untrusted() {
        // The CT log id names the real key, but the root pins another key under that id: the SCT must fail.
        SigstoreTrustedRoot root = rootWith(tree -> {
            ArrayNode ctlogs = (ArrayNode) tree.get("ctlogs");
            ((ObjectNode) ctlogs.get(1).get("publicKey")).set("rawBytes",
                    ctlogs.get(0).get("publicKey").get("rawBytes"));
            return tree;
        });
        rejects(bundle("v1.1.0-sigstore"), trust(root, IDENTITY), RejectionCode.UNTRUSTED_SIGNER,
                "the embedded SCT does not verify with the CT log key of the trusted root");
    }

    @Test
    void rekorKeyValidityEndingBeforeTheEntry_untrusted() {
        SigstoreTrustedRoot root = rootWith(tree -> {
            ((ObjectNode) tree.get("tlogs").get(0).get("publicKey").get("validFor")).put("end", "2024-01-01T00:00:00Z");
            return tree;
        });
        rejects(bundle("v1.1.0-sigstore"), trust(root, IDENTITY), RejectionCode.UNTRUSTED_SIGNER,
                "the Rekor key of the trusted root is not valid at the integrated time");
    }

    // ---- configuration ----

    @Test
    void keylessWithoutTrustedRoot_untrustedWithClearMessage() {
        ModelSigningTrust keyOnly = ModelSigningTrust.of(List.of(ModelSigningFixtures.ecKeyPair("secp256r1").getPublic()),
                List.of(), Set.of());
        rejects(bundle("v1.1.0-sigstore"), keyOnly, RejectionCode.UNTRUSTED_SIGNER, ModelSigningBundle.KEYLESS_MESSAGE);
    }

    @Test
    void trustWithRootButNoIdentity_refused() {
        assertThatThrownBy(() -> ModelSigningTrust.of(List.of(), List.of(), Set.of(), root(), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no 'any keyless signer' mode");
        assertThatThrownBy(() -> ModelSigningTrust.of(List.of(), List.of(), Set.of(), null, List.of(IDENTITY)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without a Sigstore trusted root");
        assertThatThrownBy(() -> new KeylessIdentity("", ISSUER)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void malformedTrustedRoots_refused() {
        String good = new String(resource("trusted_root.json"), StandardCharsets.UTF_8);
        List<String> cases = List.of(
                good.replace("trustedroot+json;version=0.1", "trustedroot+json;version=9"),
                good.replace("\"tlogs\": [", "\"extra\": 1, \"tlogs\": ["),
                good.replace("PKIX_ECDSA_P256_SHA_256", "PKIX_RSA_PKCS1V15_2048_SHA256"),
                good.replace("\"start\": \"2021-01-12T11:53:27Z\"", "\"start\": \"yesterday\""),
                good.replace("wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0=", "wNI9"),
                good.replace("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y", "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Z"),
                good.replace("\"rawBytes\": \"MIIB+DCC", "\"rawBytes\": \"MIIB+DCD"),
                "{}", "[]", good + "x");
        for (int i = 0; i < cases.size(); i++) {
            String bad = cases.get(i);
            assertThatThrownBy(() -> SigstoreTrustedRoot.parse(bad.getBytes(StandardCharsets.UTF_8)))
                    .as("case %d", i)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("the Sigstore trusted root is malformed: ");
        }
    }

    @Test
    void otherKindOrSeveralEntries_refused() {
        String json = bundle("v1.1.0-sigstore");
        rejects(json.replace("\"kind\":\"dsse\"", "\"kind\":\"intoto\""), trust(), RejectionCode.UNTRUSTED_SIGNER,
                "safeload verifies only dsse 0.0.1 entries");
        String entries = json.substring(json.indexOf("\"tlogEntries\":[") + "\"tlogEntries\":[".length(),
                json.indexOf("],\"timestampVerificationData\""));
        rejects(json.replace(entries, entries + "," + entries), trust(), RejectionCode.SIGNATURE_INVALID,
                "holds 2 tlog entries; safeload requires exactly one");
        rejects(json.replace("\"tlogEntries\":[" + entries + "]", "\"tlogEntries\":[]"), trust(),
                RejectionCode.UNTRUSTED_SIGNER, "has no transparency-log entry");
    }

    /** The leaf certificate's base64 as the bundle spells it. */
    static final class ModelSigningBundleLeaf {
        static String of(String json) {
            JsonNode tree = JSON.readTree(json);
            return tree.get("verificationMaterial").get("certificate").get("rawBytes").asString();
        }
    }
}
