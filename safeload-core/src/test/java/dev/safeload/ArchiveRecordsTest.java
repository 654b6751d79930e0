package dev.safeload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeload.api.RejectionCode;
import dev.safeload.api.VerificationResult;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Which records a torch.save archive may hold besides data.pkl and data/&lt;key&gt;, across torch versions. */
class ArchiveRecordsTest {

    private static final SafeModelLoader LOADER = SafeModelLoader.withDefaults();
    private static final byte[] PICKLE = Pickle.proto2().floatTensor("0", 2).stop().bytes();
    private static final byte[] STORAGE = new byte[8];

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static TorchZipWriter newerTorchLayout() {
        // torch 2.7+ order: data.pkl, .format_version, .storage_alignment, byteorder, data/*, version, serialization id
        return new TorchZipWriter("archive").add("data.pkl", PICKLE).add(".format_version", ascii("1"))
                .add(".storage_alignment", ascii("64")).add("byteorder", ascii("little")).add("data/0", STORAGE)
                .add("version", ascii("3\n")).add(".data/serialization_id", ascii("1234567890".repeat(4)));
    }

    @Test
    void newerTorchBookkeepingRecordsAreAccepted() {
        VerificationResult result = LOADER.verify(newerTorchLayout().toBytes(), "new.pt");

        assertThat(result.rejections()).isEmpty();
    }

    @Test
    void unexpectedRecordsAreRejected() {
        byte[] archive = newerTorchLayout().add("payload.pkl", PICKLE).toBytes();

        assertThat(LOADER.verify(archive, "x.pt").rejections()).extracting(r -> r.code())
                .containsExactly(RejectionCode.MALFORMED_ARCHIVE);
    }

    @Test
    void bookkeepingRecordsMustHoldWhatTorchWrites() {
        byte[] badAlignment = newerTorchLayout().add(".storage_alignment", ascii("64; rm -rf")).toBytes();
        byte[] badByteOrder = newerTorchLayout().add("byteorder", ascii("middle")).toBytes();
        byte[] badVersion = newerTorchLayout().add("version", ascii("3abc")).toBytes();

        for (byte[] archive : new byte[][] {badAlignment, badByteOrder, badVersion}) {
            assertThat(LOADER.verify(archive, "x.pt").rejections()).extracting(r -> r.code())
                    .containsExactly(RejectionCode.MALFORMED_ARCHIVE);
        }
    }

    @Test
    void dataRecordsWithoutADeclaringTensorAreOnlyNoted() {
        byte[] archive = newerTorchLayout().add("data/1", STORAGE).toBytes();

        VerificationResult result = LOADER.verify(archive, "x.pt");

        assertThat(result.isVerified()).isTrue();
        assertThat(result.report().notes()).singleElement().asString().contains("data/1");
    }
}
