package dev.safeload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeload.api.SafeText;
import dev.safeload.api.VerificationResult;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One named hostile fixture per attack technique (fixtures/generate_hostile.py); each is rejected with the
 * code that fixtures/hostile/MANIFEST.tsv names.
 */
class HostileFixturesTest {

    private static final SafeModelLoader LOADER = SafeModelLoader.withDefaults();

    static Stream<Arguments> manifest() throws IOException {
        List<String> lines = Files.readAllLines(Fixtures.hostile().resolve("MANIFEST.tsv"));
        return lines.stream().skip(1).filter(line -> !line.isBlank()).map(line -> {
            String[] fields = line.split("\t", 3);
            return Arguments.of(fields[0], fields[1], fields.length > 2 ? fields[2] : "");
        });
    }

    @Test
    void manifestCoversEveryHostileFile() throws IOException {
        List<String> listed = manifest().map(a -> (String) a.get()[0]).toList();
        try (Stream<java.nio.file.Path> files = Files.list(Fixtures.hostile())) {
            List<String> present = files.map(p -> p.getFileName().toString())
                    .filter(n -> !n.equals("MANIFEST.tsv") && !n.equals("README.md")).toList();
            assertThat(listed).containsExactlyInAnyOrderElementsOf(present);
        }
        assertThat(listed).hasSizeGreaterThan(60);
    }

    @Test
    void everyParserRejectionCodeHasAFixture() throws IOException {
        List<String> codes = manifest().map(a -> (String) a.get()[1]).distinct().toList();

        assertThat(codes).containsExactlyInAnyOrder("MALFORMED_ARCHIVE", "PATH_TRAVERSAL", "UNSUPPORTED_FORMAT",
                "DISALLOWED_GLOBAL", "DISALLOWED_OPCODE", "MALFORMED_PICKLE", "TENSOR_INCONSISTENT", "RESOURCE_LIMIT");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("manifest")
    void rejectedWithTheExpectedCode(String file, String expectedCode, String technique) {
        VerificationResult result = LOADER.verify(Fixtures.hostile().resolve(file));

        assertThat(result.isVerified()).as(technique).isFalse();
        assertThat(result.rejections().get(0).code().value()).as(technique).isEqualTo(expectedCode);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("manifest")
    void messagesAreEscapedAndBounded(String file, String expectedCode, String technique) {
        VerificationResult result = LOADER.verify(Fixtures.hostile().resolve(file));

        result.rejections().forEach(r -> {
            assertThat(r.message()).hasSizeLessThanOrEqualTo(dev.safeload.api.Rejection.MAX_MESSAGE_LENGTH);
            assertThat(r.message().chars()).allMatch(c -> c >= 0x20 && c < 0x7f);
            r.location().entryName().ifPresent(e -> {
                assertThat(e).hasSizeLessThanOrEqualTo(SafeText.MAX_LENGTH);
                assertThat(e.chars()).allMatch(c -> c >= 0x20 && c < 0x7f);
            });
        });
    }
}
