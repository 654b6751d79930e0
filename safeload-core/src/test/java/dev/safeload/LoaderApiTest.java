package dev.safeload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safeload.api.ModelRejectedException;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.SafeText;
import dev.safeload.api.VerificationLimits;
import dev.safeload.api.VerificationResult;
import dev.safeload.api.tree.DType;
import dev.safeload.spi.Verifier;
import dev.safeload.spi.VerifierResult;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The facade's contract: configuration errors at build(), fail-closed verifiers, and the result API. */
class LoaderApiTest {

    private static final byte[] CHECKPOINT = Fixtures.read(Fixtures.benign("dtypes.pt"));

    @Test
    void dangerousGlobalsCannotBeAllowlisted() {
        for (String[] pair : new String[][] {{"os", "system"}, {"builtins", "eval"}, {"posix", "system"},
            {"subprocess", "Popen"}, {"torch.jit", "load"}, {"pickle", "loads"}, {"importlib", "import_module"}}) {
            assertThatThrownBy(() -> SafeModelLoader.builder().allowGlobal(pair[0], pair[1]).build())
                    .as(pair[0] + "." + pair[1]).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> SafeModelLoader.builder().allowGlobal("torch", "nn.Module").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dotted");
    }

    @Test
    void limitsMustBePositive() {
        assertThatThrownBy(() -> VerificationLimits.builder().maxTensors(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxTensors");
        assertThat(VerificationLimits.defaults().maxTensors()).isGreaterThanOrEqualTo(1_000_000);
        assertThat(VerificationLimits.defaults().maxZipEntries()).isGreaterThanOrEqualTo(1_000_000);
        assertThat(VerificationLimits.defaults().toBuilder().build()).isEqualTo(VerificationLimits.defaults());
    }

    @Test
    void aThrowingVerifierFailsClosed() {
        Verifier broken = context -> {
            throw new IllegalStateException("boom\n\u001b[31m");
        };
        VerificationResult result = SafeModelLoader.builder().addVerifier(broken).build().verify(CHECKPOINT, "m.pt");

        assertThat(result.isVerified()).isFalse();
        assertThat(result.rejections().get(0).code()).isEqualTo(RejectionCode.VERIFIER_FAILED);
        assertThat(result.rejections().get(0).message()).doesNotContain("\u001b").contains("boom\\n");
    }

    @Test
    void aVerifierReturningNullFailsClosed() {
        VerificationResult result = SafeModelLoader.builder().addVerifier(context -> null).build()
                .verify(CHECKPOINT, "m.pt");

        assertThat(result.rejections()).extracting(r -> r.code()).containsExactly(RejectionCode.VERIFIER_FAILED);
    }

    @Test
    void customRulesRejectWithTheirOwnCodes() {
        RejectionCode noFloat64 = RejectionCode.custom("acme.no-float64");
        Verifier rule = context -> context.metadata().tensors().stream()
                .anyMatch(t -> t.tensor().dtype() == DType.FLOAT64)
                ? VerifierResult.reject(noFloat64, "float64 tensors are not allowed")
                : VerifierResult.pass();

        VerificationResult result = SafeModelLoader.builder().addVerifier(rule).build().verify(CHECKPOINT, "m.pt");

        assertThat(result.rejections()).extracting(r -> r.code()).containsExactly(noFloat64);
        assertThat(result.report().verifiersRun()).contains("tensor-consistency");
        assertThatThrownBy(result::orThrow).isInstanceOf(ModelRejectedException.class)
                .satisfies(e -> assertThat(((ModelRejectedException) e).rejections()).hasSize(1));
    }

    @Test
    void sourcePhaseVerifiersSeeBytesButNoMetadata() {
        AtomicLong seen = new AtomicLong();
        Verifier sizeRule = new Verifier() {
            @Override
            public VerifierResult verify(dev.safeload.spi.VerificationContext context) {
                try (InputStream in = context.openContent()) {
                    seen.set(in.readAllBytes().length);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                assertThatThrownBy(context::metadata).isInstanceOf(IllegalStateException.class);
                return VerifierResult.pass();
            }

            @Override
            public Phase phase() {
                return Phase.SOURCE;
            }
        };

        VerificationResult result = SafeModelLoader.builder().addVerifier(sizeRule).build().verify(CHECKPOINT, "m.pt");

        assertThat(result.isVerified()).isTrue();
        assertThat(seen.get()).isEqualTo(CHECKPOINT.length);
    }

    @Test
    void customCodesNeedANamespace() {
        assertThatThrownBy(() -> RejectionCode.custom("NO_NAMESPACE")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RejectionCode.custom("Acme.x")).isInstanceOf(IllegalArgumentException.class);
        assertThat(RejectionCode.custom("acme.rule-1").isBuiltIn()).isFalse();
        assertThat(RejectionCode.DISALLOWED_GLOBAL.isBuiltIn()).isTrue();
    }

    @Test
    void safeTextEscapesAndTruncates() {
        assertThat(SafeText.escape("a\nb\u0000\u00e9\"")).isEqualTo("a\\nb\\u0000\\u00e9\\\"");
        String escaped = SafeText.escape("x".repeat(1000));
        assertThat(escaped).hasSize(SafeText.MAX_LENGTH).endsWith("...");
    }

    @Test
    void unsupportedFormatsNameWhatTheyAre() {
        VerificationResult empty = SafeModelLoader.withDefaults().verify(new byte[0], "empty");
        VerificationResult gzip = SafeModelLoader.withDefaults().verify(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 0},
                "x.safetensors");

        assertThat(empty.rejections().get(0).code()).isEqualTo(RejectionCode.UNSUPPORTED_FORMAT);
        assertThat(empty.rejections().get(0).message()).contains("EMPTY");
        assertThat(gzip.rejections().get(0).message()).contains("GZIP");
    }

    @Test
    void otherModelFormatsAreNamed() {
        byte[] hdf5 = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0};
        byte[] onnx = ("\u0008\u0008\u0012\u0007pytorch\u001a\u00032.0" + "\0".repeat(20))
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] gguf = "GGUF\u0003\0\0\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

        for (var pair : java.util.Map.of("HDF5", hdf5, "ONNX", onnx, "GGUF", gguf).entrySet()) {
            VerificationResult result = SafeModelLoader.withDefaults().verify(pair.getValue(), "model.bin");
            assertThat(result.report().format().name()).isEqualTo(pair.getKey());
            assertThat(result.rejections().get(0).code()).isEqualTo(RejectionCode.UNSUPPORTED_FORMAT);
        }
    }

    @Test
    void aNameThatDisagreesWithTheContentIsNoted() {
        VerificationResult result = SafeModelLoader.withDefaults().verify(CHECKPOINT, "weights.safetensors");

        assertThat(result.isVerified()).isTrue();
        assertThat(result.report().notes()).anySatisfy(n -> assertThat(n).contains("safetensors").contains("TORCH_ZIP"));
    }

    @Test
    void oneLoaderServesManyThreads() throws Exception {
        SafeModelLoader loader = SafeModelLoader.withDefaults();
        List<byte[]> models = Fixtures.benignFiles().stream().limit(8).map(Fixtures::read).toList();
        List<Object> expected = models.stream().map(m -> (Object) loader.verify(m, "m").orThrow().root()).toList();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 5; round++) {
                List<Future<Object>> futures = models.stream()
                        .map(m -> pool.submit(() -> (Object) loader.verify(m, "m").orThrow().root())).toList();
                for (int i = 0; i < futures.size(); i++) {
                    assertThat(futures.get(i).get()).isEqualTo(expected.get(i));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
