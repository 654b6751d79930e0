package dev.safeload.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Same-run baselines over the same files' bytes, mapped read-only once (the way safeload maps them) and
 * loaded into memory in the setup, so verification time can be reported as a multiple of "hash the file":
 *
 * <ul>
 *   <li>{@code sha256}: the JDK's {@code MessageDigest.getInstance("SHA-256")} over the whole file;
 *   <li>{@code crc32}: {@link CRC32} over the whole file, a lower bound for what CRC checking adds to
 *       verification (verification checks the CRC-32 of every record, which covers nearly every byte);
 *   <li>{@code crc32FreshMap}: opens and maps the file on every call, then CRC-32 over it, as
 *       {@code SafeModelLoader.verify(Path)} does: the difference to {@code crc32} is the cost of mapping
 *       and page-faulting a freshly mapped file (from the page cache).
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class DigestBaselineBenchmark {

    @Param({BenchFiles.MANY_SMALL, BenchFiles.RESNET50})
    public String file;

    private Path path;
    private MappedByteBuffer mapped;

    @Setup
    public void setUp() {
        path = BenchFiles.file(file);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
            mapped.load();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Benchmark
    public byte[] sha256() throws NoSuchAlgorithmException {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        digest.update(mapped.duplicate());
        return digest.digest();
    }

    @Benchmark
    public long crc32() {
        CRC32 crc = new CRC32();
        crc.update(mapped.duplicate());
        return crc.getValue();
    }

    @Benchmark
    public long crc32FreshMap() throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            CRC32 crc = new CRC32();
            crc.update(channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size()));
            return crc.getValue();
        }
    }
}
