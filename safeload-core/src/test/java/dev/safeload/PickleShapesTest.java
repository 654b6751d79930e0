package dev.safeload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeload.api.Rejection;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.VerificationLimits;
import dev.safeload.api.VerificationResult;
import dev.safeload.api.tree.BytesNode;
import dev.safeload.api.tree.DictNode;
import dev.safeload.api.tree.DType;
import dev.safeload.api.tree.ObjectNode;
import dev.safeload.api.tree.StrNode;
import dev.safeload.api.tree.TensorNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The pickle machine on hand-assembled pickles: accepted shapes, rejected shapes, and limits. */
class PickleShapesTest {

    private static final SafeModelLoader LOADER = SafeModelLoader.withDefaults();

    private static byte[] floats(int n) {
        ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putFloat(i);
        }
        return b.array();
    }

    private static VerificationResult verify(Pickle pickle, byte[]... storages) {
        return LOADER.verify(TorchZipWriter.checkpoint(pickle.bytes(), storages), "test.pt");
    }

    private static RejectionCode firstCode(VerificationResult result) {
        assertThat(result.isVerified()).as("expected a rejection").isFalse();
        return result.rejections().get(0).code();
    }

    @Test
    void minimalStateDictVerifies() {
        Pickle p = Pickle.proto2().emptyDict().str("w").floatTensor("0", 4).setitem().stop();

        DictNode root = (DictNode) verify(p, floats(4)).orThrow().root();

        TensorNode w = (TensorNode) root.get("w").orElseThrow();
        assertThat(w.dtype()).isEqualTo(DType.FLOAT32);
        assertThat(w.shape()).containsExactly(4);
        assertThat(w.stride()).containsExactly(1);
        assertThat(w.storage().recordName()).isEqualTo("data/0");
        assertThat(w.byteLength()).isEqualTo(16);
    }

    @Test
    void stateDictMetadataAttributeIsKept() {
        Pickle p = Pickle.proto2().global("collections", "OrderedDict").emptyTuple().reduce()
                .emptyDict().str("_metadata").emptyDict().setitem().build().stop();

        DictNode root = (DictNode) verify(p).orThrow().root();

        assertThat(root.kind()).isEqualTo(DictNode.Kind.ORDERED_DICT);
        assertThat(root.attributes().orElseThrow().get("_metadata")).isPresent();
    }

    @Test
    void aKeySetTwiceKeepsItsPlaceAndTakesTheLastValue() {
        Pickle p = Pickle.proto2().emptyDict()
                .str("a").str("first").setitem()
                .str("b").str("other").setitem()
                .str("a").str("second").setitem().stop();

        DictNode root = (DictNode) verify(p).orThrow().root();

        assertThat(root.keys()).containsExactly(new StrNode("a"), new StrNode("b"));
        assertThat(root.values().get(0)).isEqualTo(new StrNode("second"));
    }

    @Test
    void bytesFromCodecsEncodeAreData() {
        Pickle p = Pickle.proto2().global("_codecs", "encode").str("\u00ffab").str("latin1").raw(0x86).reduce().stop();

        BytesNode bytes = (BytesNode) verify(p).orThrow().root();

        assertThat(bytes.bytes()).containsExactly(0xff, 'a', 'b');
    }

    @Test
    void aListThatContainsItselfIsRejected() {
        Pickle p = Pickle.proto2().emptyList().put().get(0).append().stop();

        assertThat(firstCode(verify(p))).isEqualTo(RejectionCode.MALFORMED_PICKLE);
    }

    @Test
    void setitemOnATensorIsRejected() {
        // CVE-2026-24747 part 1: SETITEM whose target is a rebuilt tensor.
        Pickle p = Pickle.proto2().floatTensor("0", 4).integer(0).integer(7).setitem().stop();

        assertThat(firstCode(verify(p, floats(4)))).isEqualTo(RejectionCode.DISALLOWED_OPCODE);
    }

    @Test
    void globalNamesAreEscapedInMessages() {
        Pickle p = Pickle.proto2().global("posix", "sys\u001btem\u2028").emptyTuple().reduce().stop();

        Rejection rejection = verify(p).rejections().get(0);

        assertThat(rejection.code()).isEqualTo(RejectionCode.DISALLOWED_GLOBAL);
        assertThat(rejection.message()).contains("sys\\u001btem\\u2028").doesNotContain("\u001b");
        assertThat(rejection.location().offset()).contains(2L);
    }

    @Test
    void readingAConsumedArgumentTupleIsRejected() {
        // torch.save never reads a call's argument tuple back from the memo.
        Pickle p = Pickle.proto2().global("collections", "OrderedDict").emptyTuple().put().reduce()
                .get(0).raw(0x86).stop();

        assertThat(firstCode(verify(p))).isEqualTo(RejectionCode.MALFORMED_PICKLE);
    }

    @Test
    void tensorLimitNamesTheLimitAndBothValues() {
        SafeModelLoader loader = SafeModelLoader.builder()
                .limits(VerificationLimits.builder().maxTensors(1).build()).build();
        Pickle p = Pickle.proto2().emptyList().floatTensor("0", 4).append().floatTensor("1", 4).append().stop();

        VerificationResult result = loader.verify(TorchZipWriter.checkpoint(p.bytes(), floats(4), floats(4)), "t.pt");

        Rejection rejection = result.rejections().get(0);
        assertThat(rejection.code()).isEqualTo(RejectionCode.RESOURCE_LIMIT);
        assertThat(rejection.limitBreach().orElseThrow())
                .isEqualTo(new Rejection.LimitBreach("maxTensors", 2, 1));
        assertThat(rejection.message()).contains("maxTensors").contains("2").contains("1");
    }

    @Test
    void nestingLimitStopsDeepMarks() {
        SafeModelLoader loader = SafeModelLoader.builder()
                .limits(VerificationLimits.builder().maxNestingDepth(10).build()).build();
        Pickle p = Pickle.proto2();
        for (int i = 0; i < 11; i++) {
            p.mark();
        }

        VerificationResult result = loader.verify(TorchZipWriter.checkpoint(p.bytes()), "t.pt");

        assertThat(result.rejections().get(0).limitBreach().orElseThrow().limitName()).isEqualTo("maxNestingDepth");
    }

    @Test
    void opcodeLimitStopsLongPickles() {
        SafeModelLoader loader = SafeModelLoader.builder()
                .limits(VerificationLimits.builder().maxOpcodes(5).build()).build();
        Pickle p = Pickle.proto2().emptyList().none().append().none().append().none().append().stop();

        VerificationResult result = loader.verify(TorchZipWriter.checkpoint(p.bytes()), "t.pt");

        assertThat(result.rejections().get(0).limitBreach().orElseThrow().limitName()).isEqualTo("maxOpcodes");
    }

    @Test
    void userAllowlistedGlobalsAreDescribedNotCalled() {
        Pickle p = Pickle.proto2().global("numpy.core.multiarray", "_reconstruct").str("x").raw(0x85).reduce()
                .emptyDict().build().stop();

        assertThat(firstCode(verify(p))).isEqualTo(RejectionCode.DISALLOWED_GLOBAL);

        SafeModelLoader permissive = SafeModelLoader.builder().allowGlobal("numpy.core.multiarray", "_reconstruct")
                .build();
        ObjectNode object = (ObjectNode) permissive.verify(TorchZipWriter.checkpoint(p.bytes()), "t.pt").orThrow()
                .root();
        assertThat(object.qualifiedName()).isEqualTo("numpy.core.multiarray._reconstruct");
        assertThat(object.args()).containsExactly(new StrNode("x"));
        assertThat(object.state()).isPresent();
    }

    @Test
    void unreferencedStorageRecordsAreReported() {
        Pickle p = Pickle.proto2().floatTensor("0", 4).stop();

        VerificationResult result = verify(p, floats(4), floats(2));

        assertThat(result.isVerified()).isTrue();
        assertThat(result.report().notes()).singleElement().asString().contains("data/1");
    }

    @Test
    void storageDeclaredTwiceWithDifferentSizesIsRejected() {
        Pickle p = Pickle.proto2().emptyList().floatTensor("0", 4).append().floatTensor("0", 2).append().stop();

        assertThat(firstCode(verify(p, floats(4)))).isEqualTo(RejectionCode.TENSOR_INCONSISTENT);
    }

    @Test
    void recordShorterThanDeclaredIsRejected() {
        // CVE-2026-24747 part 2: numel x element size must equal the record's size.
        Pickle p = Pickle.proto2().floatTensor("0", 4).stop();

        assertThat(firstCode(verify(p, floats(3)))).isEqualTo(RejectionCode.TENSOR_INCONSISTENT);
    }
}
