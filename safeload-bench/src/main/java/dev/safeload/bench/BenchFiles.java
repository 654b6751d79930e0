package dev.safeload.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipFile;

/** The benchmark inputs, made by fixtures/generate_bench.py into {@code -Dsafeload.bench.dir} (default /tmp/safeload-bench). */
final class BenchFiles {

    private BenchFiles() {
    }

    static Path dir() {
        return Path.of(System.getProperty("safeload.bench.dir", "/tmp/safeload-bench"));
    }

    static Path file(String name) {
        Path path = dir().resolve(name);
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException(path + " is missing: run /usr/bin/python3 fixtures/generate_bench.py " + dir());
        }
        return path;
    }

    /** The bytes of the archive's data.pkl. */
    static byte[] dataPkl(Path archive) {
        try (ZipFile zip = new ZipFile(archive.toFile())) {
            var entry = zip.stream().filter(e -> e.getName().endsWith("/data.pkl")).findFirst().orElseThrow();
            return zip.getInputStream(entry).readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
