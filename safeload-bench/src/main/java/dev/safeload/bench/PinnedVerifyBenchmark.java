package dev.safeload.bench;

import dev.safeload.SafeModelLoader;
import dev.safeload.api.VerificationResult;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Verifying a pinned model is hashing it: {@code verifyPinned} ({@code SafeModelLoader.verify} of a safetensors
 * file of {@code mib} MiB of random data with a SHA-256 pin) against the same-run baseline {@code jdkSha256}
 * (the JDK's {@code MessageDigest} over the file with a plain 1 MiB read loop). The file is written in the setup
 * (page cache warm) and deleted afterwards. {@code bench/hashing.sh} compares with {@code openssl dgst}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class PinnedVerifyBenchmark {

    @Param({"256"})
    public int mib;

    private Path dir;
    private Path file;
    private SafeModelLoader loader;

    @Setup
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("safeload-pinned-");
        file = dir.resolve("random.safetensors");
        long n = (long) mib << 20;
        String header = "{\"data\":{\"dtype\":\"U8\",\"shape\":[" + n + "],\"data_offsets\":[0," + n + "]}}";
        header += " ".repeat((8 - header.length() % 8) % 8);
        try (OutputStream out = Files.newOutputStream(file)) {
            ByteBuffer length = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(header.length());
            out.write(length.array());
            out.write(header.getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[1 << 20];
            Random random = new Random(42);
            for (int i = 0; i < mib; i++) {
                random.nextBytes(chunk);
                out.write(chunk);
            }
        }
        loader = SafeModelLoader.builder().pinDigest(HexFormat.of().formatHex(jdkSha256())).build();
        if (!loader.verify(file).isVerified()) {
            throw new IllegalStateException("the pinned file does not verify");
        }
    }

    @TearDown
    public void tearDown() throws IOException {
        Files.deleteIfExists(file);
        Files.deleteIfExists(dir);
    }

    @Benchmark
    public byte[] jdkSha256() throws Exception {
        return HashMain.jdkSha256(file);
    }

    @Benchmark
    public VerificationResult verifyPinned() {
        return loader.verify(file);
    }
}
