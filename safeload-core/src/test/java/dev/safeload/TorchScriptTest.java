package dev.safeload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safeload.api.ModelFormat;
import dev.safeload.api.ModelMetadata;
import dev.safeload.api.Rejection;
import dev.safeload.api.SafeText;
import dev.safeload.api.VerificationLimits;
import dev.safeload.api.VerificationResult;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * TorchScript archives: the benign fixtures (real torch.jit.save output) verify with the metadata and operator
 * inventory torch reported when they were made (fixtures/torchscript/benign/EXPECTED.json); every hostile
 * fixture is rejected with the code its MANIFEST.tsv names; and the code scan resolves operator names the
 * way TorchScript does, on code edited into a real archive.
 */
class TorchScriptTest {

    private static final SafeModelLoader LOADER = SafeModelLoader.withDefaults();
    private static final JsonNode EXPECTED =
            new ObjectMapper().readTree(TorchScriptArchives.benign("EXPECTED.json").toFile());
    private static final Path LINEAR = TorchScriptArchives.benign("scripted_linear.pt");
    private static final String MODULE_FILE = "code/__torch__/safeload_ts_models.py";
    private static final String LINEAR_CLASS = """
            class TinyLinear(Module):
              __parameters__ = []
              __buffers__ = []
              training : bool
              _is_full_backward_hook : Optional[bool]
              fc : __torch__.torch.nn.modules.linear.Linear
              def forward(self: __torch__.safeload_ts_models.TinyLinear,
                x: Tensor) -> Tensor:
                fc = self.fc
            """;

    static Stream<Path> benignFiles() {
        return TorchScriptArchives.benignFiles().stream();
    }

    // ---- benign fixtures ------------------------------------------------------------------------------

    @Test
    void everyBenignFixtureHasAnExpectation() {
        List<String> names = benignFiles().map(p -> p.getFileName().toString()).toList();
        assertThat(names).hasSizeGreaterThanOrEqualTo(4);
        names.forEach(name -> assertThat(EXPECTED.get("files").has(name)).as(name).isTrue());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("benignFiles")
    void verifiesWithTorchsMetadataAndOperators(Path file) {
        VerificationResult result = LOADER.verify(file);

        assertThat(result.rejections()).as(file.toString()).isEmpty();
        ModelMetadata metadata = result.orThrow();
        assertThat(metadata.format()).isEqualTo(ModelFormat.TORCHSCRIPT_ZIP);
        JsonNode expected = EXPECTED.get("files").get(file.getFileName().toString());
        assertThat(TensorFacts.of(metadata))
                .containsExactlyInAnyOrderElementsOf(TensorFacts.of(expected.get("tensors"), "storage_elements"));
        List<String> operators = new ArrayList<>();
        expected.get("operators").forEach(op -> operators.add(op.asString()));
        assertThat(metadata.operators()).isEqualTo(operators);
        assertThat(result.report().verifiersRun()).contains("torchscript-code-scan", "tensor-consistency");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("benignFiles")
    void verifiesFromMemoryStreamAndRezippedAlike(Path file) {
        byte[] bytes = Fixtures.read(file);

        ModelMetadata fromPath = LOADER.verify(file).orThrow();
        ModelMetadata fromBytes = LOADER.verify(bytes, file.toString()).orThrow();
        ModelMetadata fromStream = LOADER.verify(new ByteArrayInputStream(bytes), file.toString()).orThrow();
        ModelMetadata rezipped = LOADER.verify(TorchScriptArchives.zip(TorchScriptArchives.records(file)), "re.pt")
                .orThrow();

        assertThat(fromBytes.root()).isEqualTo(fromPath.root());
        assertThat(fromStream.summary()).isEqualTo(fromPath.summary());
        assertThat(rezipped.root()).isEqualTo(fromPath.root());
        assertThat(rezipped.operators()).isEqualTo(fromPath.operators());
    }

    @Test
    void parametersComeFromTheCodeAndConstantsAreChecked() {
        ModelMetadata cnn = LOADER.verify(TorchScriptArchives.benign("scripted_cnn.pt")).orThrow();
        // conv 4*9+4, bn 4+4, head 5*64+5: the C++ pickler writes plain tensors; __parameters__ says which.
        assertThat(cnn.summary().parameterElements()).isEqualTo(40 + 8 + 325);

        VerificationResult traced = LOADER.verify(TorchScriptArchives.benign("traced_mlp.pt"));
        assertThat(traced.report().notes()).anyMatch(n -> n.contains("1 constant(s)"));
    }

    @Test
    void extraFilesAreReportedNotParsed() {
        VerificationResult result = LOADER.verify(TorchScriptArchives.benign("scripted_setstate.pt"));

        assertThat(result.isVerified()).isTrue();
        assertThat(result.report().notes()).anyMatch(n -> n.contains("extra/config.json (13 bytes)"));
    }

    @Test
    void torchSaveCheckpointsHaveNoOperators() {
        assertThat(LOADER.verify(Fixtures.benign("dtypes.pt")).orThrow().operators()).isEmpty();
    }

    // ---- hostile fixtures -----------------------------------------------------------------------------

    static Stream<Arguments> manifest() throws IOException {
        List<String> lines = Files.readAllLines(TorchScriptArchives.hostile().resolve("MANIFEST.tsv"));
        return lines.stream().skip(1).filter(line -> !line.isBlank()).map(line -> {
            String[] fields = line.split("\t", 3);
            return Arguments.of(fields[0], fields[1], fields.length > 2 ? fields[2] : "");
        });
    }

    @Test
    void manifestCoversEveryHostileFileAndCode() throws IOException {
        List<String> listed = manifest().map(a -> (String) a.get()[0]).toList();
        try (Stream<Path> files = Files.list(TorchScriptArchives.hostile())) {
            assertThat(listed).containsExactlyInAnyOrderElementsOf(files.map(p -> p.getFileName().toString())
                    .filter(n -> !n.equals("MANIFEST.tsv")).toList());
        }
        assertThat(manifest().map(a -> (String) a.get()[1]).distinct().toList()).containsExactlyInAnyOrder(
                "DISALLOWED_OPERATOR", "DISALLOWED_CODE", "DISALLOWED_GLOBAL", "MALFORMED_PICKLE",
                "MALFORMED_ARCHIVE", "RESOURCE_LIMIT", "TENSOR_INCONSISTENT");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("manifest")
    void hostileFixturesAreRejectedWithTheExpectedCode(String file, String expectedCode, String what) {
        VerificationResult result = LOADER.verify(TorchScriptArchives.hostile().resolve(file));

        assertThat(result.isVerified()).as(what).isFalse();
        assertThat(result.report().format()).isEqualTo(ModelFormat.TORCHSCRIPT_ZIP);
        assertThat(result.rejections().get(0).code().value()).as(what).isEqualTo(expectedCode);
        for (Rejection r : result.rejections()) {
            assertThat(r.message()).hasSizeLessThanOrEqualTo(Rejection.MAX_MESSAGE_LENGTH);
            assertThat(r.message().chars()).allMatch(c -> c >= 0x20 && c < 0x7f);
            r.location().entryName().ifPresent(e -> assertThat(e).hasSizeLessThanOrEqualTo(SafeText.MAX_LENGTH));
        }
    }

    @Test
    void theMobileFormatIsStillUnsupported() {
        VerificationResult lite = LOADER.verify(Fixtures.hostile().resolve("format_torchscript_lite.pt"));

        assertThat(lite.report().format()).isEqualTo(ModelFormat.TORCH_MOBILE_ZIP);
        assertThat(lite.rejections().get(0).code().value()).isEqualTo("UNSUPPORTED_FORMAT");
    }

    // ---- configuration --------------------------------------------------------------------------------

    @Test
    void anAllowedCustomOperatorVerifiesAndIsListed() {
        Path custom = TorchScriptArchives.hostile().resolve("op_custom_namespace.pt");
        SafeModelLoader loader = SafeModelLoader.builder().allowTorchScriptOp("evil::run").build();

        ModelMetadata metadata = loader.verify(custom).orThrow();

        assertThat(metadata.operators()).contains("evil::run", "aten::linear");
        assertThat(LOADER.verify(custom).isVerified()).isFalse();
    }

    @Test
    void fileOperatorsAndMalformedNamesCannotBeAllowed() {
        for (String op : List.of("aten::save", "aten::from_file")) {
            assertThatThrownBy(() -> SafeModelLoader.builder().allowTorchScriptOp(op).build())
                    .as(op).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("file");
        }
        for (String op : List.of("evil", "evil::*", "evil::run.out", "::run", "evil::run()")) {
            assertThatThrownBy(() -> SafeModelLoader.builder().allowTorchScriptOp(op).build())
                    .as(op).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void maxCodeBytesIsCheckedBeforeInflating() {
        SafeModelLoader tight = SafeModelLoader.builder()
                .limits(VerificationLimits.builder().maxCodeBytes(1000).build()).build();

        VerificationResult result = tight.verify(LINEAR);

        assertThat(result.rejections().get(0).code().value()).isEqualTo("RESOURCE_LIMIT");
        assertThat(result.rejections().get(0).limitBreach().orElseThrow().limitName()).isEqualTo("maxCodeBytes");
        assertThat(VerificationLimits.defaults().asMap()).containsEntry("maxCodeBytes", 64L << 20);
    }

    // ---- the pickle profile, on data.pkl edited into a real archive -------------------------------------

    private static final String MODULE = "__torch__.safeload_ts_models";

    /** data.pkl: a TinyLinear object whose state is {"x": <value>}. */
    private static VerificationResult withAttribute(SafeModelLoader loader, java.util.function.Consumer<Pickle> value) {
        Pickle p = Pickle.proto2().global(MODULE, "TinyLinear").put().emptyTuple().raw(0x81)
                .emptyDict().mark().str("x");
        value.accept(p);
        byte[] pickle = p.setitems().build().stop().bytes();
        return loader.verify(TorchScriptArchives.zip(TorchScriptArchives.replace(TorchScriptArchives.records(LINEAR),
                "/data.pkl", pickle)), "edited.pt");
    }

    private static String attribute(java.util.function.Consumer<Pickle> value) {
        return verdict(withAttribute(LOADER, value));
    }

    @Test
    void thePickleProfileAcceptsWhatTorchJitSaveWrites() {
        assertThat(attribute(p -> p.global("torch.jit._pickle", "build_intlist").mark().emptyList().mark()
                .integer(1).integer(2).raw('e').tuple().reduce())).isEqualTo("VERIFIED");
        assertThat(attribute(p -> p.global("torch.jit._pickle", "build_tensorlist").mark().emptyList()
                .floatTensor("1", 3).append().tuple().reduce())).isEqualTo("VERIFIED");
        assertThat(attribute(p -> p.global("torch.jit._pickle", "restore_type_tag").mark().emptyDict()
                .str("Dict[str, List[int]]").tuple().reduce())).isEqualTo("VERIFIED");
        // a storage memoized after its persistent id and shared by a second view, as the C++ pickler writes it
        assertThat(attribute(p -> p.mark()
                .global("torch._utils", "_rebuild_tensor_v2").mark()
                .mark().str("storage").global("torch", "FloatStorage").str("1").str("cpu").integer(3).tuple().persid()
                .put().integer(0).mark().integer(3).tuple().mark().integer(1).tuple().newTrue()
                .global("collections", "OrderedDict").emptyTuple().reduce().tuple().reduce()
                .global("torch._utils", "_rebuild_tensor_v2").mark()
                .get(1).integer(1).mark().integer(2).tuple().mark().integer(1).tuple().newTrue()
                .global("collections", "OrderedDict").emptyTuple().reduce().tuple().reduce()
                .tuple())).isEqualTo("VERIFIED");
        // and a tensor memoized and referenced twice (a tied weight)
        assertThat(attribute(p -> p.mark().floatTensor("1", 3).put().get(1).tuple())).isEqualTo("VERIFIED");
    }

    @Test
    void thePickleProfileRefusesOtherShapes() {
        assertThat(attribute(p -> p.global("torch.jit._pickle", "build_intlist").mark().emptyList().mark()
                .str("1").raw('e').tuple().reduce())).as("typed list").isEqualTo("MALFORMED_PICKLE");
        assertThat(attribute(p -> p.global("torch.jit._pickle", "restore_type_tag").mark().emptyDict()
                .str("Dict[str, int]; import os").tuple().reduce())).as("type tag").isEqualTo("MALFORMED_PICKLE");
        assertThat(attribute(p -> p.global(MODULE, "TinyLinear").mark().integer(1).tuple().raw(0x81)
                .emptyDict().build())).as("NEWOBJ arguments").isEqualTo("MALFORMED_PICKLE");
        assertThat(attribute(p -> p.global(MODULE, "TinyLinear").emptyTuple().reduce()))
                .as("REDUCE on a class").isEqualTo("DISALLOWED_OPCODE");
        assertThat(attribute(p -> p.global(MODULE, "TinyLinear").emptyTuple().raw(0x81).emptyList().build()))
                .as("list state without __setstate__").isEqualTo("MALFORMED_PICKLE");
        assertThat(attribute(p -> p.global(MODULE, "TinyLinear").emptyTuple().raw(0x81).put().emptyDict().build()))
                .as("memoized before BUILD").isEqualTo("MALFORMED_PICKLE");
        assertThat(attribute(p -> p.global(MODULE, "TinyLinear").emptyTuple().raw(0x81)))
                .as("never built").isEqualTo("MALFORMED_PICKLE");
        assertThat(attribute(p -> p.global(MODULE + ".sub", "TinyLinear").emptyTuple().raw(0x81).emptyDict().build()))
                .as("undefined module").isEqualTo("DISALLOWED_GLOBAL");
        assertThat(attribute(p -> p.global("__torch__.torch.classes.quantized", "LinearPackedParamsBase")))
                .as("C++ class").isEqualTo("DISALLOWED_GLOBAL");

        SafeModelLoader numpy = SafeModelLoader.builder().allowGlobal("numpy.core.multiarray", "_reconstruct").build();
        assertThat(verdict(withAttribute(numpy, p -> p.global("numpy.core.multiarray", "_reconstruct")
                .emptyTuple().reduce()))).as("user globals do not apply").isEqualTo("DISALLOWED_GLOBAL");
    }

    @Test
    void dataPklMustHoldAScriptedModule() {
        byte[] pickle = Pickle.proto2().emptyDict().stop().bytes();
        VerificationResult result = LOADER.verify(TorchScriptArchives.zip(TorchScriptArchives.replace(
                TorchScriptArchives.records(LINEAR), "/data.pkl", pickle)), "edited.pt");

        assertThat(verdict(result)).isEqualTo("MALFORMED_PICKLE");
    }

    // ---- the code scan, on code edited into a real archive ---------------------------------------------

    private static VerificationResult withForward(String returnLine, String more) {
        String code = LINEAR_CLASS + "    " + returnLine + "\n" + more;
        return LOADER.verify(TorchScriptArchives.withCode(LINEAR, MODULE_FILE, code), "edited.pt");
    }

    private static String verdict(VerificationResult result) {
        return result.isVerified() ? "VERIFIED" : result.rejections().get(0).code().value();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            return torch.relu((fc).forward(x, ))                          | VERIFIED
            return torch.save(x, "f")                                     | DISALLOWED_OPERATOR
            return torch . save (x, "f")                                  | DISALLOWED_OPERATOR
            return (torch\\n      .save(x, "f"))                          | DISALLOWED_OPERATOR
            return torch.\\\\n      save(x, "f")                          | DISALLOWED_OPERATOR
            return torch.autograd.save(x, "f")                            | DISALLOWED_OPERATOR
            return ops.aten.from_file("f")                                | DISALLOWED_OPERATOR
            return ops.quantized.autograd.from_file("f")                  | DISALLOWED_OPERATOR
            return ops.prim.rpc_sync("w", x)                              | DISALLOWED_OPERATOR
            return ops.rpc.thing(x)                                       | DISALLOWED_OPERATOR
            return ops.dist_autograd.backward(x)                          | DISALLOWED_OPERATOR
            return ops.prims.add(x, x)                                    | DISALLOWED_OPERATOR
            return ops.quantized.relu6(x)                                 | VERIFIED
            return torch.jit.annotate(x)                                  | DISALLOWED_OPERATOR
            return ops.evil                                               | DISALLOWED_OPERATOR
            return ops                                                    | DISALLOWED_OPERATOR
            return __torch__                                              | DISALLOWED_OPERATOR
            return __torch__.torch.classes.evil                           | DISALLOWED_OPERATOR
            return torch.relu(x)  # torch.save(x, "f")                    | VERIFIED
            return "torch.save(x, 'f')"                                   | VERIFIED
            return '''torch.save(x, "f")'''                               | VERIFIED
            return "a\\" torch.save(x) \\""                               | VERIFIED
            return "a\\\\" + torch.save(x, "f")                           | DISALLOWED_OPERATOR
            return "unterminated torch.save(x, 'f')                       | DISALLOWED_OPERATOR
            return x  # type: torch.save                                  | DISALLOWED_OPERATOR
            return 0x1p1torch.save(x, "f")                                | DISALLOWED_OPERATOR
            return x is notops.evil.run(x)                                | DISALLOWED_OPERATOR
            return x is  notops.evil.run(x)                               | VERIFIED
            return x.save("f")                                            | DISALLOWED_OPERATOR
            return getattr(self, "fc")                                    | VERIFIED
            return getattr(self, "save")                                  | DISALLOWED_OPERATOR
            return getattr(self, "sa" "ve")                               | DISALLOWED_OPERATOR
            return getattr(self, "s\\x61ve")                              | DISALLOWED_OPERATOR
            return getattr(self, name)                                    | DISALLOWED_OPERATOR
            return getattr(torch, "relu")(x)                              | DISALLOWED_OPERATOR
            return hasattr                                                | DISALLOWED_OPERATOR
            return "caf\\u00e9"                                           | VERIFIED
            return x\\u00a0                                               | DISALLOWED_CODE
            """)
    void theScanResolvesOperatorNamesAsTorchScriptDoes(String returnLine, String expected) {
        String line = returnLine.replace("\\n", "\n").replace("\\u00e9", "\u00e9").replace("\\u00a0", "\u00a0");
        assertThat(verdict(withForward(line, ""))).as(line).isEqualTo(expected);
    }

    @Test
    void theInventoryListsWhatTheCodeNames() {
        String more = """
                class Helper:
                  def run(self: __torch__.safeload_ts_models.Helper, x: Tensor) -> Tensor:
                    print(int(x), float(x))
                    y = torch.autograd.grad([x], [x])
                    z = ops.quantized.add(x, x, 1.0, 0)
                    w : __torch__.torch.classes.quantized.LinearPackedParamsBase = uninitialized(Any)
                    return (self).helper(x.sigmoid(), ops.prim.NumToTensor(1))
                  def helper(self: __torch__.safeload_ts_models.Helper, x: Tensor, y: Tensor) -> Tensor:
                    return x
                """;
        ModelMetadata metadata = withForward("return torch.relu((fc).forward(x, ))", more).orThrow();

        assertThat(metadata.operators()).containsExactly("aten::Float", "aten::Int", "aten::grad", "aten::linear",
                "aten::relu", "aten::sigmoid", "prim::NumToTensor", "prim::Print", "quantized::LinearPackedParamsBase",
                "quantized::add");
    }

    @Test
    void customClassesOutsideTheCoreNamespacesAreRefused() {
        String more = """
                class Helper:
                  pg : __torch__.torch.classes.dist_c10d.ProcessGroup
                """;
        assertThat(verdict(withForward("return x", more))).isEqualTo("DISALLOWED_OPERATOR");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            self.a = (state)[0]                  | VERIFIED
            self.a = state[-1]                   | VERIFIED
            b, c, = state                        | VERIFIED
            self.a = state[1:]                   | VERIFIED
            self.a = state.field                 | VERIFIED
            self.a = [state[0], {"k": state[1]}] | VERIFIED
            pass                                 | VERIFIED
            return None                          | VERIFIED
            self.a = torch.relu(state[0])        | DISALLOWED_CODE
            self.a = state[0] + 1                | DISALLOWED_CODE
            self.a.b = state[0]                  | DISALLOWED_CODE
            self.a = b = state                   | DISALLOWED_CODE
            self.a += state[0]                   | DISALLOWED_CODE
            return state                         | DISALLOWED_CODE
            if state[0]:                         | DISALLOWED_CODE
            print(state)                         | DISALLOWED_CODE
            (self).restore(state)                | DISALLOWED_CODE
            self.a = [s for s in state]          | DISALLOWED_CODE
            self.a = state[0] if state else None | DISALLOWED_CODE
            torch.save(state, "f")               | DISALLOWED_OPERATOR
            """)
    void setstateMayOnlyRestoreState(String statement, String expected) {
        String more = """
                class Restorer:
                  a : int
                  def __setstate__(self: __torch__.safeload_ts_models.Restorer,
                    state: Tuple[int, int]) -> NoneType:
                    %s
                    return None
                """.formatted(statement);
        assertThat(verdict(withForward("return x", more))).as(statement).isEqualTo(expected);
    }

    @Test
    void lineContinuationsAndBracketsJoinLinesAsTorchsLexerDoes() {
        String more = """
                class Restorer:
                  def __setstate__(self: __torch__.safeload_ts_models.Restorer, state: List[int]) -> NoneType:
                    self.a = \\
                      state[0]
                    self.b = (state[1],
                      state[2])
                """;
        assertThat(verdict(withForward("return x", more))).isEqualTo("VERIFIED");
    }

    @Test
    void storedCodeRecordsAreAcceptedToo() {
        List<TorchScriptArchives.Record> stored = TorchScriptArchives.records(LINEAR).stream()
                .map(r -> new TorchScriptArchives.Record(r.name(), r.data(), 0)).toList();

        assertThat(LOADER.verify(TorchScriptArchives.zip(stored), "stored.pt").orThrow().operators())
                .containsExactly("aten::linear", "aten::relu");
    }

    @Test
    void aSetstateBodyEndsAtItsDedent() {
        String more = """
                class Restorer:
                  def __setstate__(self: __torch__.safeload_ts_models.Restorer, state: int) -> NoneType:
                    self.a = state
                  def other(self: __torch__.safeload_ts_models.Restorer) -> int:
                    print(1)
                    return 1
                def top(x: int) -> int:
                  return torch.add(x, 1)
                """;
        VerificationResult result = withForward("return x", more);

        assertThat(verdict(result)).isEqualTo("VERIFIED");
        assertThat(result.orThrow().operators()).contains("prim::Print", "aten::add");
    }
}
