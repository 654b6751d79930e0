package dev.safeload;

import dev.safeload.api.SafeText;
import dev.safeload.internal.integrity.DirectoryWalk;
import dev.safeload.internal.integrity.Digests;
import dev.safeload.internal.integrity.HashAlgorithm;
import dev.safeload.internal.integrity.IgnoreRules;
import dev.safeload.internal.integrity.IntegrityCheck;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A private, read-only copy of a model: a fresh directory only the process owner can enter (0700, then 0500),
 * files created exclusively (0400 once written), each hashed with SHA-256 in the same read that copies it, so
 * the digests describe exactly the copied bytes whatever happens to the original afterwards.
 */
final class PrivateCopy {

    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private final Path folder;
    private final Path path;
    private final boolean directory;
    private final Map<String, Map<HashAlgorithm, byte[]>> digests;

    private PrivateCopy(Path folder, Path path, boolean directory, Map<String, Map<HashAlgorithm, byte[]>> digests) {
        this.folder = folder;
        this.path = path;
        this.directory = directory;
        this.digests = digests;
    }

    /**
     * Copies a file, or a directory's files except the ignored ones. Inside a directory, a symlink is copied as
     * the file it leads to if symlinks are allowed; otherwise it (like a device or FIFO) is refused with
     * {@link RefusedEntries}, because the copy could not show it to the verification.
     */
    static PrivateCopy of(Path source, Path parent, List<String> ignorePaths, boolean allowSymlinks,
                          long maxEntries) {
        Path folder = null;
        try {
            folder = POSIX
                    ? Files.createTempDirectory(parent, "safeload-verified-",
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")))
                    : Files.createTempDirectory(parent, "safeload-verified-");
            Map<String, Map<HashAlgorithm, byte[]>> digests = new TreeMap<>();
            if (Files.isDirectory(source)) {
                Path target = folder.resolve("model");
                Files.createDirectory(target);
                DirectoryWalk walk = DirectoryWalk.of(source, IgnoreRules.matcher(ignorePaths), allowSymlinks,
                        maxEntries);
                if (!walk.rejections().isEmpty()) {
                    throw new RefusedEntries(walk.rejections());
                }
                List<dev.safeload.api.Rejection> altered = new java.util.ArrayList<>();
                for (Map.Entry<String, Path> file : walk.files().entrySet()) {
                    Path to = target.resolve(file.getKey());
                    Files.createDirectories(to.getParent());
                    Map<HashAlgorithm, byte[]> copied = copyFile(file.getValue(), to);
                    digests.put(file.getKey(), copied);
                    String blobName = walk.contentAddressed().get(file.getKey());
                    if (blobName != null) {
                        // The copy holds regular files, so the cache's names must be checked here, while copying.
                        IntegrityCheck.alteredBlob(file.getKey(), blobName, copied.get(HashAlgorithm.SHA256))
                                .ifPresent(altered::add);
                    }
                }
                if (!altered.isEmpty()) {
                    throw new RefusedEntries(altered);
                }
                seal(target);
                return new PrivateCopy(folder, target, true, digests);
            }
            Path name = source.getFileName();
            Path to = folder.resolve(name == null ? "model" : name.toString());
            digests.put(".", copyFile(source, to));
            seal(folder);
            return new PrivateCopy(folder, to, false, digests);
        } catch (IOException | RuntimeException e) {
            if (folder != null) {
                deleteTree(folder);
            }
            if (e instanceof RefusedEntries refused) {
                throw refused;
            }
            throw e instanceof IOException io
                    ? new UncheckedIOException("cannot make a private copy of "
                            + SafeText.escape(source.toString()), io)
                    : (RuntimeException) e;
        }
    }

    /** Directory entries the copy refuses (symlinks, special files); the caller turns them into a verdict. */
    static final class RefusedEntries extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient List<dev.safeload.api.Rejection> rejections;

        RefusedEntries(List<dev.safeload.api.Rejection> rejections) {
            super(rejections.get(0).message(), null, false, false);
            this.rejections = List.copyOf(rejections);
        }
    }

    private static Map<HashAlgorithm, byte[]> copyFile(Path from, Path to) throws IOException {
        try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                     LinkOption.NOFOLLOW_LINKS)) {
            return Digests.copy(in, out, EnumSet.of(HashAlgorithm.SHA256));
        }
    }

    /** Files 0400, directories 0500: nothing in the copy can be changed without first changing its mode. */
    private static void seal(Path top) throws IOException {
        if (!POSIX) {
            return;
        }
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-x------"));
                return FileVisitResult.CONTINUE;
            }
        });
    }

    Path path() {
        return path;
    }

    boolean isDirectory() {
        return directory;
    }

    Map<String, Map<HashAlgorithm, byte[]>> digests() {
        return digests;
    }

    /** Deletes the copy; safe to call more than once. */
    void delete() {
        deleteTree(folder);
    }

    private static void deleteTree(Path top) {
        if (!Files.exists(top, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(top)) {
            List<Path> all = paths.sorted(Comparator.reverseOrder()).toList();
            for (Path p : all) {
                if (POSIX && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
                }
            }
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the private copy " + top, e);
        }
    }
}
