package dev.safeload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.safeload.api.ModelMetadata;
import dev.safeload.api.VerificationResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * What safeload accepts as TorchScript, real torch loads with the same tensors: runs
 * tools/torchscript_metadata.py under {@code /usr/bin/python3} (torch.jit.load, then every tensor of the
 * pickled module state and the operators of every compiled function) on each benign TorchScript fixture
 * that safeload verifies, and compares every parameter and buffer (path, dtype, shape, stride, offset,
 * requires_grad, parameter, storage size) and the operator inventory. Skips (saying why) when torch is not
 * installed, except under CI, where a missing torch is a failure.
 */
class TorchScriptConformanceTest {

    private static final Path PYTHON = Path.of("/usr/bin/python3");
    /**
     * Operators the code names but torch's compiler folds into constants as it compiles the archive
     * ({@code torch.device("cpu")} in traced code), so they are in safeload's inventory and not in any graph.
     */
    private static final Set<String> FOLDED_WHEN_COMPILED = Set.of("aten::device");
    private static JsonNode torch;
    private static final List<Path> ACCEPTED = new ArrayList<>();

    @BeforeAll
    static void loadWithTorch() throws Exception {
        boolean torchPresent = Files.isExecutable(PYTHON) && run(List.of(PYTHON.toString(), "-c", "import torch")) == 0;
        if (System.getenv("CI") != null) {
            assertThat(torchPresent).as("CI must install python3-torch (see .ci/run)").isTrue();
        }
        assumeThat(torchPresent).as("real torch (/usr/bin/python3 with python3-torch) is not installed").isTrue();
        SafeModelLoader loader = SafeModelLoader.withDefaults();
        for (Path file : TorchScriptArchives.benignFiles()) {
            if (loader.verify(file).isVerified()) {
                ACCEPTED.add(file);
            }
        }
        List<String> command = new ArrayList<>(List.of(PYTHON.toString(),
                Fixtures.repoRoot().resolve("tools/torchscript_metadata.py").toString()));
        ACCEPTED.forEach(p -> command.add(p.toString()));
        Path output = Files.createTempFile("torchscript-metadata", ".json");
        try {
            Process process = new ProcessBuilder(command).redirectOutput(output.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            assertThat(process.waitFor(10, TimeUnit.MINUTES)).isTrue();
            assertThat(process.exitValue()).as("torchscript_metadata.py exit code").isZero();
            torch = new ObjectMapper().readTree(Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static int run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        return process.waitFor(2, TimeUnit.MINUTES) ? process.exitValue() : -1;
    }

    @Test
    void torchJitLoadsEveryAcceptedFixtureWithTheSameTensorsAndOperators() {
        SafeModelLoader loader = SafeModelLoader.withDefaults();
        assertThat(ACCEPTED).hasSameSizeAs(TorchScriptArchives.benignFiles());
        for (Path file : ACCEPTED) {
            JsonNode loaded = torch.get("files").get(file.toString());
            assertThat(loaded).as(file.toString()).isNotNull();
            VerificationResult result = loader.verify(file);
            ModelMetadata metadata = result.orThrow();

            assertThat(TensorFacts.of(metadata)).as(file.toString())
                    .containsExactlyInAnyOrderElementsOf(TensorFacts.of(loaded.get("tensors"), "storage_elements"));
            List<String> compiled = new ArrayList<>();
            loaded.get("operators").forEach(op -> compiled.add(op.asString()));
            assertThat(metadata.operators()).as(file + ": every operator torch compiled is in the inventory")
                    .containsAll(compiled);
            assertThat(metadata.operators().stream().filter(op -> !compiled.contains(op)).toList())
                    .as(file + ": the inventory names nothing torch did not compile, except folded constants")
                    .isSubsetOf(FOLDED_WHEN_COMPILED);
        }
        System.out.println("[conformance] compared " + ACCEPTED.size() + " TorchScript fixtures with torch "
                + torch.get("torch") + " (torch.jit.load)");
    }
}
