package dev.safeload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeload.api.ModelFormat;
import dev.safeload.api.ModelMetadata;
import dev.safeload.api.VerificationResult;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Every benign fixture (real torch.save output, made by fixtures/generate_benign.py) verifies, and its
 * metadata equals what torch reported when the fixture was generated (fixtures/benign/EXPECTED.json).
 */
class BenignFixturesTest {

    private static final SafeModelLoader LOADER = SafeModelLoader.withDefaults();
    private static final JsonNode EXPECTED = new ObjectMapper().readTree(Fixtures.benign("EXPECTED.json").toFile());

    static Stream<Path> benignFiles() {
        return Fixtures.benignFiles().stream();
    }

    @Test
    void everyFixtureHasAnExpectation() {
        List<String> names = Fixtures.benignFiles().stream().map(p -> p.getFileName().toString()).toList();
        assertThat(names).hasSizeGreaterThan(20);
        names.forEach(name -> assertThat(EXPECTED.get("files").has(name)).as(name).isTrue());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("benignFiles")
    void verifiesWithTorchsMetadata(Path file) {
        VerificationResult result = LOADER.verify(file);

        assertThat(result.rejections()).as(file.toString()).isEmpty();
        ModelMetadata metadata = result.orThrow();
        assertThat(metadata.format()).isEqualTo(ModelFormat.TORCH_ZIP);
        JsonNode expected = EXPECTED.get("files").get(file.getFileName().toString());
        assertThat(TensorFacts.of(metadata))
                .containsExactlyElementsOf(TensorFacts.of(expected.get("tensors"), "storage_numel"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("benignFiles")
    void verifiesFromMemoryAndStreamAlike(Path file) {
        byte[] bytes = Fixtures.read(file);

        ModelMetadata fromPath = LOADER.verify(file).orThrow();
        ModelMetadata fromBytes = LOADER.verify(bytes, file.toString()).orThrow();
        ModelMetadata fromStream = LOADER.verify(new java.io.ByteArrayInputStream(bytes), file.toString()).orThrow();

        assertThat(fromBytes.root()).isEqualTo(fromPath.root());
        assertThat(fromStream.summary()).isEqualTo(fromPath.summary());
    }
}
