package dev.safeload.bench;

import dev.safeload.api.Location;
import dev.safeload.api.VerificationLimits;
import dev.safeload.api.tree.DType;
import dev.safeload.api.tree.StorageInfo;
import dev.safeload.internal.pickle.Allowlist;
import dev.safeload.internal.pickle.PickleMachine;
import dev.safeload.internal.pickle.StorageResolver;
import dev.safeload.internal.pickle.TreeBuilder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Pickle simulation alone, no zip and no I/O: the {@code <root>/data.pkl} of a benchmark file, extracted
 * once with {@link java.util.zip.ZipFile} and held in a little-endian heap {@link ByteBuffer} (as safeload
 * core slices it), run through
 * {@link PickleMachine} with a storage resolver that only caches one {@link StorageInfo} per key.
 *
 * <ul>
 *   <li>{@code machine}: {@link PickleMachine#run()} only (opcode interpretation, memo, allowlist, limits);
 *   <li>{@code machineAndTree}: the same followed by the {@link TreeBuilder} pass that turns the result into
 *       the public metadata tree, as {@code SafeModelLoader.verify} does.
 * </ul>
 *
 * <p>Score is in ops/s (one op = one whole data.pkl); MB/s = score x data.pkl size in MB. The setup prints
 * the size as a {@code [pickle-bytes]} line and {@code bench/run-jmh.sh} computes MB/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PickleThroughputBenchmark {

    @Param({BenchFiles.MANY_SMALL, BenchFiles.RESNET50})
    public String file;

    private byte[] pickle;
    private String entryName;
    private final Allowlist allowlist = Allowlist.torchDefaults();
    private final VerificationLimits limits = VerificationLimits.defaults();

    @Setup
    public void setUp() {
        BenchFiles.Pickle p = BenchFiles.dataPkl(BenchFiles.file(file));
        pickle = p.bytes();
        entryName = p.entryName();
        // One untimed run, to fail fast on an input the machine rejects and to report its size.
        PickleMachine machine = newMachine();
        machine.run();
        System.out.printf("%n[pickle-bytes] %s %d bytes, %d opcodes, %d tensors%n",
                file, pickle.length, machine.opcodeCount(), machine.tensorCount());
    }

    private PickleMachine newMachine() {
        Map<String, StorageInfo> storages = new HashMap<>();
        StorageResolver resolver = (String key, DType dtype, long elementCount, long pickleOffset) ->
                storages.computeIfAbsent(key,
                        k -> new StorageInfo(k, dtype, elementCount, "data", elementCount * dtype.elementSize()));
        return new PickleMachine(ByteBuffer.wrap(pickle).order(ByteOrder.LITTLE_ENDIAN), entryName, limits, allowlist, resolver);
    }

    @Benchmark
    public Object machine() {
        return newMachine().run();
    }

    @Benchmark
    public Object machineAndTree() {
        Object result = newMachine().run();
        return new TreeBuilder(limits, Location.entry(entryName)).build(result);
    }
}
