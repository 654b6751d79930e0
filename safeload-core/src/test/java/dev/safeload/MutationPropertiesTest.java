package dev.safeload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeload.api.TensorEntry;
import dev.safeload.api.VerificationLimits;
import dev.safeload.api.VerificationResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.zip.ZipFile;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Byte-level mutations of real fixtures always end in a verdict: no exception escapes, nothing hangs, and
 * anything still verified is consistent. Limits are kept small so a mutation that inflates a count is
 * stopped quickly. Seeds are pinned so failures reproduce.
 */
class MutationPropertiesTest {

    private static final List<String> SEEDS = List.of("dtypes.pt", "checkpoint_adam_p2.pt", "checkpoint_sgd_p4.pt",
            "views_shared_storage.pt", "nested_containers.pt", "scalars_and_empty.pt", "unicode_keys.pt");
    private static final List<byte[]> FILES = SEEDS.stream().map(n -> Fixtures.read(Fixtures.benign(n))).toList();
    private static final List<byte[]> PICKLES = SEEDS.stream().map(MutationPropertiesTest::dataPkl).toList();
    /** Legacy torch.save files and plain pickles: no CRCs, so every mutation reaches the pickle machine. */
    private static final List<byte[]> STACKED = List.of("legacy/benign/dtypes.pt", "legacy/benign/checkpoint_adam_p2.pt",
            "legacy/benign/mlp_state_dict_p4.pt", "legacy/benign/views_shared_storage.pt",
            "pickle/benign/training_config_p2.pkl", "pickle/benign/tokenizer_config_p4.pkl",
            "pickle/tensors/tensors_p2.pkl", "pickle/tensors/tensors_p4.pkl").stream()
            .map(n -> Fixtures.read(Fixtures.repoRoot().resolve("fixtures").resolve(n))).toList();
    private static final SafeModelLoader LOADER = SafeModelLoader.builder()
            .limits(VerificationLimits.builder().maxOpcodes(1_000_000).maxStringBytes(1 << 20)
                    .maxBytesLength(1 << 20).maxTreeNodes(1_000_000).build())
            .build();

    private static byte[] dataPkl(String name) {
        try (ZipFile zip = new ZipFile(Fixtures.benign(name).toFile())) {
            var entry = zip.stream().filter(e -> e.getName().endsWith("/data.pkl")).findFirst().orElseThrow();
            return zip.getInputStream(entry).readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Mutations of the whole file: these mostly exercise the zip reader (CRCs catch pickle changes). */
    @Property(tries = 1000, seed = "20261126")
    void mutatedFilesReachAVerdict(@ForAll("fileMutations") byte[] mutated) {
        assertVerdict(LOADER.verify(mutated, "mutated.pt"));
    }

    /** Mutations of data.pkl re-wrapped in a fresh, valid archive: these reach the pickle machine. */
    @Property(tries = 5000, seed = "20261126")
    void mutatedPicklesReachAVerdict(@ForAll("pickleMutations") byte[] pickle) {
        byte[] storage = new byte[4096];
        assertVerdict(LOADER.verify(TorchZipWriter.checkpoint(pickle, storage, storage, storage), "mutated.pt"));
    }

    /** Mutations of legacy torch.save files and plain pickles (with nested legacy storages). */
    @Property(tries = 3000, seed = "20261126")
    void mutatedLegacyFilesAndPlainPicklesReachAVerdict(@ForAll("stackedMutations") byte[] mutated) {
        assertVerdict(LOADER.verify(mutated, "mutated.pkl"));
    }

    private static void assertVerdict(VerificationResult result) {
        assertThat(result).isNotNull();
        if (result.isVerified()) {
            for (TensorEntry entry : result.orThrow().tensors()) {
                var t = entry.tensor();
                assertThat(t.storage().recordBytes())
                        .isEqualTo(t.storage().elementCount() * t.storage().dtype().elementSize());
                assertThat(t.storageOffset()).isNotNegative();
            }
        } else {
            assertThat(result.rejections()).isNotEmpty();
        }
    }

    @Provide
    Arbitrary<byte[]> fileMutations() {
        return mutationsOf(FILES);
    }

    @Provide
    Arbitrary<byte[]> stackedMutations() {
        return mutationsOf(STACKED);
    }

    @Provide
    Arbitrary<byte[]> pickleMutations() {
        return mutationsOf(PICKLES);
    }

    private static Arbitrary<byte[]> mutationsOf(List<byte[]> sources) {
        Arbitrary<byte[]> source = Arbitraries.of(sources);
        Arbitrary<Integer> kind = Arbitraries.integers().between(0, 4);
        Arbitrary<Double> where = Arbitraries.doubles().between(0, 1);
        Arbitrary<Integer> value = Arbitraries.integers().between(0, 255);
        Arbitrary<Integer> count = Arbitraries.integers().between(1, 8);
        return Combinators.combine(source, kind, where, value, count).as(MutationPropertiesTest::mutate);
    }

    private static byte[] mutate(byte[] source, int kind, double where, int value, int count) {
        byte[] out = source.clone();
        int at = (int) (where * (out.length - 1));
        switch (kind) {
            case 0 -> { // flip one byte
                out[at] = (byte) value;
                return out;
            }
            case 1 -> { // flip several bytes from here
                for (int i = 0; i < count && at + i < out.length; i++) {
                    out[at + i] = (byte) (value + 31 * i);
                }
                return out;
            }
            case 2 -> { // truncate
                return java.util.Arrays.copyOf(out, at);
            }
            case 3 -> { // delete a run
                int end = Math.min(out.length, at + count);
                byte[] shorter = new byte[out.length - (end - at)];
                System.arraycopy(out, 0, shorter, 0, at);
                System.arraycopy(out, end, shorter, at, out.length - end);
                return shorter;
            }
            default -> { // insert a run
                byte[] longer = new byte[out.length + count];
                System.arraycopy(out, 0, longer, 0, at);
                for (int i = 0; i < count; i++) {
                    longer[at + i] = (byte) (value * (i + 1));
                }
                System.arraycopy(out, at, longer, at + count, out.length - at);
                return longer;
            }
        }
    }
}
