package dev.safeload;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.safeload.api.VerificationLimits;
import dev.safeload.api.VerificationResult;
import java.nio.file.Path;
import java.util.List;

/**
 * Coverage-guided fuzzing of the TorchScript code scan with Jazzer: arbitrary bytes become the module's
 * code file in a real archive (scripted_linear.pt), re-zipped. Under {@code mvn test} the seed corpus
 * (real code files, src/test/resources/.../TorchScriptFuzzTestInputs) is replayed as a regression test;
 * with {@code JAZZER_FUZZ=1} it fuzzes. The property: a verdict, never an exception or a hang, and no refused
 * operator in a verified inventory.
 */
class TorchScriptFuzzTest {

    private static final SafeModelLoader LOADER = SafeModelLoader.builder()
            .limits(VerificationLimits.builder().maxCodeBytes(1 << 20).build()).build();
    private static final Path LINEAR = TorchScriptArchives.benign("scripted_linear.pt");
    private static final List<TorchScriptArchives.Record> RECORDS = TorchScriptArchives.records(LINEAR);

    @FuzzTest(maxDuration = "30s")
    void code(byte[] code) {
        byte[] archive = TorchScriptArchives.zip(
                TorchScriptArchives.replace(RECORDS, "code/__torch__/safeload_ts_models.py", code));
        VerificationResult result = LOADER.verify(archive, "fuzz.pt");
        assertThat(result.isVerified() || !result.rejections().isEmpty()).isTrue();
        result.metadata().ifPresent(m -> assertThat(m.operators())
                .noneMatch(op -> op.equals("aten::save") || op.equals("aten::from_file") || op.startsWith("evil::")));
    }
}
