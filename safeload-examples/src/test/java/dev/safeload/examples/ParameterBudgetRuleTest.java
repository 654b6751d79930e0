package dev.safeload.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeload.SafeModelLoader;
import dev.safeload.api.VerificationResult;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ParameterBudgetRuleTest {

    private static Path fixture(String name) {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("fixtures/benign"))) {
                return p.resolve("fixtures/benign").resolve(name);
            }
        }
        throw new IllegalStateException("no fixtures/");
    }

    @Test
    void passesModelsWithinBudget() {
        SafeModelLoader loader = SafeModelLoader.builder().addVerifier(new ParameterBudgetRule(1_000_000)).build();

        assertThat(loader.verify(fixture("tiny_cnn_state_dict.pt")).isVerified()).isTrue();
    }

    @Test
    void rejectsModelsOverBudget() {
        SafeModelLoader loader = SafeModelLoader.builder().addVerifier(new ParameterBudgetRule(100)).build();

        VerificationResult result = loader.verify(fixture("tiny_cnn_state_dict.pt"));

        assertThat(result.rejections()).extracting(r -> r.code()).containsExactly(ParameterBudgetRule.OVER_BUDGET);
    }

    @Test
    void rejectsFloat64Tensors() {
        SafeModelLoader loader = SafeModelLoader.builder().addVerifier(new ParameterBudgetRule(1_000_000)).build();

        VerificationResult result = loader.verify(fixture("dtype_float64.pt"));

        assertThat(result.rejections()).extracting(r -> r.code()).containsExactly(ParameterBudgetRule.FLOAT64);
    }
}
