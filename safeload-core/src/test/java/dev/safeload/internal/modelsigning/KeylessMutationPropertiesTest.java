package dev.safeload.internal.modelsigning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeload.internal.Reject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Mutated keyless bundles (the reference tool's v1.1.0 public-good vector, verified against the committed trusted
 * root) end in a {@link Reject}, never another exception, and never verify unless the payload and signature are the
 * original ones; a bundle whose signed or logged content was changed never verifies.
 */
class KeylessMutationPropertiesTest {

    private static final byte[] JSON = KeylessVectorsTest.bundle("v1.1.0-sigstore").getBytes(StandardCharsets.UTF_8);
    private static final ModelSigningTrust TRUST = KeylessVectorsTest.trust();
    private static final ModelSigningBundle ORIGINAL = ModelSigningBundle.parse(JSON);

    /** The base64 fields whose decoded bytes are signed, logged or compared: any change must be refused. */
    private static final List<String> FIELDS = fields();

    private static List<String> fields() {
        String json = new String(JSON, StandardCharsets.UTF_8);
        List<String> fields = List.of(
                KeylessVectorsTest.ModelSigningBundleLeaf.of(json),
                "MEQCIErVIgUO5ZfOBVXVM8URhnDQ2RXg7H+960ckEz8xKkdoAiBkki5CpODdpZw8GzMNv/nnT1j5OQ6l/Y5k00n7P0AXFQ==",
                "V0NA1ekHc4sMtyOk9+rSfb50+v1kFb/0QXYbxrm43gk=",
                "P439a1wjUaISQbG2jSIGT1cYyPX/NrcxVNhfdV7vC58=",
                "vS7O4ozHIQZJWBiov+mkpI27GE8zAmVCEkRcP3NDyNE=",
                Base64.getEncoder().encodeToString(ORIGINAL.payload()),
                Base64.getEncoder().encodeToString(ORIGINAL.signature()),
                json.substring(json.indexOf("\"canonicalizedBody\":\"") + 21,
                        json.indexOf('"', json.indexOf("\"canonicalizedBody\":\"") + 21)));
        for (String field : fields) {
            assertThat(json).contains("\"" + field + "\"");
        }
        return fields;
    }

    @Provide
    Arbitrary<List<BundleMutationPropertiesTest.Edit>> edits() {
        Arbitrary<BundleMutationPropertiesTest.Edit> edit = Combinators.combine(Arbitraries.integers().between(0, 4),
                Arbitraries.integers().between(0, JSON.length - 1), Arbitraries.integers().between(1, 64),
                Arbitraries.integers().between(0, 255)).as(BundleMutationPropertiesTest.Edit::new);
        return edit.list().ofMinSize(1).ofMaxSize(4);
    }

    @Property(tries = 1500, seed = "20261127")
    void mutatedBundleBytes_rejectOrVerifyTheOriginalContentOnly(
            @ForAll("edits") List<BundleMutationPropertiesTest.Edit> edits) {
        byte[] mutated = JSON;
        for (BundleMutationPropertiesTest.Edit edit : edits) {
            mutated = BundleMutationPropertiesTest.apply(mutated, edit);
        }
        try {
            ModelSigningBundle bundle = ModelSigningBundle.parse(mutated);
            assertThat(bundle.verify(TRUST)).isNotNull();
            assertThat(bundle.payload()).isEqualTo(ORIGINAL.payload());
            assertThat(bundle.signature()).isEqualTo(ORIGINAL.signature());
            assertThat(bundle.certificateChain()).isEqualTo(ORIGINAL.certificateChain());
        } catch (Reject expected) {
            assertThat(expected.rejection().code().value()).isIn("SIGNATURE_INVALID", "UNTRUSTED_SIGNER");
        }
    }

    @Property(tries = 600, seed = "20261127")
    void changedSignedOrLoggedBytes_neverVerify(@ForAll("edits") List<BundleMutationPropertiesTest.Edit> edits,
            @ForAll("fieldIndex") int field) {
        String original = FIELDS.get(field);
        byte[] bytes = Base64.getDecoder().decode(original);
        byte[] mutated = bytes;
        for (BundleMutationPropertiesTest.Edit edit : edits) {
            mutated = BundleMutationPropertiesTest.apply(mutated, edit);
        }
        if (java.util.Arrays.equals(mutated, bytes)) {
            return;
        }
        String json = new String(JSON, StandardCharsets.UTF_8).replace("\"" + original + "\"",
                "\"" + Base64.getEncoder().encodeToString(mutated) + "\"");
        try {
            ModelSigningBundle.parse(json.getBytes(StandardCharsets.UTF_8)).verify(TRUST);
            throw new AssertionError("a keyless bundle with a changed field " + field + " verified");
        } catch (Reject expected) {
            assertThat(expected.rejection().code().value()).isIn("SIGNATURE_INVALID", "UNTRUSTED_SIGNER");
        }
    }

    @Provide
    Arbitrary<Integer> fieldIndex() {
        return Arbitraries.integers().between(0, FIELDS.size() - 1);
    }
}
