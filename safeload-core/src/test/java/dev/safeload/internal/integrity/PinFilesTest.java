package dev.safeload.internal.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.safeload.api.RejectionCode;
import dev.safeload.internal.Reject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PinFilesTest {

    private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private static List<HashPin> parse(String text, String name) {
        return PinFiles.parse(text.getBytes(StandardCharsets.UTF_8), name);
    }

    @Test
    void readsGnuTextAndBinaryMarkers() {
        List<HashPin> pins = parse(EMPTY_SHA256 + "  model.pt\n" + EMPTY_SHA256.toUpperCase() + " *dir/b.bin\n",
                "SHA256SUMS");
        assertThat(pins).extracting(HashPin::name).containsExactly("model.pt", "dir/b.bin");
        assertThat(pins).allSatisfy(p -> {
            assertThat(p.algorithm()).isEqualTo(HashAlgorithm.SHA256);
            assertThat(p.hex()).isEqualTo(EMPTY_SHA256);
        });
    }

    @Test
    void readsGnuEscapedNamesBsdTagsAndOpenSslLines() {
        String sha512 = "ab".repeat(64);
        List<HashPin> pins = parse("\\" + EMPTY_SHA256 + "  we\\\\ird\\nname.bin\n"
                + "SHA256 (./a.pt) = " + EMPTY_SHA256 + "\n"
                + "SHA512 (a.pt) = " + sha512 + "\n"
                + "SHA2-256(c.pt)= " + EMPTY_SHA256 + "\r\n"
                + "SHA256(d.pt)= " + EMPTY_SHA256 + "\n", "sums");
        assertThat(pins).extracting(HashPin::name).containsExactly("we\\ird\nname.bin", "a.pt", "a.pt", "c.pt", "d.pt");
        assertThat(pins.get(2).algorithm()).isEqualTo(HashAlgorithm.SHA512);
    }

    @Test
    void readsGitLfsPointerAsPinForTheFileOfTheSameName() {
        List<HashPin> pins = parse("version https://git-lfs.github.com/spec/v1\noid sha256:" + EMPTY_SHA256
                + "\nsize 0\n", "snapshot/model.safetensors");
        assertThat(pins).singleElement().satisfies(p -> {
            assertThat(p.name()).isEqualTo("model.safetensors");
            assertThat(p.size()).isZero();
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "\n\n",
        "not a digest line\n",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85  short.pt\n",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  ../escape.pt\n",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  /etc/passwd\n",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  C:\\model.pt\n",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 model.pt\n",
        "SHA256 (a.pt) = abababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababab\n",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a.pt\n"
                + "0000000000000000000000000000000000000000000000000000000000000000  a.pt\n",
        "\\e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  bad\\escape\n",
        "version https://git-lfs.github.com/spec/v1\nsize 12\n",
        "version https://git-lfs.github.com/spec/v1\noid sha256:ab\nsize 1\n",
        "version https://git-lfs.github.com/spec/v1\noid sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nsize 1\nfoo bar\n",
    })
    void malformedPinFilesAreHashMissingRejections(String text) {
        assertThatThrownBy(() -> parse(text, "pins.txt"))
                .isInstanceOfSatisfying(Reject.class, r -> {
                    assertThat(r.rejection().code()).isEqualTo(RejectionCode.HASH_MISSING);
                    assertThat(r.rejection().message()).contains("pins.txt").contains("malformed");
                });
    }

    @Test
    void invalidUtf8IsMalformed() {
        byte[] bytes = (EMPTY_SHA256 + "  x").getBytes(StandardCharsets.UTF_8);
        byte[] bad = java.util.Arrays.copyOf(bytes, bytes.length + 1);
        bad[bad.length - 1] = (byte) 0xC3;
        assertThatThrownBy(() -> PinFiles.parse(bad, "p")).isInstanceOf(Reject.class);
    }

    @Test
    void readsWhatTheRealToolsWrite(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("m.bin");
        Files.write(model, "model bytes".getBytes(StandardCharsets.UTF_8));
        String expected = HexFormat.of().formatHex(Digests.of(model, Set.of(HashAlgorithm.SHA256)).get(HashAlgorithm.SHA256));
        for (List<String> command : List.of(List.of("sha256sum", "m.bin"), List.of("sha256sum", "-b", "m.bin"),
                List.of("sha256sum", "--tag", "m.bin"), List.of("openssl", "dgst", "-sha256", "m.bin"),
                List.of("openssl", "sha256", "-r", "m.bin"))) {
            String out = run(dir, command);
            List<HashPin> pins = parse(out, "out");
            assertThat(pins).as(String.join(" ", command)).singleElement().satisfies(p -> {
                assertThat(p.name()).isEqualTo("m.bin");
                assertThat(p.hex()).isEqualTo(expected);
            });
        }
        String sha512 = run(dir, List.of("sha512sum", "m.bin"));
        assertThat(parse(sha512, "o").get(0).hex())
                .isEqualTo(HexFormat.of().formatHex(Digests.of(model, Set.of(HashAlgorithm.SHA512)).get(HashAlgorithm.SHA512)));
    }

    private static String run(Path dir, List<String> command) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            if (System.getenv("CI") != null) {
                throw new AssertionError(command.get(0) + " is not installed here; the GNU/OpenSSL output check needs it"
                        + " (CI must install it: .ci/run)");
            }
            assumeTrue(false, command.get(0) + " is not installed here; the GNU/OpenSSL output check needs it");
            throw e;
        }
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(out).isZero();
        return out;
    }

    @Property(tries = 2000)
    void anyBytesGiveAListOrAHashMissingRejection(@ForAll byte[] bytes) {
        try {
            assertThat(PinFiles.parse(bytes, "fuzz")).isNotEmpty();
        } catch (Reject r) {
            assertThat(r.rejection().code()).isEqualTo(RejectionCode.HASH_MISSING);
        }
    }

    @Test
    void digestsOfAFileMatchTheJdkOverTheWholeContent(@TempDir Path dir) throws Exception {
        byte[] content = new byte[3 * Digests.BUFFER_BYTES + 17];
        new java.util.Random(7).nextBytes(content);
        Path file = dir.resolve("f");
        Files.write(file, content);
        Map<HashAlgorithm, byte[]> d = Digests.of(file, Set.of(HashAlgorithm.SHA256, HashAlgorithm.SHA512));
        assertThat(d.get(HashAlgorithm.SHA256)).isEqualTo(java.security.MessageDigest.getInstance("SHA-256").digest(content));
        assertThat(d.get(HashAlgorithm.SHA512)).isEqualTo(java.security.MessageDigest.getInstance("SHA-512").digest(content));
        try (var channel = java.nio.channels.FileChannel.open(file);
             Digests.HashingStream in = new Digests.HashingStream(channel, Set.of(HashAlgorithm.SHA256))) {
            assertThat(in.readNBytes(1000)).isEqualTo(java.util.Arrays.copyOf(content, 1000));
            assertThat(in.drainAndFinish().get(HashAlgorithm.SHA256)).isEqualTo(d.get(HashAlgorithm.SHA256));
        }
        Path copy = dir.resolve("copy");
        try (var in = java.nio.channels.FileChannel.open(file);
             var out = java.nio.channels.FileChannel.open(copy, java.nio.file.StandardOpenOption.CREATE_NEW,
                     java.nio.file.StandardOpenOption.WRITE)) {
            assertThat(Digests.copy(in, out, Set.of(HashAlgorithm.SHA256)).get(HashAlgorithm.SHA256))
                    .isEqualTo(d.get(HashAlgorithm.SHA256));
        }
        assertThat(Files.readAllBytes(copy)).isEqualTo(content);
    }
}
