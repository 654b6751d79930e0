package dev.safeload.internal.modelsigning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeload.SafeModelLoader;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.VerificationResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Hostile integrity inputs through the whole facade: mutated {@code model.sig} bundles and arbitrary pin files
 * always end in a verdict, never an exception, and never in a verified model that someone else signed.
 */
class IntegrityMutationPropertiesTest {

    private static Path temp;
    private static Path model;
    private static byte[] bundle;
    private static SafeModelLoader loader;
    private static String signer;

    @BeforeContainer
    static void signSnapshot() throws IOException {
        temp = Files.createTempDirectory("safeload-integrity-props-");
        KeyPair key = ModelSigningFixtures.ecKeyPair("secp256r1");
        ModelSigningFixtures.Model m = ModelSigningFixtures.Model.directory();
        model = m.writeTo(Files.createDirectories(temp.resolve("model")));
        bundle = ModelSigningFixtures.Bundle.withKey(m, key, true).json().getBytes(StandardCharsets.UTF_8);
        Path pub = Files.writeString(temp.resolve("signer.pub"), ModelSigningFixtures.pem(key.getPublic()));
        loader = SafeModelLoader.builder().trustPublicKey(pub).build();
        signer = dev.safeload.internal.signing.Pem.fingerprint(key.getPublic());
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        try (var paths = Files.walk(temp)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Property(tries = 1500, seed = "20261127")
    void mutatedBundlesEndInAVerdict(@ForAll long seed, @ForAll @IntRange(min = 1, max = 8) int edits) {
        Random random = new Random(seed);
        byte[] mutated = bundle.clone();
        for (int i = 0; i < edits; i++) {
            int at = random.nextInt(mutated.length);
            switch (random.nextInt(3)) {
                case 0 -> mutated[at] ^= (byte) (1 << random.nextInt(8));
                case 1 -> mutated[at] = (byte) random.nextInt(256);
                default -> mutated = java.util.Arrays.copyOf(mutated, Math.max(1, at));
            }
        }
        VerificationResult result = verifyWith(mutated);
        if (result.isVerified()) {
            // Only an edit the format ignores (JSON whitespace, an unused field) may keep it valid.
            assertThat(result.report().provenance().signatures()).singleElement()
                    .satisfies(s -> assertThat(s.signer()).isEqualTo(signer));
        } else {
            assertThat(result.rejections()).isNotEmpty();
        }
    }

    @Property(tries = 1500, seed = "20261127")
    void anyPinFileGivesAVerdictAndNeverAPass(@ForAll byte[] pins) throws IOException {
        Path pinFile = Files.write(temp.resolve("pins-" + Thread.currentThread().getId()), pins);
        VerificationResult result = SafeModelLoader.builder().pinFile(pinFile).build().verify(model);
        assertThat(result.isVerified()).isFalse();
        assertThat(result.rejections()).allSatisfy(r -> assertThat(r.code()).isIn(RejectionCode.HASH_MISSING,
                RejectionCode.HASH_MISMATCH));
    }

    private static VerificationResult verifyWith(byte[] signature) {
        try {
            Path sig = Files.write(temp.resolve("model.sig"), signature);
            return loader.verify(model, sig);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
