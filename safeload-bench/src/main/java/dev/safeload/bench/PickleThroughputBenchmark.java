package dev.safeload.bench;

import dev.safeload.api.VerificationLimits;
import dev.safeload.api.tree.DType;
import dev.safeload.api.tree.StorageInfo;
import dev.safeload.internal.pickle.Allowlist;
import dev.safeload.internal.pickle.PickleMachine;
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
 * Pickle simulation alone: data.pkl from the benchmark files, held on the heap, run through the opcode
 * machine and the tree builder. MB/s = data.pkl size / score; bench/run-jmh.sh prints it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class PickleThroughputBenchmark {

    @Param({"many_small_200k.pt", "resnet50_sd.pt"})
    public String file;

    private byte[] pickle;
    private final Allowlist allowlist = Allowlist.torchDefaults();
    private final VerificationLimits limits = VerificationLimits.defaults();

    @Setup
    public void setUp() {
        pickle = BenchFiles.dataPkl(BenchFiles.file(file));
        System.out.println("\n[pickle-bytes] " + file + " " + pickle.length);
    }

    @Benchmark
    public Object simulate() {
        Map<String, StorageInfo> storages = new HashMap<>();
        ByteBuffer data = ByteBuffer.wrap(pickle).order(ByteOrder.LITTLE_ENDIAN);
        PickleMachine machine = new PickleMachine(data, "data.pkl", limits, allowlist,
                (key, dtype, numel, offset) -> storages.computeIfAbsent(key,
                        k -> new StorageInfo(k, dtype, numel, "data", numel * dtype.elementSize())));
        Object result = machine.run();
        return new TreeBuilder(limits, dev.safeload.api.Location.NONE).build(result);
    }
}
