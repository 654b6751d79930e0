package dev.safeload.internal.integrity;

import dev.safeload.api.Location;
import dev.safeload.api.Rejection;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.SafeText;
import dev.safeload.internal.Reject;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Lists the regular files of a model directory without following symlinks. Each file is named by its
 * {@code /}-separated path relative to the root. Ignored paths (and everything under an ignored directory) are
 * skipped without being opened. A symlink is a {@link RejectionCode#PATH_TRAVERSAL} rejection unless symlinks
 * are allowed, in which case the file it leads to is used (a symlinked directory is never entered); sockets,
 * devices and FIFOs are always rejected. The walk stops at {@code maxEntries}.
 *
 * <p>An allowed symlink into a Hugging Face cache's {@code blobs/} folder whose target is named by 64 hex digits
 * points at a Git LFS blob, which the hub names by the SHA-256 of its content: such names are collected in
 * {@link #contentAddressed()} so that the content can be checked against them.
 *
 * @param files relative name to the path whose bytes are the file (the target, for an allowed symlink)
 * @param ignored relative names skipped, in walk order
 * @param rejections symlinks and special files found
 * @param contentAddressed relative name to the lower-case SHA-256 hex its cache blob is named by
 */
public record DirectoryWalk(SortedMap<String, Path> files, List<String> ignored, List<Rejection> rejections,
                            SortedMap<String, String> contentAddressed) {

    private static final java.util.regex.Pattern SHA256_HEX = java.util.regex.Pattern.compile("[0-9a-f]{64}");

    public static DirectoryWalk of(Path root, Predicate<String> ignore, boolean allowSymlinks, long maxEntries)
            throws IOException {
        SortedMap<String, Path> files = new TreeMap<>();
        SortedMap<String, String> contentAddressed = new TreeMap<>();
        List<String> ignored = new ArrayList<>();
        List<Rejection> rejections = new ArrayList<>();
        long[] entries = {0};
        Files.walkFileTree(root, EnumSet.noneOf(java.nio.file.FileVisitOption.class), Integer.MAX_VALUE,
                new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                        count();
                        if (dir.equals(root)) {
                            return FileVisitResult.CONTINUE;
                        }
                        String name = relative(root, dir);
                        if (ignore.test(name) || ignore.test(name + "/")) {
                            ignored.add(name + "/");
                            return FileVisitResult.SKIP_SUBTREE;
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                        count();
                        String name = relative(root, file);
                        if (ignore.test(name)) {
                            ignored.add(name);
                        } else if (attrs.isRegularFile()) {
                            files.put(name, file);
                        } else if (attrs.isSymbolicLink()) {
                            symlink(file, name);
                        } else {
                            rejections.add(Rejection.of(RejectionCode.PATH_TRAVERSAL, "model file "
                                    + SafeText.escape(name) + " is not a regular file (a device, FIFO or socket)",
                                    Location.entry(name)));
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                        throw e;
                    }

                    private void symlink(Path file, String name) throws IOException {
                        if (!allowSymlinks) {
                            rejections.add(Rejection.of(RejectionCode.PATH_TRAVERSAL, "model file "
                                    + SafeText.escape(name) + " is a symlink; symlinks are refused unless allowed",
                                    Location.entry(name)));
                            return;
                        }
                        Path target = file.toRealPath();
                        if (!Files.isRegularFile(target)) {
                            rejections.add(Rejection.of(RejectionCode.PATH_TRAVERSAL, "model file "
                                    + SafeText.escape(name) + " is a symlink to something other than a regular file",
                                    Location.entry(name)));
                            return;
                        }
                        files.put(name, target);
                        Path parent = target.getParent();
                        String blob = target.getFileName().toString();
                        if (parent != null && parent.getFileName() != null
                                && parent.getFileName().toString().equals("blobs")
                                && SHA256_HEX.matcher(blob).matches()) {
                            contentAddressed.put(name, blob);
                        }
                    }

                    private void count() {
                        Reject.checkLimit("maxDirectoryFiles", ++entries[0], maxEntries, Location.NONE);
                    }
                });
        return new DirectoryWalk(files, List.copyOf(ignored), List.copyOf(rejections), contentAddressed);
    }

    static String relative(Path root, Path file) {
        Path rel = root.relativize(file);
        StringBuilder name = new StringBuilder();
        for (Path part : rel) {
            if (name.length() > 0) {
                name.append('/');
            }
            name.append(part);
        }
        return name.toString();
    }
}
