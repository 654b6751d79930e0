package dev.safeload.internal.modelsigning;

import dev.safeload.api.Location;
import dev.safeload.api.Provenance;
import dev.safeload.api.Rejection;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.SafeText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.Blake2bDigest;
import org.bouncycastle.crypto.digests.Blake3Digest;

/**
 * The in-toto statement of a model-signing bundle whose signature verified against configured trust: what was
 * signed, who signed it, and {@link #checkFiles(ModelFiles)} to compare it with the model on disk.
 *
 * <p>Immutable and thread-safe; {@link #checkFiles(ModelFiles)} reads files and keeps no state.
 */
public final class VerifiedStatement {

    /** Paths the reference always ignores on verify ({@code hashing.Config}, {@code ignore_git_paths=True}). */
    public static final List<String> GIT_PATHS = List.of(".git", ".gitattributes", ".github", ".gitignore");

    /** The most rejections {@link #checkFiles(ModelFiles)} lists; the last one then counts the rest. */
    public static final int MAX_REJECTIONS = 100;

    private static final int BUFFER = 1 << 16;

    private final Statement statement;
    private final Provenance.SignatureInfo signer;

    VerifiedStatement(Statement statement, Provenance.SignatureInfo signer) {
        this.statement = statement;
        this.signer = signer;
    }

    /** {@return who signed, with which algorithm, and what the signature covers} */
    public Provenance.SignatureInfo signer() {
        return signer;
    }

    /** {@return the signed {@code ignore_paths}, as written (the caller adds the git paths and the signature file)} */
    public List<String> ignorePaths() {
        return statement.ignorePaths();
    }

    /** {@return the signed {@code allow_symlinks}: whether the signer hashed symlink targets as files} */
    public boolean allowSymlinks() {
        return statement.allowSymlinks();
    }

    /** {@return the per-file hash: {@code sha256}, {@code blake2b} (BLAKE2b-512) or {@code blake3} (256 bits)} */
    public String hashType() {
        return statement.hashType();
    }

    /** {@return the serialization method: {@code files} or {@code shards}} */
    public String method() {
        return statement.method();
    }

    /** {@return whether the signature covers a single file (its resource is named {@code "."}) rather than a directory} */
    public boolean singleFile() {
        return statement.singleFile();
    }

    /** {@return the subject's name, as signed but informational (the reference ignores it), escaped} */
    public String subjectName() {
        return SafeText.escape(statement.subjectName());
    }

    /** {@return the shard size, or 0 in files mode} */
    public long shardSize() {
        return statement.shardSize();
    }

    /**
     * Builds the filter for a directory walk: true for a path the signature does not cover on purpose.
     *
     * <p>A relative POSIX path is ignored when it equals an entry of {@code ignorePaths} or of {@link #GIT_PATHS}, or
     * lies under one as a directory ({@code entry + "/"} is a prefix). A trailing {@code /} on an entry is dropped.
     * Entries are relative to the model root, as the reference stores them, so {@code .git} ignores the top-level
     * {@code .git} directory and not {@code sub/.git}.
     *
     * @param ignorePaths typically {@link #ignorePaths()} plus the signature file's own relative path
     * @return the matcher
     * @throws IllegalArgumentException if an entry is empty, absolute, or has a {@code .} or {@code ..} segment,
     *     a backslash or a NUL (so an entry can never ignore the whole model)
     */
    public static Predicate<String> ignoreMatcher(List<String> ignorePaths) {
        List<String> entries = new ArrayList<>(GIT_PATHS);
        for (String path : List.copyOf(ignorePaths)) {
            String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
            if (!Statement.isRelativePath(trimmed)) {
                throw new IllegalArgumentException("not a relative path inside the model: " + SafeText.escape(path));
            }
            entries.add(trimmed);
        }
        List<String> frozen = List.copyOf(entries);
        return name -> {
            for (String entry : frozen) {
                if (name.equals(entry) || (name.startsWith(entry) && name.length() > entry.length()
                        && name.charAt(entry.length()) == '/')) {
                    return true;
                }
            }
            return false;
        };
    }

    /**
     * Compares the model on disk with the signed digests.
     *
     * <ul>
     *   <li>files mode with sha256 uses {@link ModelFiles#sha256(String)} when present and reads nothing; other
     *       hashes read each file once, in {@value #BUFFER}-byte chunks.</li>
     *   <li>shards mode requires the file's size to equal the end of its last signed shard and hashes each
     *       {@code [start, end)} range. An empty file has no shard, as the reference writes it, so an empty file
     *       on disk is accepted in shards mode without being covered.</li>
     *   <li>If {@link #allowSymlinks()} is false, a symbolic link among the files is {@code PATH_TRAVERSAL} and
     *       files are opened without following links.</li>
     * </ul>
     * A digest that differs is {@code HASH_MISMATCH}; a file on disk the signature does not cover, or a covered
     * file that is absent, is {@code HASH_MISSING}. Rejections come in path order, at most {@value #MAX_REJECTIONS}.
     * Digests are compared in constant time.
     *
     * @param files the model's files, already filtered with {@link #ignoreMatcher(List)}; never {@code null}
     * @return the problems; empty when the model matches the signature exactly
     * @throws UncheckedIOException if a listed file cannot be read
     */
    public List<Rejection> checkFiles(ModelFiles files) {
        Objects.requireNonNull(files, "files");
        SortedMap<String, Path> onDisk = files.files();
        Map<String, List<Statement.Resource>> signed = new TreeMap<>();
        for (Statement.Resource resource : statement.resources()) {
            signed.computeIfAbsent(resource.path(), p -> new ArrayList<>()).add(resource);
        }
        TreeSet<String> names = new TreeSet<>(onDisk.keySet());
        names.addAll(signed.keySet());
        List<Rejection> problems = new ArrayList<>();
        int total = 0;
        RejectionCode firstDropped = null;
        for (String name : names) {
            Path path = onDisk.get(name);
            List<Statement.Resource> resources = signed.get(name);
            Optional<Rejection> problem = path == null
                    ? Optional.of(Rejection.of(RejectionCode.HASH_MISSING,
                            "signed file missing: '" + label(name) + "' is covered by the signature but absent",
                            Location.entry(label(name))))
                    : check(name, path, resources, files);
            if (problem.isPresent()) {
                total++;
                if (problems.size() < MAX_REJECTIONS - 1) {
                    problems.add(problem.get());
                } else if (firstDropped == null) {
                    firstDropped = problem.get().code();
                }
            }
        }
        if (firstDropped != null) {
            problems.add(Rejection.of(firstDropped,
                    (total - MAX_REJECTIONS + 1) + " more file(s) do not match the signature"));
        }
        return List.copyOf(problems);
    }

    private String label(String name) {
        return name.equals(".") ? SafeText.escape(statement.subjectName()) : SafeText.escape(name);
    }

    private Optional<Rejection> check(String name, Path path, List<Statement.Resource> resources, ModelFiles files) {
        Location where = Location.entry(label(name));
        boolean symlink = Files.isSymbolicLink(path);
        if (symlink && !statement.allowSymlinks()) {
            return Optional.of(Rejection.of(RejectionCode.PATH_TRAVERSAL, "'" + label(name)
                    + "' is a symbolic link, and the signature does not allow symlinks", where));
        }
        try {
            if (resources == null) {
                if (statement.method().equals(Statement.SHARDS) && !symlink && Files.size(path) == 0) {
                    return Optional.empty(); // the reference writes no shard for an empty file
                }
                return Optional.of(Rejection.of(RejectionCode.HASH_MISSING,
                        "'" + label(name) + "' is not covered by the signature", where));
            }
            if (statement.method().equals(Statement.FILES)) {
                Statement.Resource resource = resources.get(0);
                Optional<byte[]> known = statement.hashType().equals("sha256") ? files.sha256(name) : Optional.empty();
                byte[] actual = known.isPresent() ? known.get() : digest(path, 0, Long.MAX_VALUE);
                return MessageDigest.isEqual(actual, resource.digest()) ? Optional.empty()
                        : Optional.of(mismatch(name, "its " + statement.hashType() + " digest differs from the signed one", where));
            }
            resources = new ArrayList<>(resources);
            resources.sort((a, b) -> Long.compare(a.start(), b.start()));
            long signedSize = resources.get(resources.size() - 1).end();
            long size = Files.size(path);
            if (size != signedSize) {
                return Optional.of(mismatch(name, "it has " + size + " bytes; the signed shards cover " + signedSize, where));
            }
            for (Statement.Resource shard : resources) {
                byte[] actual = digest(path, shard.start(), shard.end());
                if (!MessageDigest.isEqual(actual, shard.digest())) {
                    return Optional.of(mismatch(name, "bytes " + shard.start() + " to " + shard.end()
                            + " differ from the signed shard", Location.at(label(name), shard.start())));
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    private Rejection mismatch(String name, String why, Location where) {
        return Rejection.of(RejectionCode.HASH_MISMATCH, "'" + label(name) + "' does not match the signature: " + why,
                where);
    }

    /** Hashes {@code [start, end)} of a file (to its end if shorter), with bounded memory. */
    private byte[] digest(Path path, long start, long end) throws IOException {
        Digest digest = newDigest(statement.hashType());
        OpenOption[] options = statement.allowSymlinks()
                ? new OpenOption[] {StandardOpenOption.READ}
                : new OpenOption[] {StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS};
        try (FileChannel channel = FileChannel.open(path, options)) {
            ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
            long position = start;
            while (position < end) {
                buffer.clear();
                buffer.limit((int) Math.min(BUFFER, end - position));
                int n = channel.read(buffer, position);
                if (n < 0) {
                    break;
                }
                digest.update(buffer.array(), 0, n);
                position += n;
            }
        }
        byte[] out = new byte[digest.getDigestSize()];
        digest.doFinal(out, 0);
        return out;
    }

    /** The per-file hash; SHA-256 goes through the JDK (its intrinsic is several times faster than BC's). */
    private static Digest newDigest(String hashType) {
        return switch (hashType) {
            case "sha256" -> new JdkSha256();
            case "blake2b" -> new Blake2bDigest(512);
            case "blake3" -> new Blake3Digest(256);
            default -> throw new IllegalStateException("unchecked hash type " + hashType);
        };
    }

    /** The JDK's SHA-256 behind Bouncy Castle's lightweight {@link Digest} interface. */
    private static final class JdkSha256 implements Digest {
        private final MessageDigest sha = Crypto.newSha256();

        @Override
        public String getAlgorithmName() {
            return "SHA-256";
        }

        @Override
        public int getDigestSize() {
            return 32;
        }

        @Override
        public void update(byte in) {
            sha.update(in);
        }

        @Override
        public void update(byte[] in, int offset, int length) {
            sha.update(in, offset, length);
        }

        @Override
        public int doFinal(byte[] out, int offset) {
            byte[] result = sha.digest();
            System.arraycopy(result, 0, out, offset, result.length);
            return result.length;
        }

        @Override
        public void reset() {
            sha.reset();
        }
    }

    @Override
    public String toString() {
        return "VerifiedStatement[" + statement.method() + "/" + statement.hashType() + ", "
                + statement.resources().size() + " resource(s), signer " + signer.signer() + "]";
    }
}
