package dev.safeload.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The CLI's exit codes and its JSON document (docs/json-schema.md). */
class SafeloadCliTest extends CliHarness {

    private static Path benign(String name) {
        return repo().resolve("fixtures/benign").resolve(name);
    }

    private static Path hostile(String name) {
        return repo().resolve("fixtures/hostile").resolve(name);
    }

    @Test
    void verifiedModelsExitZero() {
        int code = SafeloadCli.execute("verify", benign("dtypes.pt").toString(), benign("parameters.pt").toString());

        assertThat(code).isZero();
        assertThat(stdout.toString(StandardCharsets.UTF_8)).contains("VERIFIED").contains("2 verified, 0 rejected");
    }

    @Test
    void anyRejectionExitsOneWithCodesInJson() {
        int code = SafeloadCli.execute("verify", "--format", "json", benign("dtypes.pt").toString(),
                hostile("global_posix_system.pt").toString());

        assertThat(code).isEqualTo(1);
        JsonNode results = json().get("results");
        assertThat(results).hasSize(2);
        assertThat(results.get(0).get("verdict").asString()).isEqualTo("VERIFIED");
        assertThat(results.get(0).get("tensors").size()).isEqualTo(12);
        JsonNode first = results.get(0).get("tensors").get(0);
        for (String field : new String[] {"path", "dtype", "shape", "stride", "storageOffset", "storageKey",
            "byteLength", "requiresGrad", "parameter"}) {
            assertThat(first.has(field)).as(field).isTrue();
        }
        JsonNode rejected = results.get(1);
        assertThat(rejected.get("verdict").asString()).isEqualTo("REJECTED");
        assertThat(rejected.get("format").asString()).isEqualTo("TORCH_ZIP");
        assertThat(rejected.get("rejections").get(0).get("code").asString()).isEqualTo("DISALLOWED_GLOBAL");
        assertThat(rejected.get("rejections").get(0).get("location").get("entry").asString()).endsWith("data.pkl");
        assertThat(rejected.get("summary").isNull()).isTrue();
    }

    @Test
    void torchScriptResultsListTheirOperators() {
        Path script = repo().resolve("fixtures/torchscript/benign/scripted_linear.pt");
        Path custom = repo().resolve("fixtures/torchscript/hostile/op_custom_namespace.pt");

        int code = SafeloadCli.execute("verify", "--format", "json", script.toString(), benign("dtypes.pt").toString(),
                custom.toString());

        assertThat(code).isEqualTo(1);
        JsonNode results = json().get("results");
        assertThat(results.get(0).get("format").asString()).isEqualTo("TORCHSCRIPT_ZIP");
        assertThat(results.get(0).get("operators")).extracting(JsonNode::asString)
                .containsExactly("aten::linear", "aten::relu");
        assertThat(results.get(1).get("operators")).isEmpty();
        assertThat(results.get(2).get("operators")).isEmpty();
        assertThat(results.get(2).get("rejections").get(0).get("code").asString()).isEqualTo("DISALLOWED_OPERATOR");

        stdout.reset();
        assertThat(SafeloadCli.execute("verify", "--allow-torchscript-op", "evil::run", custom.toString())).isZero();
        assertThat(stdout.toString(StandardCharsets.UTF_8)).contains("operators: ").contains("evil::run");
        assertThat(SafeloadCli.execute("verify", "--allow-torchscript-op", "aten::save", custom.toString()))
                .isEqualTo(2);
    }

    @Test
    void withEachFileDirectoriesAreSearchedAndLinksNotFollowed() throws Exception {
        Files.copy(benign("dtypes.pt"), temp.resolve("a.pt"));
        Files.createDirectories(temp.resolve("sub"));
        Files.copy(hostile("global_posix_system.pt"), temp.resolve("sub/b.bin"));
        Files.createSymbolicLink(temp.resolve("link.pt"), hostile("global_posix_system.pt"));

        int code = SafeloadCli.execute("verify", "--each-file", "--format", "json", temp.toString());

        assertThat(code).isEqualTo(1);
        assertThat(json().get("results")).extracting(r -> Path.of(r.get("path").asString()).getFileName().toString())
                .containsExactly("a.pt", "b.bin");
    }

    @Test
    void usageAndIoErrorsExitTwo() {
        assertThat(SafeloadCli.execute()).isEqualTo(2);
        assertThat(SafeloadCli.execute("verify")).isEqualTo(2);
        assertThat(SafeloadCli.execute("verify", "--format", "xml", benign("dtypes.pt").toString())).isEqualTo(2);
        assertThat(SafeloadCli.execute("verify", temp.resolve("missing.pt").toString())).isEqualTo(2);
        assertThat(SafeloadCli.execute("verify", "--allow-global", "os:system", benign("dtypes.pt").toString()))
                .isEqualTo(2);
    }
}
