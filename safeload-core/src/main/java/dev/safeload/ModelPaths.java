package dev.safeload;

import dev.safeload.api.Location;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.SafeText;
import dev.safeload.internal.Reject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Resolves untrusted model names inside a root, by path components and real paths, never string prefixes. */
final class ModelPaths {

    private ModelPaths() {
    }

    /**
     * @param root the real path of the model root
     * @param name an untrusted relative name
     * @return the real path of the model, inside the root
     * @throws Reject PATH_TRAVERSAL if the name could escape the root
     * @throws UncheckedIOException if the file does not exist or cannot be resolved
     */
    static Path resolveInside(Path root, String name) {
        String escaped = SafeText.escape(name);
        if (name.isEmpty()) {
            throw traversal("empty model name");
        }
        if (name.indexOf('\0') >= 0) {
            throw traversal("model name contains a NUL byte: " + escaped);
        }
        if (name.indexOf('\\') >= 0) {
            throw traversal("model name contains a backslash: " + escaped);
        }
        if (name.startsWith("/") || (name.length() >= 2 && name.charAt(1) == ':')) {
            throw traversal("model name is absolute: " + escaped);
        }
        for (String segment : name.split("/", -1)) {
            if (segment.equals("..")) {
                throw traversal("model name has a '..' segment: " + escaped);
            }
        }
        Path candidate;
        try {
            Path relative = root.getFileSystem().getPath(name);
            if (relative.isAbsolute()) {
                throw traversal("model name is absolute: " + escaped);
            }
            candidate = root.resolve(relative).normalize();
        } catch (InvalidPathException e) {
            throw traversal("model name is not a valid path: " + escaped);
        }
        if (!candidate.startsWith(root)) {
            throw traversal("model name resolves outside the model root: " + escaped);
        }
        Path real;
        try {
            real = candidate.toRealPath();
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("no model named " + escaped, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve model " + escaped, e);
        }
        if (!real.startsWith(root)) {
            throw traversal("model name leads outside the model root through a symbolic link: " + escaped);
        }
        return real;
    }

    private static Reject traversal(String message) {
        return Reject.of(RejectionCode.PATH_TRAVERSAL, message, Location.NONE);
    }
}
