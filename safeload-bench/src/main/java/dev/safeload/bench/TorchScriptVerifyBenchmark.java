package dev.safeload.bench;

import dev.safeload.SafeModelLoader;
import dev.safeload.api.VerificationResult;
import java.nio.file.Path;
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
 * Whole-file verification of a real TorchScript archive (scripted densenet121, 32 MB): strict zip, code
 * inflation and scan, the pickles and every tensor; with and without CRC checking of the tensor records.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class TorchScriptVerifyBenchmark {

    @Param({"densenet121_ts.pt"})
    public String file;

    @Param({"true", "false"})
    public boolean crc;

    private Path path;
    private SafeModelLoader loader;

    @Setup
    public void setUp() {
        path = BenchFiles.file(file);
        loader = SafeModelLoader.builder().verifyCrc(crc).build();
        VerificationResult result = loader.verify(path);
        if (!result.isVerified()) {
            throw new IllegalStateException("benchmark input rejected: " + result.rejections());
        }
    }

    @Benchmark
    public VerificationResult verify() {
        return loader.verify(path);
    }
}
