package dev.safeload.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class VerifyThenLoadTest {

    private static Path fixture(String name) {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("fixtures/benign"))) {
                return p.resolve("fixtures/benign").resolve(name);
            }
        }
        throw new IllegalStateException("no fixtures/");
    }

    @Test
    void verifiesThePinnedModelAndNamesThePrivateCopy() throws Exception {
        Path model = fixture("tiny_cnn_state_dict.pt");
        String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(model)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = VerifyThenLoad.run(new String[] {model.toString(), "--sha256", hex},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(printed).contains("sha256 " + hex + " (pinned)").contains("load from ");
        Path copy = Path.of(printed.substring(printed.indexOf("load from ") + 10).trim());
        assertThat(copy).isNotEqualTo(model).doesNotExist();   // deleted when the handle closed

        int rejected = VerifyThenLoad.run(new String[] {model.toString(), "--sha256", "00".repeat(32)},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(rejected).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("HASH_MISMATCH");
    }
}
