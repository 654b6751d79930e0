package dev.safeload.internal.modelsigning;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** A caller's view of a model directory, as the facade would build it: walked, filtered, SHA-256 precomputed. */
final class DirectoryFiles implements ModelFiles {

    private final SortedMap<String, Path> files;
    private final Map<String, byte[]> sha256;
    private int sha256Lookups;

    private DirectoryFiles(SortedMap<String, Path> files, boolean precompute) {
        this.files = Collections.unmodifiableSortedMap(files);
        this.sha256 = new HashMap<>();
        if (precompute) {
            files.forEach((name, path) -> sha256.put(name, sha256(path)));
        }
    }

    /** Walks {@code root} (symlinks are listed as files, not followed), dropping names {@code ignored} matches. */
    static DirectoryFiles walk(Path root, Predicate<String> ignored, boolean precompute) {
        SortedMap<String, Path> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(p -> !p.equals(root) && (Files.isRegularFile(p) || Files.isSymbolicLink(p)))
                    .forEach(p -> {
                        String name = root.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
                        if (!ignored.test(name)) {
                            files.put(name, p);
                        }
                    });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new DirectoryFiles(files, precompute);
    }

    /** A single-file model: one entry named ".". */
    static DirectoryFiles single(Path file, boolean precompute) {
        return new DirectoryFiles(new TreeMap<>(Map.of(".", file)), precompute);
    }

    /** Overrides a precomputed digest, to show that checkFiles trusts the caller's SHA-256 and reads nothing. */
    DirectoryFiles withSha256(String name, byte[] digest) {
        sha256.put(name, digest.clone());
        return this;
    }

    int sha256Lookups() {
        return sha256Lookups;
    }

    @Override
    public SortedMap<String, Path> files() {
        return files;
    }

    @Override
    public Optional<byte[]> sha256(String name) {
        sha256Lookups++;
        return Optional.ofNullable(sha256.get(name)).map(byte[]::clone);
    }

    static byte[] sha256(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return digest.digest();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
