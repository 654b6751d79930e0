package dev.safeload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Locates the committed fixtures at the repository root. */
final class Fixtures {

    private Fixtures() {
    }

    static Path repoRoot() {
        String configured = System.getProperty("safeload.repoRoot");
        Path start = configured != null ? Path.of(configured) : Path.of("").toAbsolutePath();
        for (Path p = start.toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("fixtures/benign"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find fixtures/ above " + start);
    }

    static Path benign() {
        return repoRoot().resolve("fixtures/benign");
    }

    static Path hostile() {
        return repoRoot().resolve("fixtures/hostile");
    }

    static Path benign(String name) {
        return benign().resolve(name);
    }

    static List<Path> benignFiles() {
        try (Stream<Path> files = Files.list(benign())) {
            return files.filter(p -> p.toString().endsWith(".pt")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] read(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
