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

/** Whole-file {@code SafeModelLoader.verify(Path)}, with and without CRC checking (which reads every byte). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class VerifyBenchmark {

    @Param({BenchFiles.MANY_SMALL, BenchFiles.RESNET50})
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
