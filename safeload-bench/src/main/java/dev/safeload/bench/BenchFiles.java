package dev.safeload.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The benchmark inputs, made by {@code fixtures/generate_bench.py} into {@code -Dsafeload.bench.dir}
 * (default {@code /tmp/safeload-bench}).
 */
final class BenchFiles {

    static final String MANY_SMALL = "many_small_200k.pt";
    static final String RESNET50 = "resnet50_sd.pt";

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

    /** A data.pkl extracted from an archive: its entry name ({@code <root>/data.pkl}) and bytes. */
    record Pickle(String entryName, byte[] bytes) {
    }

    /** The archive's {@code <root>/data.pkl}, where root is the top folder of its first entry. */
    static Pickle dataPkl(Path archive) {
        try (ZipFile zip = new ZipFile(archive.toFile())) {
            String first = zip.entries().nextElement().getName();
            int slash = first.indexOf('/');
            if (slash <= 0) {
                throw new IllegalStateException(archive + ": first entry " + first + " has no root folder");
            }
            String name = first.substring(0, slash) + "/data.pkl";
            ZipEntry entry = zip.getEntry(name);
            if (entry == null) {
                throw new IllegalStateException(archive + " has no " + name);
            }
            try (var in = zip.getInputStream(entry)) {
                return new Pickle(name, in.readAllBytes());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
