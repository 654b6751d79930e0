package dev.safeload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeload.api.TensorEntry;
import dev.safeload.api.VerificationLimits;
import dev.safeload.api.VerificationResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Mutations of real TorchScript archives always end in a verdict: no exception escapes, nothing hangs, and
 * anything still verified is consistent. Three levels: bytes of whole files (the zip reader and inflation),
 * code text re-zipped into a valid archive (the tokenizer and the scan, with TorchScript's trickier tokens
 * spliced in), and data.pkl re-zipped (the pickle machine's TorchScript profile). Seeds are pinned.
 */
class TorchScriptMutationPropertiesTest {

    private static final List<Path> SEEDS = TorchScriptArchives.benignFiles();
    private static final List<byte[]> FILES = SEEDS.stream().map(Fixtures::read).toList();
    private static final SafeModelLoader LOADER = SafeModelLoader.builder()
            .limits(VerificationLimits.builder().maxOpcodes(1_000_000).maxStringBytes(1 << 20)
                    .maxBytesLength(1 << 20).maxTreeNodes(1_000_000).maxCodeBytes(4 << 20).build())
            .build();
    /** Tokens where TorchScript's lexer and a naive scanner could part ways, and names that matter to the scan. */
    private static final List<String> SPLICES = List.of("torch.", "ops.", "ops.evil.run(", "torch.save(", ".save(",
            "__torch__.", "getattr(", "getattr(self, \"save\")", "\"", "'", "'''", "\"\"\"", "\\", "\\\n", "#",
            "# type:", "\n", "\n    ", "\n  def __setstate__(self, state: int) -> NoneType:\n    ", "(", ")", "[",
            "]", ":", ",", "=", " is not", "not in", "0x1p1", "1e5j", ".", "..", "autograd.", "print(",
            "\u00a0", "\0", "\t");

    private record Edit(int record, byte[] content) {
    }

    @Property(tries = 1000, seed = "20261126")
    void mutatedFilesReachAVerdict(@ForAll("fileMutations") byte[] mutated) {
        assertVerdict(LOADER.verify(mutated, "mutated.pt"));
    }

    @Property(tries = 3000, seed = "20261126")
    void mutatedCodeReachesAVerdict(@ForAll("codeMutations") byte[] archive) {
        assertVerdict(LOADER.verify(archive, "mutated.pt"));
    }

    @Property(tries = 2000, seed = "20261126")
    void mutatedPicklesReachAVerdict(@ForAll("pickleMutations") byte[] archive) {
        assertVerdict(LOADER.verify(archive, "mutated.pt"));
    }

    private static void assertVerdict(VerificationResult result) {
        assertThat(result).isNotNull();
        if (!result.isVerified()) {
            assertThat(result.rejections()).isNotEmpty();
            return;
        }
        var metadata = result.orThrow();
        assertThat(metadata.operators()).isSorted().doesNotHaveDuplicates()
                .noneMatch(op -> op.equals("aten::save") || op.equals("aten::from_file") || op.startsWith("evil::"));
        for (TensorEntry entry : metadata.tensors()) {
            var t = entry.tensor();
            assertThat(t.storage().recordBytes())
                    .isEqualTo(t.storage().elementCount() * t.storage().dtype().elementSize());
            assertThat(t.storageOffset()).isNotNegative();
        }
    }

    @Provide
    Arbitrary<byte[]> fileMutations() {
        return Combinators.combine(Arbitraries.of(FILES), Arbitraries.integers().between(0, 4),
                Arbitraries.doubles().between(0, 1), Arbitraries.integers().between(0, 255),
                Arbitraries.integers().between(1, 8)).as(TorchScriptMutationPropertiesTest::mutate);
    }

    @Provide
    Arbitrary<byte[]> codeMutations() {
        return recordMutations(".py", true);
    }

    @Provide
    Arbitrary<byte[]> pickleMutations() {
        return recordMutations(".pkl", false);
    }

    /** Mutates one record (code or pickle) of a fixture and re-zips the archive with correct CRCs. */
    private static Arbitrary<byte[]> recordMutations(String suffix, boolean splice) {
        List<List<TorchScriptArchives.Record>> archives = SEEDS.stream().map(TorchScriptArchives::records).toList();
        List<int[]> targets = new ArrayList<>(); // (archive, record)
        for (int a = 0; a < archives.size(); a++) {
            for (int r = 0; r < archives.get(a).size(); r++) {
                if (archives.get(a).get(r).name().endsWith(suffix)) {
                    targets.add(new int[] {a, r});
                }
            }
        }
        Arbitrary<Integer> kind = Arbitraries.integers().between(0, splice ? 5 : 4);
        return Combinators.combine(Arbitraries.of(targets), kind, Arbitraries.doubles().between(0, 1),
                Arbitraries.integers().between(0, 255), Arbitraries.integers().between(1, 8),
                Arbitraries.of(SPLICES)).as((target, k, where, value, count, token) -> {
                    List<TorchScriptArchives.Record> records = new ArrayList<>(archives.get(target[0]));
                    TorchScriptArchives.Record record = records.get(target[1]);
                    byte[] content = k == 5 ? splice(record.data(), where, token)
                            : mutate(record.data(), k, where, value, count);
                    records.set(target[1], new TorchScriptArchives.Record(record.name(), content, record.method()));
                    return TorchScriptArchives.zip(records);
                });
    }

    private static byte[] splice(byte[] source, double where, String token) {
        byte[] insert = token.getBytes(StandardCharsets.ISO_8859_1);
        int at = (int) (where * source.length);
        byte[] out = new byte[source.length + insert.length];
        System.arraycopy(source, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(source, at, out, at + insert.length, source.length - at);
        return out;
    }

    private static byte[] mutate(byte[] source, int kind, double where, int value, int count) {
        byte[] out = source.clone();
        int at = (int) (where * (out.length - 1));
        switch (kind) {
            case 0 -> {
                out[at] = (byte) value;
                return out;
            }
            case 1 -> {
                for (int i = 0; i < count && at + i < out.length; i++) {
                    out[at + i] = (byte) (value + 31 * i);
                }
                return out;
            }
            case 2 -> {
                return java.util.Arrays.copyOf(out, at);
            }
            case 3 -> {
                int end = Math.min(out.length, at + count);
                byte[] shorter = new byte[out.length - (end - at)];
                System.arraycopy(out, 0, shorter, 0, at);
                System.arraycopy(out, end, shorter, at, out.length - end);
                return shorter;
            }
            default -> {
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
