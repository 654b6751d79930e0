package dev.safeload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeload.api.ModelFormat;
import dev.safeload.api.VerificationResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The legacy torch.save and plain-pickle fixtures (fixtures/generate_legacy.py, generate_pickle.py): every
 * benign file verifies as its format with the metadata torch reported, every hostile file is rejected with
 * its manifest's code.
 */
class FormatFixturesTest {

    private static final SafeModelLoader LOADER = SafeModelLoader.withDefaults();
    private static final Map<String, ModelFormat> BENIGN = Map.of(
            "legacy/benign", ModelFormat.LEGACY_TORCH,
            "pickle/benign", ModelFormat.PICKLE,
            "pickle/tensors", ModelFormat.PICKLE);
    private static final List<String> HOSTILE = List.of("legacy/hostile", "pickle/hostile");

    private static List<Path> files(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> {
                String name = p.getFileName().toString();
                return !name.endsWith(".json") && !name.endsWith(".md") && !name.endsWith(".tsv");
            }).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Stream<Arguments> benignFiles() {
        return BENIGN.entrySet().stream().sorted(Map.Entry.comparingByKey()).flatMap(set -> {
            Path dir = Fixtures.repoRoot().resolve("fixtures").resolve(set.getKey());
            assertThat(dir).isDirectory();
            List<Path> files = files(dir);
            assertThat(files).as(set.getKey()).isNotEmpty();
            return files.stream().map(f -> Arguments.of(set.getKey(), f.getFileName().toString(), set.getValue()));
        });
    }

    static Stream<Arguments> hostileFiles() {
        return HOSTILE.stream().flatMap(set -> {
            Path dir = Fixtures.repoRoot().resolve("fixtures").resolve(set);
            try {
                List<String> lines = Files.readAllLines(dir.resolve("MANIFEST.tsv"));
                assertThat(lines.size() - 1).as(set + " manifest").isEqualTo(files(dir).size());
                return lines.stream().skip(1).filter(l -> !l.isBlank()).map(l -> {
                    String[] f = l.split("\t", 3);
                    return Arguments.of(set, f[0], f[1], f.length > 2 ? f[2] : "");
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @ParameterizedTest(name = "{0}/{1}")
    @MethodSource("benignFiles")
    void benignFilesVerifyWithTorchsMetadata(String set, String file, ModelFormat format) {
        Path dir = Fixtures.repoRoot().resolve("fixtures").resolve(set);
        VerificationResult result = LOADER.verify(dir.resolve(file));

        assertThat(result.rejections()).as(set + "/" + file).isEmpty();
        assertThat(result.report().format()).isEqualTo(format);
        Path expectedFile = dir.resolve("EXPECTED.json");
        JsonNode expected = new ObjectMapper().readTree(expectedFile.toFile()).get("files").get(file);
        assertThat(expected).as("EXPECTED.json entry for " + file).isNotNull();
        if (expected.has("tensors")) {
            assertThat(TensorFacts.of(result.orThrow()))
                    .containsExactlyElementsOf(TensorFacts.of(expected.get("tensors"), "storage_numel"));
        }
    }

    @ParameterizedTest(name = "{0}/{1} -> {2}")
    @MethodSource("hostileFiles")
    void hostileFilesAreRejectedWithTheirCode(String set, String file, String code, String technique) {
        Path dir = Fixtures.repoRoot().resolve("fixtures").resolve(set);
        VerificationResult result = LOADER.verify(dir.resolve(file));

        assertThat(result.isVerified()).as(technique).isFalse();
        assertThat(result.rejections().get(0).code().value()).as(technique).isEqualTo(code);
    }
}
