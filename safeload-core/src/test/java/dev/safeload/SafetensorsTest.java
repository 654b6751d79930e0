package dev.safeload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.safeload.api.ModelFormat;
import dev.safeload.api.ModelMetadata;
import dev.safeload.api.Rejection;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.SafeText;
import dev.safeload.api.TensorEntry;
import dev.safeload.api.VerificationLimits;
import dev.safeload.api.VerificationResult;
import dev.safeload.api.tree.DType;
import dev.safeload.api.tree.DictNode;
import dev.safeload.api.tree.StrNode;
import dev.safeload.api.tree.TensorNode;
import dev.safeload.internal.Reject;
import dev.safeload.internal.io.ByteSource;
import dev.safeload.internal.safetensors.SafetensorsParser;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * safetensors: every benign fixture (fixtures/generate_safetensors.py) verifies with the tensors and
 * {@code __metadata__} recorded in fixtures/safetensors/benign/EXPECTED.json; every hostile fixture is
 * rejected with the code its MANIFEST.tsv names; limits, edge cases of the format and the tree's shape are
 * checked one by one; and byte-level mutations of the benign files always end in a verdict.
 */
class SafetensorsTest {

    private static final SafeModelLoader LOADER = SafeModelLoader.withDefaults();
    private static final Path BENIGN = Fixtures.repoRoot().resolve("fixtures/safetensors/benign");
    private static final Path HOSTILE = Fixtures.repoRoot().resolve("fixtures/safetensors/hostile");
    private static final JsonNode EXPECTED = new ObjectMapper().readTree(BENIGN.resolve("EXPECTED.json").toFile());

    static List<Path> benignFiles() {
        try (Stream<Path> files = Files.list(BENIGN)) {
            return files.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Stream<Arguments> manifest() throws IOException {
        return Files.readAllLines(HOSTILE.resolve("MANIFEST.tsv")).stream().skip(1).filter(l -> !l.isBlank())
                .map(line -> {
                    String[] fields = line.split("\t", 3);
                    return Arguments.of(fields[0], fields[1], fields[2]);
                });
    }

    // ------------------------------------------------------------------------------------------ benign

    @Test
    void everyBenignFileHasAnExpectation() {
        List<String> names = benignFiles().stream().map(p -> p.getFileName().toString()).toList();
        assertThat(names).hasSizeGreaterThanOrEqualTo(8);
        List<String> expected = new ArrayList<>();
        EXPECTED.get("files").propertyNames().forEach(expected::add);
        assertThat(names).containsExactlyInAnyOrderElementsOf(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("benignFiles")
    void benignFileVerifiesWithItsExpectedTensorsAndMetadata(Path file) {
        VerificationResult result = LOADER.verify(file);

        assertThat(result.rejections()).as(file.toString()).isEmpty();
        ModelMetadata metadata = result.orThrow();
        assertThat(metadata.format()).isEqualTo(ModelFormat.SAFETENSORS);
        JsonNode expected = EXPECTED.get("files").get(file.getFileName().toString());
        List<String> actualTensors = metadata.tensors().stream().map(SafetensorsTest::describe).toList();
        List<String> expectedTensors = new ArrayList<>();
        for (JsonNode t : expected.get("tensors")) {
            List<Long> shape = new ArrayList<>();
            t.get("shape").forEach(d -> shape.add(d.asLong()));
            JsonNode offsets = t.get("data_offsets");
            expectedTensors.add(t.get("name").asString() + " " + t.get("dtype").asString() + " " + shape + " "
                    + (offsets.get(1).asLong() - offsets.get(0).asLong()) + " bytes");
        }
        assertThat(actualTensors).containsExactlyElementsOf(expectedTensors);

        DictNode root = (DictNode) metadata.root();
        assertThat(root.kind()).isEqualTo(DictNode.Kind.DICT);
        JsonNode expectedMetadata = expected.get("metadata");
        if (expectedMetadata.isNull()) {
            assertThat(root.attributes()).isEmpty();
        } else {
            Map<String, String> expectedMap = new LinkedHashMap<>();
            expectedMetadata.properties().forEach(e -> expectedMap.put(e.getKey(), e.getValue().asString()));
            assertThat(asStrings(root.attributes().orElseThrow())).isEqualTo(expectedMap);
        }
        assertThat(result.report().verifiersRun()).contains("format-detection", "safetensors-header",
                "tensor-consistency");
    }

    private static String describe(TensorEntry entry) {
        TensorNode t = entry.tensor();
        String name = ((StrNode) entry.path().get(0)).value();
        return name + " " + t.dtype().torchName() + " " + Arrays.stream(t.shape()).boxed().toList() + " "
                + t.byteLength() + " bytes";
    }

    private static Map<String, String> asStrings(DictNode dict) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < dict.size(); i++) {
            out.put(((StrNode) dict.keys().get(i)).value(), ((StrNode) dict.values().get(i)).value());
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("benignFiles")
    void verifiesFromPathMemoryAndStreamAlike(Path file) {
        byte[] bytes = Fixtures.read(file);

        ModelMetadata fromPath = LOADER.verify(file).orThrow();
        ModelMetadata fromBytes = LOADER.verify(bytes, file.toString()).orThrow();
        ModelMetadata fromStream = LOADER.verify(new ByteArrayInputStream(bytes), file.toString()).orThrow();

        assertThat(fromBytes.root()).isEqualTo(fromPath.root());
        assertThat(fromStream.root()).isEqualTo(fromPath.root());
    }

    @Test
    void tensorsAreContiguousViewsOfTheirOwnRecord() {
        ModelMetadata metadata = LOADER.verify(BENIGN.resolve("scalars_and_empty.safetensors")).orThrow();
        Map<String, TensorNode> byName = new LinkedHashMap<>();
        metadata.tensors().forEach(e -> byName.put(((StrNode) e.path().get(0)).value(), e.tensor()));

        TensorNode empty = byName.get("empty_2x0x3");
        assertThat(empty.dtype()).isEqualTo(DType.FLOAT16);
        assertThat(empty.shape()).containsExactly(2, 0, 3);
        assertThat(empty.stride()).containsExactly(3, 3, 1);   // torch's strides for an empty tensor
        assertThat(empty.storage().elementCount()).isZero();
        assertThat(empty.byteLength()).isZero();
        TensorNode scalar = byName.get("scalar_f32");
        assertThat(scalar.rank()).isZero();
        assertThat(scalar.storage().elementCount()).isEqualTo(1);
        assertThat(scalar.storage().key()).isEqualTo("scalar_f32");
        assertThat(scalar.storage().recordName()).isEqualTo("data/scalar_f32");
        for (TensorNode t : byName.values()) {
            assertThat(t.storageOffset()).isZero();
            assertThat(t.requiresGrad()).isFalse();
            assertThat(t.isParameter()).isFalse();
        }
        ModelMetadata cnn = LOADER.verify(BENIGN.resolve("tiny_cnn_state_dict.safetensors")).orThrow();
        TensorNode conv = cnn.tensors().stream().filter(e -> e.pathString().equals("conv2.weight")).findFirst()
                .orElseThrow().tensor();
        assertThat(conv.shape()).containsExactly(8, 4, 3, 3);
        assertThat(conv.stride()).containsExactly(36, 9, 3, 1);
        assertThat(cnn.summary().storages()).isEqualTo(cnn.summary().tensors());
    }

    @Test
    void metadataBecomesTheDictsAttributes() {
        DictNode withMetadata = (DictNode) LOADER.verify(BENIGN.resolve("mlp_bf16_state_dict.safetensors")).orThrow()
                .root();
        DictNode without = (DictNode) LOADER.verify(BENIGN.resolve("no_tensors.safetensors")).orThrow().root();
        DictNode onlyMetadata = (DictNode) LOADER.verify(BENIGN.resolve("metadata_only.safetensors")).orThrow()
                .root();

        assertThat(withMetadata.attributes().orElseThrow().get("unicode")).contains(new StrNode("caf\u00e9 \u2713 \uD83D\uDE00"));
        assertThat(withMetadata.attributes().orElseThrow().get("note")).contains(new StrNode(""));
        assertThat(without.size()).isZero();
        assertThat(without.attributes()).isEmpty();
        assertThat(onlyMetadata.size()).isZero();
        assertThat(asStrings(onlyMetadata.attributes().orElseThrow())).containsExactly(Map.entry("format", "pt"),
                Map.entry("empty", ""));
    }

    // ------------------------------------------------------------------------------------------ hostile

    @Test
    void manifestCoversEveryHostileFile() throws IOException {
        List<String> listed = manifest().map(a -> (String) a.get()[0]).toList();
        try (Stream<Path> files = Files.list(HOSTILE)) {
            assertThat(listed).containsExactlyInAnyOrderElementsOf(
                    files.map(p -> p.getFileName().toString()).filter(n -> !n.equals("MANIFEST.tsv")).toList());
        }
        assertThat(manifest().map(a -> (String) a.get()[1]).distinct())
                .containsExactlyInAnyOrder("MALFORMED_ARCHIVE", "TENSOR_INCONSISTENT", "RESOURCE_LIMIT");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("manifest")
    void hostileFileIsRejectedWithItsCode(String file, String expectedCode, String technique) {
        VerificationResult result = LOADER.verify(HOSTILE.resolve(file));

        assertThat(result.isVerified()).as(technique).isFalse();
        assertThat(result.report().format()).as(technique).isEqualTo(ModelFormat.SAFETENSORS);
        Rejection first = result.rejections().get(0);
        assertThat(first.code().value()).as(technique + ": " + first).isEqualTo(expectedCode);
        assertThat(first.limitBreach().isPresent()).isEqualTo(first.code().equals(RejectionCode.RESOURCE_LIMIT));
        assertThat(first.message()).hasSizeLessThanOrEqualTo(Rejection.MAX_MESSAGE_LENGTH);
        assertThat(first.message().chars()).allMatch(c -> c >= 0x20 && c < 0x7f);
        assertThat(LOADER.verify(Fixtures.read(HOSTILE.resolve(file)), file).rejections()).isEqualTo(result.rejections());
    }

    @Test
    void hostileRejectionsSayWhere() {
        Rejection gap = LOADER.verify(HOSTILE.resolve("offsets_gap.safetensors")).rejections().get(0);
        Rejection utf8 = LOADER.verify(HOSTILE.resolve("utf8_invalid_byte.safetensors")).rejections().get(0);
        Rejection duplicate = LOADER.verify(HOSTILE.resolve("duplicate_tensor_key.safetensors")).rejections().get(0);

        assertThat(gap.message()).contains("'weight'").contains("gap of 8 bytes");
        assertThat(gap.location().offset()).isPresent();
        assertThat(utf8.message()).contains("not valid UTF-8");
        assertThat(utf8.location().offset()).contains(8L + "{\"__metadata__\":{\"format\":\"pt\"},\"bi".length());
        assertThat(duplicate.message()).contains("Duplicate").contains("weight");
        assertThat(duplicate.location().offset()).isPresent();
        assertThat(LOADER.verify(HOSTILE.resolve("json_deeply_nested.safetensors")).rejections().get(0).location()
                .offset()).isPresent();
        assertThat(LOADER.verify(HOSTILE.resolve("escape_unpaired_surrogate_value.safetensors")).rejections().get(0)
                .message()).contains("unpaired surrogate");
    }

    // ------------------------------------------------------------------------------------------ limits

    @Test
    void tooManyTensorsTripsMaxTensors() {
        VerificationResult result = loader(VerificationLimits.builder().maxTensors(5).build())
                .verify(BENIGN.resolve("tiny_cnn_state_dict.safetensors"));

        Rejection.LimitBreach breach = result.rejections().get(0).limitBreach().orElseThrow();
        assertThat(breach).isEqualTo(new Rejection.LimitBreach("maxTensors", 6, 5));
    }

    @Test
    void headerOverMaxHeaderBytesIsRejectedBeforeItIsRead() {
        byte[] file = Fixtures.read(BENIGN.resolve("dtypes.safetensors"));
        long headerBytes = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        // Garble the JSON: the limit must fire before the header is looked at.
        Arrays.fill(file, 8, 8 + (int) headerBytes, (byte) 0xff);
        file[8] = '{';

        VerificationResult result = loader(VerificationLimits.builder().maxHeaderBytes(headerBytes - 1).build())
                .verify(file, "big-header.safetensors");

        assertThat(result.rejections().get(0).limitBreach()).contains(
                new Rejection.LimitBreach("maxHeaderBytes", headerBytes, headerBytes - 1));
        assertThat(LOADER.verify(file, "garbled.safetensors").rejections().get(0).code())
                .isEqualTo(RejectionCode.MALFORMED_ARCHIVE);
    }

    @Test
    void rankStringAndNestingLimitsApplyToTheHeader() {
        Path scalars = BENIGN.resolve("scalars_and_empty.safetensors");
        Path mlp = BENIGN.resolve("mlp_bf16_state_dict.safetensors");

        assertThat(firstBreach(VerificationLimits.builder().maxTensorRank(2).build(), scalars))
                .isEqualTo(new Rejection.LimitBreach("maxTensorRank", 3, 2));
        assertThat(firstBreach(VerificationLimits.builder().maxStringBytes(8).build(), mlp).limitName())
                .isEqualTo("maxStringBytes");
        assertThat(firstBreach(VerificationLimits.builder().maxNestingDepth(2).build(), mlp))
                .isEqualTo(new Rejection.LimitBreach("maxNestingDepth", 3, 2));
        assertThat(LOADER.verify(HOSTILE.resolve("json_deeply_nested.safetensors")).rejections().get(0).limitBreach())
                .contains(new Rejection.LimitBreach("maxNestingDepth", 4, 3));
    }

    @Test
    void theDataAreaCountsAgainstMaxTotalDeclaredBytes() {
        assertThat(firstBreach(VerificationLimits.builder().maxTotalDeclaredBytes(100).build(),
                BENIGN.resolve("dtypes.safetensors")).limitName()).isEqualTo("maxTotalDeclaredBytes");
    }

    private static Rejection.LimitBreach firstBreach(VerificationLimits limits, Path file) {
        VerificationResult result = loader(limits).verify(file);
        assertThat(result.rejections()).isNotEmpty();
        return result.rejections().get(0).limitBreach().orElseThrow(() -> new AssertionError(result.rejections()));
    }

    private static SafeModelLoader loader(VerificationLimits limits) {
        return SafeModelLoader.builder().limits(limits).build();
    }

    // ------------------------------------------------------------------------------------------ the format's edges

    @Test
    void parserChecksTheLengthBeforeAnythingElse() {
        assertThat(parseRejection(new byte[] {5, 0, 0})).isEqualTo(RejectionCode.MALFORMED_ARCHIVE);
        byte[] unsignedHuge = {-1, -1, -1, -1, -1, -1, -1, -1, '{', '}'};
        Reject huge = parse(unsignedHuge);
        assertThat(huge.rejection().limitBreach().orElseThrow().actual()).isEqualTo(Long.MAX_VALUE);
        // Not a safetensors file to the detector (the length's upper bytes are not zero).
        assertThat(LOADER.verify(unsignedHuge, "x").rejections().get(0).code())
                .isEqualTo(RejectionCode.UNSUPPORTED_FORMAT);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "f4908080",   // past U+10FFFF
        "f8888080",   // 5-byte form
        "80",         // lone continuation byte
        "e282",       // truncated sequence
        "c1bf",       // overlong 2-byte form
        "e080af",     // overlong 3-byte form
        "eda080",     // surrogate D800
    })
    void headerMustBeStrictUtf8(String hex) {
        byte[] bad = HexFormat.of().parseHex(hex);
        String header = "{\"__metadata__\":{\"k\":\"@\"}}";
        byte[] file = concat(safetensors(header, new byte[0]), new byte[0]);
        int at = indexOf(file, (byte) '@');
        byte[] tampered = concat(Arrays.copyOf(file, at), bad, Arrays.copyOfRange(file, at + 1, file.length));
        ByteBuffer.wrap(tampered).order(ByteOrder.LITTLE_ENDIAN).putLong(0, tampered.length - 8);

        VerificationResult result = LOADER.verify(tampered, "utf8.safetensors");

        assertThat(result.rejections().get(0).code()).isEqualTo(RejectionCode.MALFORMED_ARCHIVE);
        assertThat(result.rejections().get(0).message()).contains("not valid UTF-8");
    }

    @Test
    void utf8SequencesMaySpanTheCheckersChunks() {
        String prefix = "{\"__metadata__\":{\"k\":\"";
        for (int split = 0; split < 5; split++) {
            // The emoji's 4 bytes start at header byte 65533 + split: every way of cutting it at 65536 (64 KiB).
            String padding = "x".repeat(65_533 + split - prefix.length());
            String header = prefix + padding + "\uD83D\uDE00\"}}";
            assertThat(LOADER.verify(safetensors(header, new byte[0]), "emoji").rejections()).as("split " + split)
                    .isEmpty();

            byte[] broken = safetensors(prefix + padding + "\u00e9\"}}", new byte[0]);
            int at = 8 + prefix.length() + padding.length();   // the two bytes of the e-acute
            broken[at] = (byte) 0xf0;                          // now a 4-byte lead with one continuation byte
            Rejection rejection = LOADER.verify(broken, "cut").rejections().get(0);
            assertThat(rejection.message()).as("split " + split).contains("at byte " + (at - 8) + " of the header");
        }
    }

    @Test
    void headerThatJacksonWouldReadAsUtf16IsRejected() {
        byte[] utf16 = "{\"a\":{}}".getBytes(StandardCharsets.UTF_16LE);
        byte[] header = Arrays.copyOf(utf16, utf16.length - 1);   // ends with the byte '}'
        byte[] file = concat(le64(header.length), header);

        Rejection rejection = LOADER.verify(file, "utf16.safetensors").rejections().get(0);

        assertThat(rejection.code()).isEqualTo(RejectionCode.MALFORMED_ARCHIVE);
        assertThat(rejection.message()).contains("code 0");
    }

    @Test
    void emptyTensorsMaySitOnAnyBoundaryButNotInsideAnotherTensor() {
        String boundaries = "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},"
                + "\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},"
                + "\"c\":{\"dtype\":\"I64\",\"shape\":[2,0],\"data_offsets\":[4,4]}}";
        String inside = "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[2,2]}}";

        assertThat(LOADER.verify(safetensors(boundaries, new byte[4]), "ok").rejections()).isEmpty();
        assertThat(LOADER.verify(safetensors(inside, new byte[4]), "inside").rejections().get(0).code())
                .isEqualTo(RejectionCode.TENSOR_INCONSISTENT);
    }

    @Test
    void anEmptyTensorMayHaveAHugeDimensionAsInTheSafetensorsLibrary() {
        String header = "{\"e\":{\"dtype\":\"F32\",\"shape\":[0,4611686018427387904],\"data_offsets\":[0,0]}}";

        TensorNode e = LOADER.verify(safetensors(header, new byte[0]), "e").orThrow().tensors().get(0).tensor();

        assertThat(e.stride()).containsExactly(4611686018427387904L, 1);
        assertThat(e.elementCount()).isZero();
    }

    @Test
    void paddingMayBeAnyNumberOfSpacesButNothingElse() {
        String header = "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}";

        assertThat(LOADER.verify(safetensors(header + " ".repeat(1000), new byte[1]), "p").rejections()).isEmpty();
        assertThat(LOADER.verify(safetensors(header + "\t", new byte[1]), "t").rejections().get(0).code())
                .isEqualTo(RejectionCode.MALFORMED_ARCHIVE);
        assertThat(LOADER.verify(safetensors(" " + header, new byte[1]), "lead").isVerified()).isFalse();
        // Whitespace between tokens is JSON, not padding: accepted as serde_json accepts it.
        assertThat(LOADER.verify(safetensors(header.replace(",", " ,\n\t"), new byte[1]), "ws").rejections())
                .isEmpty();
    }

    @Test
    void aTensorNamedLikeARecordIsOnlyAName() {
        String header = "{\"../../etc/passwd\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                + "\"\\u0000\\n\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}";

        VerificationResult result = LOADER.verify(safetensors(header, new byte[2]), "names");

        assertThat(result.orThrow().tensors()).extracting(TensorEntry::pathString)
                .containsExactly("../../etc/passwd", SafeText.escape("\u0000\n"));
    }

    private static Reject parse(byte[] file) {
        try {
            new SafetensorsParser(ByteSource.ofBytes(file), VerificationLimits.defaults()).parse();
        } catch (Reject reject) {
            return reject;
        }
        throw new AssertionError("parsed");
    }

    private static RejectionCode parseRejection(byte[] file) {
        return parse(file).rejection().code();
    }

    /** A safetensors file with this header text, padded with spaces to a multiple of 8. */
    static byte[] safetensors(String header, byte[] data) {
        byte[] text = header.getBytes(StandardCharsets.UTF_8);
        byte[] padded = Arrays.copyOf(text, text.length + (8 - text.length % 8) % 8);
        Arrays.fill(padded, text.length, padded.length, (byte) ' ');
        return concat(le64(padded.length), padded, data);
    }

    private static byte[] le64(long value) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }

    // ------------------------------------------------------------------------------------------ conformance

    /**
     * With torch installed, the generator's --check reads every committed benign file back with an independent
     * reader (json, then torch.frombuffer / numpy.frombuffer over each data_offsets range, reshaped to the
     * shape), compares it with EXPECTED.json, and regenerates every fixture byte for byte.
     */
    @Test
    void committedFixturesReadBackWithTorchAndRegenerate() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        boolean torch = Files.isExecutable(python) && run(List.of(python.toString(), "-c", "import torch")) == 0;
        assumeThat(torch).as("real torch (/usr/bin/python3 with python3-torch) is not installed").isTrue();

        assertThat(run(List.of(python.toString(), Fixtures.repoRoot().resolve("fixtures/generate_safetensors.py")
                .toString(), "--check"))).isZero();
    }

    private static int run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getInputStream().transferTo(System.out);
        return process.waitFor(5, TimeUnit.MINUTES) ? process.exitValue() : -1;
    }

    // ------------------------------------------------------------------------------------------ mutations

    private static final List<byte[]> SEEDS = benignFiles().stream().map(Fixtures::read).toList();
    private static final SafeModelLoader SMALL_LIMITS = loader(VerificationLimits.builder().maxTensors(10_000)
            .maxStringBytes(1 << 16).maxHeaderBytes(1 << 20).build());

    /**
     * Byte-level mutations of the benign files, most of them inside the 8-byte length and the JSON header,
     * always end in a verdict; whatever still verifies is consistent.
     */
    @Property(tries = 3000, seed = "20261126")
    void mutatedSafetensorsReachAVerdict(@ForAll("mutations") byte[] mutated) {
        VerificationResult result = SMALL_LIMITS.verify(mutated, "mutated.safetensors");

        assertThat(result).isNotNull();
        Statistics.collect(result.report().format(), result.isVerified() ? "VERIFIED" : result.rejections().get(0).code());
        if (!result.isVerified()) {
            assertThat(result.rejections()).isNotEmpty();
            result.rejections().forEach(r -> assertThat(r.message().chars()).allMatch(c -> c >= 0x20 && c < 0x7f));
            return;
        }
        if (result.report().format() != ModelFormat.SAFETENSORS) {
            return;
        }
        long dataBytes = 0;
        for (TensorEntry entry : result.orThrow().tensors()) {
            TensorNode t = entry.tensor();
            assertThat(t.byteLength()).isEqualTo(t.elementCount() * t.dtype().elementSize());
            dataBytes += t.byteLength();
        }
        long headerBytes = ByteBuffer.wrap(mutated).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertThat(8 + headerBytes + dataBytes).isEqualTo(mutated.length);
    }

    @Provide
    Arbitrary<byte[]> mutations() {
        Arbitrary<byte[]> source = Arbitraries.of(SEEDS);
        Arbitrary<Integer> kind = Arbitraries.integers().between(0, 6);
        Arbitrary<Double> where = Arbitraries.doubles().between(0, 1);
        Arbitrary<Integer> value = Arbitraries.integers().between(0, 255);
        Arbitrary<Integer> count = Arbitraries.integers().between(1, 8);
        return Combinators.combine(source, kind, where, value, count).as(SafetensorsTest::mutate);
    }

    private static final byte[] JSON_BYTES = "{}[]\",:0123456789-. \\eE".getBytes(StandardCharsets.US_ASCII);

    private static byte[] mutate(byte[] source, int kind, double where, int value, int count) {
        byte[] out = source.clone();
        long headerBytes = ByteBuffer.wrap(source).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        int headerEnd = (int) Math.min(out.length, 8 + headerBytes);
        // Four in five mutations land in the length or the header.
        int span = where < 0.8 ? headerEnd : out.length;
        int at = (int) (where / (where < 0.8 ? 0.8 : 1) * (span - 1)) % Math.max(span, 1);
        switch (kind) {
            case 0 -> out[at] = (byte) value;
            case 1 -> out[at] = JSON_BYTES[value % JSON_BYTES.length];   // a JSON-significant byte
            case 2 -> {
                for (int i = 0; i < count && at + i < out.length; i++) {
                    out[at + i] = (byte) (value + 31 * i);
                }
            }
            case 3 -> out = Arrays.copyOf(out, at);
            case 4 -> {
                int end = Math.min(out.length, at + count);
                byte[] shorter = new byte[out.length - (end - at)];
                System.arraycopy(out, 0, shorter, 0, at);
                System.arraycopy(out, end, shorter, at, out.length - end);
                out = shorter;
            }
            case 5 -> {
                byte[] longer = new byte[out.length + count];
                System.arraycopy(out, 0, longer, 0, at);
                for (int i = 0; i < count; i++) {
                    longer[at + i] = JSON_BYTES[(value + i) % JSON_BYTES.length];
                }
                System.arraycopy(out, at, longer, at + count, out.length - at);
                out = longer;
            }
            default -> { // a new header length near the true one
                ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, headerBytes + value - 128);
            }
        }
        return out;
    }
}
