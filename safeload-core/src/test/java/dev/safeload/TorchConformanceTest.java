package dev.safeload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.safeload.api.VerificationResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * What safeload accepts, real torch loads with the same metadata. Runs tools/torch_metadata.py under
 * {@code /usr/bin/python3} on every benign fixture that safeload verifies, preferring
 * {@code torch.load(weights_only=True)}; torch 1.13's restricted unpickler lacks BINFLOAT and FRAME, so files
 * with floats or pickle protocol 4 are compared after a {@code weights_only=False} load, and the test prints
 * which ones. Skips (saying why) when torch is not installed, except under CI, where .ci/run installs it
 * and a missing torch is a failure.
 */
class TorchConformanceTest {

    private static final Path PYTHON = Path.of("/usr/bin/python3");
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
        List<Path> candidates = new ArrayList<>(Fixtures.benignFiles());
        for (String set : List.of("legacy/benign", "pickle/tensors")) {
            try (var files = Files.list(Fixtures.repoRoot().resolve("fixtures").resolve(set))) {
                files.filter(p -> !p.toString().endsWith(".json") && !p.toString().endsWith(".md"))
                        .sorted().forEach(candidates::add);
            }
        }
        for (Path file : candidates) {
            VerificationResult result = loader.verify(file);
            if (result.isVerified()) {
                ACCEPTED.add(file);
            }
        }
        List<String> command = new ArrayList<>(List.of(PYTHON.toString(),
                Fixtures.repoRoot().resolve("tools/torch_metadata.py").toString()));
        ACCEPTED.forEach(p -> command.add(p.toString()));
        Path output = Files.createTempFile("torch-metadata", ".json");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(output.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT);
            Process process = builder.start();
            assertThat(process.waitFor(10, TimeUnit.MINUTES)).isTrue();
            assertThat(process.exitValue()).as("torch_metadata.py exit code").isZero();
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
    void torchLoadsEveryAcceptedFixtureWithTheSameMetadata() {
        SafeModelLoader loader = SafeModelLoader.withDefaults();
        List<String> withoutWeightsOnly = new ArrayList<>();
        assertThat(ACCEPTED).hasSizeGreaterThan(40);
        for (Path file : ACCEPTED) {
            JsonNode loaded = torch.get("files").get(file.toString());
            assertThat(loaded).as(file.toString()).isNotNull();
            if (!loaded.get("weights_only").asBoolean()) {
                withoutWeightsOnly.add(file.getFileName() + " (" + loaded.get("weights_only_error").asString()
                        .replaceAll(".*WeightsUnpickler error: ", "") + ")");
            }
            assertThat(TensorFacts.of(loader.verify(file).orThrow()))
                    .as(file.toString())
                    .containsExactlyElementsOf(TensorFacts.of(loaded.get("tensors"), "storage_elements"));
        }
        System.out.println("[conformance] compared " + ACCEPTED.size() + " fixtures with torch " + torch.get("torch")
                + "; loaded with weights_only=False because torch 1.13's restricted unpickler refused them: "
                + withoutWeightsOnly);
    }
}
