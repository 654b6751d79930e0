package dev.safeload;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.safeload.api.VerificationLimits;
import dev.safeload.api.VerificationResult;

/**
 * Coverage-guided fuzzing with Jazzer. Under {@code mvn test} each target replays its seed corpus
 * (real data.pkl streams and small checkpoints in src/test/resources/.../VerifierFuzzTestInputs) as a
 * regression test; with {@code JAZZER_FUZZ=1} it fuzzes (see bench/README.md for the command and the
 * last run). The property: any input ends in a verdict, never an exception or a hang.
 */
class VerifierFuzzTest {

    private static final SafeModelLoader LOADER = SafeModelLoader.builder()
            .limits(VerificationLimits.builder().maxOpcodes(200_000).maxStringBytes(1 << 16)
                    .maxBytesLength(1 << 16).maxTreeNodes(200_000).maxMemoEntries(200_000).build())
            .build();
    private static final byte[] STORAGE = new byte[256];

    /** Arbitrary bytes as data.pkl of an otherwise valid archive: reaches the pickle machine. */
    @FuzzTest(maxDuration = "30s")
    void pickleMachine(byte[] pickle) {
        byte[] archive = TorchZipWriter.checkpoint(pickle, STORAGE, STORAGE, STORAGE, STORAGE);
        assertVerdict(LOADER.verify(archive, "fuzz.pt"));
    }

    /** Arbitrary bytes as a whole file: reaches format detection and the zip reader. */
    @FuzzTest(maxDuration = "30s")
    void wholeFile(byte[] file) {
        assertVerdict(LOADER.verify(file, "fuzz.pt"));
    }

    private static void assertVerdict(VerificationResult result) {
        assertThat(result.isVerified() || !result.rejections().isEmpty()).isTrue();
    }
}
