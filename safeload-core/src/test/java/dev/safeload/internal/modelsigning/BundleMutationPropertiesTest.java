package dev.safeload.internal.modelsigning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeload.internal.Reject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Mutated bundle bytes always end in a {@link Reject} or a {@link VerifiedStatement}, never another exception,
 * and never verify when the decoded payload or signature differs from the original.
 *
 * <p>The seed bundle is the reference tool's v1.1.0 elliptic-key vector when the shared vectors are present, else a
 * generated bundle signed the same way.
 */
class BundleMutationPropertiesTest {

    private static final Seed SEED = seed();

    private record Seed(byte[] json, ModelSigningTrust trust, byte[] payload, byte[] signature) {
    }

    private static Seed seed() {
        Path vector = ModelSigningVectorsTest.VECTORS.resolve("v1.1.0-elliptic-key/model.sig");
        byte[] json;
        ModelSigningTrust trust;
        if (Files.isRegularFile(vector)) {
            try {
                json = Files.readAllBytes(vector);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            trust = ModelSigningVectorsTest.keyTrust();
        } else {
            KeyPair key = ModelSigningFixtures.ecKeyPair("secp256r1");
            json = ModelSigningFixtures.Bundle.withKey(ModelSigningFixtures.Model.directory(), key, true).bytes();
            trust = ModelSigningTrust.of(List.of(key.getPublic()), List.of(), Set.of());
        }
        ModelSigningBundle bundle = ModelSigningBundle.parse(json);
        bundle.verify(trust);
        return new Seed(json, trust, bundle.payload(), bundle.signature());
    }

    /** One edit: 0 flips a bit, 1 overwrites a byte, 2 deletes a range, 3 duplicates a range, 4 inserts a JSON-ish token. */
    record Edit(int kind, int position, int length, int value) {
    }

    static final List<String> TOKENS = List.of("\"", "{", "}", "[", "]", ",", ":", "\\", "\\u0000", "=", "-",
            "_", "+", "/", "null", "1e999", "\"a\":1,", "\u00ff", "\ud800");

    @Provide
    Arbitrary<List<Edit>> edits() {
        Arbitrary<Edit> edit = Combinators.combine(Arbitraries.integers().between(0, 4),
                Arbitraries.integers().between(0, SEED.json.length - 1), Arbitraries.integers().between(1, 64),
                Arbitraries.integers().between(0, 255)).as(Edit::new);
        return edit.list().ofMinSize(1).ofMaxSize(4);
    }

    @Property(tries = 3000, seed = "20261126")
    void mutatedBundle_rejectsOrVerifiesTheOriginalContentOnly(@ForAll("edits") List<Edit> edits) {
        byte[] mutated = SEED.json;
        for (Edit edit : edits) {
            mutated = apply(mutated, edit);
        }
        try {
            ModelSigningBundle bundle = ModelSigningBundle.parse(mutated);
            VerifiedStatement statement = bundle.verify(SEED.trust);
            assertThat(statement).isNotNull();
            // It verified: then the signed content is exactly the original.
            assertThat(bundle.payload()).isEqualTo(SEED.payload);
            assertThat(bundle.signature()).isEqualTo(SEED.signature);
        } catch (Reject expected) {
            assertThat(expected.rejection().code().value()).isIn("SIGNATURE_INVALID", "UNTRUSTED_SIGNER");
        }
    }

    @Property(tries = 500, seed = "20261126")
    void mutatedPayloadOrSignature_neverVerifies(@ForAll("edits") List<Edit> edits) {
        // Mutate the decoded payload or signature bytes and re-encode them: a well-formed bundle with changed content.
        byte[] payload = SEED.payload;
        byte[] signature = SEED.signature;
        for (Edit edit : edits) {
            if (edit.position() % 2 == 0) {
                payload = apply(payload, edit);
            } else {
                signature = apply(signature, edit);
            }
        }
        if (Arrays.equals(payload, SEED.payload) && Arrays.equals(signature, SEED.signature)) {
            return;
        }
        String json = new String(SEED.json, java.nio.charset.StandardCharsets.UTF_8);
        java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
        String edited = json.replace(b64.encodeToString(SEED.payload), b64.encodeToString(payload))
                .replace(b64.encodeToString(SEED.signature), b64.encodeToString(signature));
        try {
            ModelSigningBundle.parse(edited.getBytes(java.nio.charset.StandardCharsets.UTF_8)).verify(SEED.trust);
            throw new AssertionError("a bundle with changed payload or signature verified");
        } catch (Reject expected) {
            assertThat(expected.rejection().code().value()).isIn("SIGNATURE_INVALID", "UNTRUSTED_SIGNER");
        }
    }

    static byte[] apply(byte[] data, Edit edit) {
        if (data.length == 0) {
            return new byte[] {(byte) edit.value()};
        }
        int at = edit.position() % data.length;
        int length = Math.min(edit.length(), data.length - at);
        switch (edit.kind()) {
            case 0 -> {
                byte[] out = data.clone();
                out[at] ^= (byte) (1 << (edit.value() % 8));
                return out;
            }
            case 1 -> {
                byte[] out = data.clone();
                out[at] = (byte) edit.value();
                return out;
            }
            case 2 -> {
                byte[] out = new byte[data.length - length];
                System.arraycopy(data, 0, out, 0, at);
                System.arraycopy(data, at + length, out, at, data.length - at - length);
                return out;
            }
            case 3 -> {
                byte[] out = new byte[data.length + length];
                System.arraycopy(data, 0, out, 0, at + length);
                System.arraycopy(data, at, out, at + length, data.length - at);
                return out;
            }
            default -> {
                byte[] token = TOKENS.get(edit.value() % TOKENS.size()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                byte[] out = new byte[data.length + token.length];
                System.arraycopy(data, 0, out, 0, at);
                System.arraycopy(token, 0, out, at, token.length);
                System.arraycopy(data, at, out, at + token.length, data.length - at);
                return out;
            }
        }
    }
}
