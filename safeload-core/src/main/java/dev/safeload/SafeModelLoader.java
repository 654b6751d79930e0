package dev.safeload;

import dev.safeload.api.Location;
import dev.safeload.api.ModelFormat;
import dev.safeload.api.ModelMetadata;
import dev.safeload.api.Provenance;
import dev.safeload.api.Rejection;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.SafeText;
import dev.safeload.api.VerificationLimits;
import dev.safeload.api.VerificationReport;
import dev.safeload.api.VerificationResult;
import dev.safeload.api.tree.MetadataNode;
import dev.safeload.internal.FormatDetector;
import dev.safeload.internal.Reject;
import dev.safeload.internal.TensorConsistencyVerifier;
import dev.safeload.internal.TreeWalk;
import dev.safeload.internal.integrity.HashAlgorithm;
import dev.safeload.internal.integrity.HashPin;
import dev.safeload.internal.integrity.IntegrityCheck;
import dev.safeload.internal.integrity.IntegrityPolicy;
import dev.safeload.internal.io.ByteSource;
import dev.safeload.internal.modelsigning.KeylessIdentity;
import dev.safeload.internal.modelsigning.ModelSigningTrust;
import dev.safeload.internal.modelsigning.SigstoreTrustedRoot;
import dev.safeload.internal.signing.Pem;
import dev.safeload.internal.signing.SignatureTrust;
import dev.safeload.internal.pickle.Allowlist;
import dev.safeload.internal.safetensors.SafetensorsParser;
import dev.safeload.internal.torch.LegacyTorchParser;
import dev.safeload.internal.torch.PlainPickleParser;
import dev.safeload.internal.torch.TorchZipParser;
import dev.safeload.internal.torchscript.TorchScriptOpPolicy;
import dev.safeload.internal.torchscript.TorchScriptParser;
import dev.safeload.spi.VerificationContext;
import dev.safeload.spi.Verifier;
import dev.safeload.spi.VerifierResult;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Vets a model file before anything loads it: returns the validated tensor-metadata tree, or typed
 * rejections. Nothing from the model is ever executed, imported or deserialized into live objects.
 *
 * <h2>What a verification does</h2>
 * <ol>
 *   <li>{@link Verifier.Phase#SOURCE SOURCE}-phase verifiers see the raw bytes (user rules; hash pins and
 *       signatures in later versions).</li>
 *   <li>The format is detected from the content, never the file name, and parsed without executing
 *       anything: {@code torch.save} zip archives (a strict zip container check, then {@code data.pkl}
 *       simulated by an opcode machine with an exact allowlist of globals), TorchScript archives
 *       ({@code torch.jit.save}: the same checks, plus a static scan of their code for the operators it names,
 *       checked against an operator policy, see {@link Builder#allowTorchScriptOp(String)}, and for load-time
 *       code in {@code __setstate__}), legacy non-zip {@code torch.save} files (the same machine over the
 *       stacked pickles, then the storage section), plain pickle files (data, and tensors whose storages are
 *       nested legacy files), and safetensors (a strictly parsed JSON header and the data layout). Every
 *       other format is rejected as {@link RejectionCode#UNSUPPORTED_FORMAT} with the detected kind.</li>
 *   <li>{@link Verifier.Phase#METADATA METADATA}-phase verifiers check the tree: the built-in tensor
 *       consistency check first, then user rules.</li>
 * </ol>
 * Every verification logs one audit event on the SLF4J logger {@code dev.safeload.audit}.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Immutable and thread-safe once built; share one instance.</li>
 *   <li>Any content gives a {@link VerificationResult}: hostile input is a rejection, never an exception,
 *       and work and memory are bounded by {@link VerificationLimits}.</li>
 *   <li>Fails closed: a verifier that throws becomes a {@link RejectionCode#VERIFIER_FAILED} rejection.</li>
 *   <li>Exceptions are thrown only for caller errors and for I/O failures reading the model
 *       ({@link UncheckedIOException}).</li>
 * </ul>
 *
 * <pre>{@code
 * SafeModelLoader loader = SafeModelLoader.builder()
 *         .limits(VerificationLimits.builder().maxTensors(100_000).build())
 *         .addVerifier(new NoFloat64Rule())
 *         .build();
 * VerificationResult result = loader.verify(Path.of("model.pt"));
 * if (!result.isVerified()) {
 *     throw new IllegalStateException(result.rejections().toString());
 * }
 * }</pre>
 *
 * @since 0.1
 */
public final class SafeModelLoader {

    private static final Logger AUDIT = LoggerFactory.getLogger("dev.safeload.audit");
    private static final Logger LOG = LoggerFactory.getLogger(SafeModelLoader.class);
    private static final int IN_MEMORY_STREAM_LIMIT = 64 << 20;
    /** The first entries of {@link #metadataVerifiers} are safeload's own per-file checks. */
    private static final int BUILT_IN_METADATA_VERIFIERS = 1;

    private final VerificationLimits limits;
    private final Allowlist allowlist;
    private final Allowlist plainPickleAllowlist;
    private final List<Verifier> sourceVerifiers;
    private final List<Verifier> metadataVerifiers;
    private final Path modelRoot;
    private final boolean verifyCrc;
    private final TorchScriptOpPolicy operatorPolicy;
    private final IntegrityCheck integrity;
    private final int hashingThreads;
    private final Path copyDirectory;

    private SafeModelLoader(Builder builder, List<String[]> userGlobals, Path modelRoot,
                            TorchScriptOpPolicy operatorPolicy, IntegrityPolicy integrityPolicy) {
        this.limits = builder.limits;
        this.allowlist = userGlobals.isEmpty() ? Allowlist.torchDefaults() : Allowlist.torchDefaultsPlus(userGlobals);
        this.plainPickleAllowlist = Allowlist.plainPickle(userGlobals);
        this.operatorPolicy = operatorPolicy;
        this.modelRoot = modelRoot;
        this.verifyCrc = builder.verifyCrc;
        this.integrity = new IntegrityCheck(integrityPolicy, limits);
        this.hashingThreads = builder.hashingThreads;
        this.copyDirectory = builder.copyDirectory;
        List<Verifier> source = new ArrayList<>();
        List<Verifier> metadata = new ArrayList<>();
        metadata.add(new TensorConsistencyVerifier());
        for (Verifier verifier : builder.verifiers) {
            (verifier.phase() == Verifier.Phase.SOURCE ? source : metadata).add(verifier);
        }
        this.sourceVerifiers = List.copyOf(source);
        this.metadataVerifiers = List.copyOf(metadata);
    }

    /** {@return a builder with default limits, the default allowlist and no extra verifiers} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a loader with every default} */
    public static SafeModelLoader withDefaults() {
        return builder().build();
    }

    /** {@return the limits in force} */
    public VerificationLimits limits() {
        return limits;
    }

    /**
     * Verifies a model file, or a model directory as one unit. A file's signature, where signatures are
     * required, is {@code <file>.sig} or {@code <file>.asc} next to it; a directory's is {@code model.sig} inside it.
     *
     * @param path the file (its content decides the format) or directory
     * @return the verdict; never {@code null}
     * @throws UncheckedIOException if the model cannot be read
     */
    public VerificationResult verify(Path path) {
        return verify(path, null);
    }

    /**
     * Verifies a model file or directory against the detached signature or model-signing bundle given.
     *
     * @param path the model file or directory
     * @param signature the signature file, or {@code null} to look for one next to the model
     * @return the verdict; never {@code null}
     * @throws UncheckedIOException if the model or the signature cannot be read
     * @throws IllegalStateException if a signature is given but the loader trusts no keys
     */
    public VerificationResult verify(Path path, Path signature) {
        Objects.requireNonNull(path, "path");
        if (signature != null && !integrity.policy().signaturesRequired()) {
            throw new IllegalStateException("a signature was given, but the loader trusts no keys: configure"
                    + " trustPublicKey, trustOpenPgpKeyring or trustAnchor");
        }
        if (Files.isDirectory(path)) {
            return verifyDirectory(path, path.toString(), signature, Map.of());
        }
        return verifyFile(path, path.toString(), List.of(), signature, Map.of());
    }

    /**
     * Copies a model file or directory into a private, read-only folder, hashing each byte as it is copied,
     * and verifies the copy. The handle hands on exactly the bytes that were verified: replacing or editing the
     * original afterwards changes nothing. Costs one copy of the model on the temporary file system (about the
     * speed of hashing it) and its disk space until the handle is closed.
     *
     * @param path the model file or directory
     * @param signature its signature, or {@code null} to look for one next to the original
     * @return the handle; close it to delete the copy
     * @throws UncheckedIOException if the model cannot be read or the copy cannot be written
     */
    public VerifiedModel openVerified(Path path, Path signature) {
        Objects.requireNonNull(path, "path");
        Path discovered = signature;
        if (discovered == null && Files.isDirectory(path)) {
            Path bundle = path.resolve(IntegrityCheck.MODEL_SIGNING_FILE);
            discovered = Files.isRegularFile(bundle) ? bundle : null;
        } else if (discovered == null) {
            discovered = IntegrityCheck.discoverSignature(path);
        }
        if (discovered != null && !integrity.policy().signaturesRequired()) {
            discovered = null;
        }
        List<String> leaveOut = new ArrayList<>(integrity.policy().ignorePaths());
        if (discovered != null && Files.isDirectory(path)
                && discovered.toAbsolutePath().normalize().startsWith(path.toAbsolutePath().normalize())) {
            leaveOut.add(path.toAbsolutePath().normalize().relativize(discovered.toAbsolutePath().normalize())
                    .toString().replace(java.io.File.separatorChar, '/'));
        }
        long start = System.nanoTime();
        PrivateCopy copy;
        try {
            copy = PrivateCopy.of(path, copyDirectory, leaveOut, integrity.policy().allowSymlinks(),
                    limits.maxDirectoryFiles());
        } catch (PrivateCopy.RefusedEntries refused) {
            VerificationResult result = rejected(refused.rejections, path.toString(), 0, ModelFormat.DIRECTORY,
                    List.of("private-copy"), List.of(), start, Provenance.none());
            audit(result);
            return new VerifiedModel(result, null);
        } catch (Reject reject) {
            VerificationResult result = rejected(List.of(reject.rejection()), path.toString(), 0,
                    ModelFormat.DIRECTORY, List.of("private-copy"), List.of(), start, Provenance.none());
            audit(result);
            return new VerifiedModel(result, null);
        }
        VerificationResult result;
        try {
            result = copy.isDirectory()
                    ? verifyDirectory(copy.path(), path.toString(), discovered, copy.digests())
                    : verifyFile(copy.path(), path.toString(), List.of("private-copy"), discovered,
                            copy.digests().getOrDefault(".", Map.of()));
        } catch (RuntimeException | Error e) {
            copy.delete();
            throw e;
        }
        return new VerifiedModel(result, copy);
    }

    /**
     * As {@link #openVerified(Path, Path)}, looking for the signature next to the model.
     *
     * @param path the model file or directory
     * @return the handle; close it to delete the copy
     */
    public VerifiedModel openVerified(Path path) {
        return openVerified(path, null);
    }

    /**
     * Verifies a model given by an untrusted name (from a request, a config or a registry), resolved inside
     * the configured {@linkplain Builder#modelRoot(Path) model root}. Names with {@code ..} segments,
     * absolute names, NUL bytes, and names whose real path (after following symlinks) leaves the root are
     * rejected as {@link RejectionCode#PATH_TRAVERSAL} before anything is opened.
     *
     * @param untrustedName a relative name such as {@code "resnet/v2/model.pt"}
     * @return the verdict; never {@code null}
     * @throws IllegalStateException if the loader has no model root
     * @throws UncheckedIOException if the resolved file cannot be read
     */
    public VerificationResult verifyModel(String untrustedName) {
        Objects.requireNonNull(untrustedName, "untrustedName");
        if (modelRoot == null) {
            throw new IllegalStateException("verifyModel needs a model root: SafeModelLoader.builder().modelRoot(...)");
        }
        long start = System.nanoTime();
        Path resolved;
        try {
            resolved = ModelPaths.resolveInside(modelRoot, untrustedName);
        } catch (Reject reject) {
            VerificationResult result = rejected(List.of(reject.rejection()), untrustedName, 0, ModelFormat.UNKNOWN,
                    List.of("path-guard"), List.of(), start, Provenance.none());
            audit(result);
            return result;
        }
        if (Files.isDirectory(resolved)) {
            return verifyDirectory(resolved, untrustedName, null, Map.of());
        }
        return verifyFile(resolved, untrustedName, List.of("path-guard"), null, Map.of());
    }

    /**
     * Verifies a model held in memory.
     *
     * @param content the model's bytes; not modified
     * @param name a name for reports and logs
     * @return the verdict; never {@code null}
     */
    public VerificationResult verify(byte[] content, String name) {
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(name, "name");
        if (integrity.policy().active()) {
            return spooled(new ByteArrayInputStream(content), new byte[0], name);
        }
        return verifySource(ByteSource.ofBytes(content), name, () -> new ByteArrayInputStream(content), List.of());
    }

    /**
     * Verifies a model read from a stream, which is read to its end but not closed. Streams larger than
     * 64 MiB are spooled to a private temporary file that is deleted afterwards.
     *
     * @param content the model's bytes
     * @param name a name for reports and logs
     * @return the verdict; never {@code null}
     * @throws UncheckedIOException if reading the stream or spooling it fails
     */
    public VerificationResult verify(InputStream content, String name) {
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(name, "name");
        try {
            byte[] head = content.readNBytes(IN_MEMORY_STREAM_LIMIT);
            if (head.length < IN_MEMORY_STREAM_LIMIT) {
                return verify(head, name);
            }
            return spooled(content, head, name);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model stream " + SafeText.escape(name), e);
        }
    }

    /** Spools to a private temporary file: pins need a file to hash, and large streams do not fit the heap. */
    private VerificationResult spooled(InputStream content, byte[] head, String name) {
        try {
            Path spool = Files.createTempFile("safeload-", ".model");
            try {
                try (var out = Files.newOutputStream(spool, StandardOpenOption.WRITE)) {
                    out.write(head);
                    content.transferTo(out);
                }
                return verifyFile(spool, name, List.of(), null, Map.of());
            } finally {
                Files.deleteIfExists(spool);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model stream " + SafeText.escape(name), e);
        }
    }

    private VerificationResult verifyFile(Path path, String name, List<String> alreadyRun, Path signature,
                                          Map<HashAlgorithm, byte[]> known) {
        long start = System.nanoTime();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteSource source = ByteSource.map(channel);
            ContentOpener opener = () -> {
                try {
                    return Files.newInputStream(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            };
            IntegrityCheck.Outcome checked;
            List<String> ran = new ArrayList<>(alreadyRun);
            try {
                if (integrity.policy().active()) {
                    ran.add("integrity");
                }
                checked = integrity.checkFile(path, channel, name, signature, known);
            } catch (Reject reject) {
                VerificationResult result = rejected(List.of(reject.rejection()), name, source.size(),
                        ModelFormat.UNKNOWN, ran, List.of(), start, Provenance.none());
                audit(result);
                return result;
            }
            if (!checked.rejections().isEmpty()) {
                ModelFormat format = FormatDetector.detect(source);
                VerificationResult result = rejected(checked.rejections(), name, source.size(), format, ran,
                        checked.notes(), start, checked.provenance());
                audit(result);
                return result;
            }
            return verifySource(source, name, opener, ran, checked.notes(), checked.provenance(), start);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model " + SafeText.escape(name), e);
        }
    }

    private VerificationResult verifyDirectory(Path root, String name, Path signature,
                                               Map<String, Map<HashAlgorithm, byte[]>> known) {
        long start = System.nanoTime();
        List<String> ran = new ArrayList<>(List.of("directory-walk"));
        if (integrity.policy().active()) {
            ran.add("integrity");
        }
        VerificationResult result;
        try {
            IntegrityCheck.Outcome checked = integrity.checkDirectory(root, signature, hashingThreads, known);
            if (!checked.rejections().isEmpty()) {
                result = rejected(checked.rejections(), name, 0, ModelFormat.DIRECTORY, ran, checked.notes(), start,
                        checked.provenance());
            } else {
                result = new DirectoryVetting(this, root, name, checked, ran, start).run();
            }
        } catch (Reject reject) {
            result = rejected(List.of(reject.rejection()), name, 0, ModelFormat.DIRECTORY, ran, List.of(), start,
                    Provenance.none());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model directory " + SafeText.escape(name), e);
        }
        audit(result);
        return result;
    }

    @FunctionalInterface
    private interface ContentOpener {
        InputStream open();
    }

    private VerificationResult verifySource(ByteSource source, String name, ContentOpener opener,
                                            List<String> alreadyRun) {
        return verifySource(source, name, opener, alreadyRun, List.of(), Provenance.none(), System.nanoTime());
    }

    private VerificationResult verifySource(ByteSource source, String name, ContentOpener opener,
                                            List<String> alreadyRun, List<String> integrityNotes,
                                            Provenance provenance, long start) {
        List<String> ran = new ArrayList<>(alreadyRun);
        List<String> notes = new ArrayList<>(integrityNotes);
        ModelFormat format = ModelFormat.UNKNOWN;
        VerificationResult result;
        try {
            format = FormatDetector.detect(source);
            Context context = new Context(name, source.size(), format, limits, opener, null);
            List<Rejection> rejections = runAll(sourceVerifiers, context, ran);
            if (!rejections.isEmpty()) {
                result = rejected(rejections, name, source.size(), format, ran, notes, start, provenance);
            } else {
                ran.add("format-detection");
                TorchZipParser zip = null;
                if (format == ModelFormat.ZIP) {
                    zip = new TorchZipParser(source, limits, allowlist, verifyCrc);
                    format = zip.classify();
                }
                noteNameMismatch(name, format, notes);
                TorchZipParser.Parsed parsed = parse(source, zip, format, ran, notes);
                MetadataNode root = parsed.root();
                ModelMetadata metadata = new ModelMetadata(format, root, TreeWalk.summarize(root, parsed.tensorCount()),
                        parsed.operators());
                Context withMetadata = new Context(name, source.size(), format, limits, opener, metadata);
                rejections = runAll(metadataVerifiers, withMetadata, ran);
                result = rejections.isEmpty()
                        ? new VerificationResult.Verified(metadata,
                                report(name, source.size(), format, ran, notes, start, provenance))
                        : rejected(rejections, name, source.size(), format, ran, notes, start, provenance);
            }
        } catch (Reject reject) {
            result = rejected(List.of(reject.rejection()), name, source.size(), format, ran, notes, start, provenance);
        }
        audit(result);
        return result;
    }

    /**
     * One file of a model directory, vetted like a model file of its own (source rules, parsing, the tensor
     * consistency check), without the directory-level rules that see the whole tree.
     *
     * @param format the detected format
     * @param metadata the file's validated metadata, or {@code null} if it was rejected or holds no model format
     * @param rejections why it was rejected
     * @param notes observations
     * @param size the file's size
     */
    record FileVet(ModelFormat format, ModelMetadata metadata, List<Rejection> rejections, List<String> notes,
                   long size) {
        boolean modelFormat() {
            return format != ModelFormat.UNKNOWN && format != ModelFormat.EMPTY;
        }
    }

    FileVet vetFile(Path file, String relativeName) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteSource source = ByteSource.map(channel);
            ModelFormat format = FormatDetector.detect(source);
            List<String> notes = new ArrayList<>();
            if (format == ModelFormat.UNKNOWN || format == ModelFormat.EMPTY) {
                return new FileVet(format, null, List.of(), notes, source.size());
            }
            ContentOpener opener = () -> {
                try {
                    return Files.newInputStream(file);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            };
            List<String> ran = new ArrayList<>();
            try {
                List<Rejection> rejections = runAll(sourceVerifiers,
                        new Context(relativeName, source.size(), format, limits, opener, null), ran);
                if (!rejections.isEmpty()) {
                    return new FileVet(format, null, rejections, notes, source.size());
                }
                TorchZipParser zip = null;
                if (format == ModelFormat.ZIP) {
                    zip = new TorchZipParser(source, limits, allowlist, verifyCrc);
                    format = zip.classify();
                }
                noteNameMismatch(relativeName, format, notes);
                TorchZipParser.Parsed parsed = parse(source, zip, format, ran, notes);
                ModelMetadata metadata = new ModelMetadata(format, parsed.root(),
                        TreeWalk.summarize(parsed.root(), parsed.tensorCount()), parsed.operators());
                rejections = runAll(metadataVerifiers.subList(0, BUILT_IN_METADATA_VERIFIERS),
                        new Context(relativeName, source.size(), format, limits, opener, metadata), ran);
                return new FileVet(format, rejections.isEmpty() ? metadata : null, rejections, notes, source.size());
            } catch (Reject reject) {
                return new FileVet(format, null, List.of(reject.rejection()), notes, source.size());
            }
        }
    }

    /** Directory-level rules: the user's METADATA verifiers, which see every file's tree at once. */
    List<Rejection> runDirectoryVerifiers(String name, long size, ModelMetadata metadata, List<String> ran) {
        ContentOpener none = () -> {
            throw new IllegalStateException("a model directory has no single content stream; read its files");
        };
        return runAll(metadataVerifiers.subList(BUILT_IN_METADATA_VERIFIERS, metadataVerifiers.size()),
                new Context(name, size, ModelFormat.DIRECTORY, limits, none, metadata), ran);
    }

    int hashingThreads() {
        return hashingThreads;
    }

    IntegrityCheck integrity() {
        return integrity;
    }

    /** Parses by detected format; every format not vetted yet is rejected, naming what it is. */
    private TorchZipParser.Parsed parse(ByteSource source, TorchZipParser zip, ModelFormat format, List<String> ran,
                                        List<String> notes) {
        switch (format) {
            case TORCH_ZIP -> {
                ran.add("torch-zip-container");
                ran.add("pickle-allowlist");
                return zip.parse(notes);
            }
            case TORCHSCRIPT_ZIP -> {
                ran.add("torchscript-container");
                ran.add("torchscript-code-scan");
                ran.add("pickle-allowlist");
                TorchScriptParser.Parsed script = new TorchScriptParser(source, limits, operatorPolicy, verifyCrc)
                        .parse(notes);
                return new TorchZipParser.Parsed(format, script.root(), script.tensorCount(), script.operators());
            }
            case LEGACY_TORCH -> {
                ran.add("legacy-torch-layout");
                ran.add("pickle-allowlist");
                return new LegacyTorchParser(source, limits, allowlist).parse(notes);
            }
            case SAFETENSORS -> {
                ran.add("safetensors-header");
                SafetensorsParser.Parsed parsed = new SafetensorsParser(source, limits).parse();
                return new TorchZipParser.Parsed(ModelFormat.SAFETENSORS, parsed.root(), parsed.tensorCount());
            }
            case PICKLE -> {
                ran.add("plain-pickle");
                ran.add("pickle-allowlist");
                return new PlainPickleParser(source, limits, plainPickleAllowlist, allowlist).parse();
            }
            default -> throw unsupported(format);
        }
    }

    /** File names are never trusted, but a name that disagrees with the content is worth reporting. */
    private static void noteNameMismatch(String name, ModelFormat format, List<String> notes) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        String claimed = null;
        if (lower.endsWith(".safetensors")) {
            claimed = format == ModelFormat.SAFETENSORS ? null : "safetensors";
        } else if (lower.endsWith(".pkl") || lower.endsWith(".pickle")) {
            claimed = format == ModelFormat.PICKLE ? null : "a plain pickle";
        } else if (lower.endsWith(".pt") || lower.endsWith(".pth") || lower.endsWith(".ckpt")) {
            boolean torch = format == ModelFormat.TORCH_ZIP || format == ModelFormat.TORCHSCRIPT_ZIP
                    || format == ModelFormat.LEGACY_TORCH;
            claimed = torch ? null : "a torch.save file";
        } else if (lower.endsWith(".zip")) {
            claimed = format == ModelFormat.PICKLE || format == ModelFormat.LEGACY_TORCH ? "a zip archive" : null;
        }
        if (claimed != null) {
            notes.add("the name suggests " + claimed + " but the content is " + format + "; vetted by content");
        }
    }

    private static Reject unsupported(ModelFormat format) {
        String what = switch (format) {
            case TORCH_MOBILE_ZIP -> "a lite-interpreter (mobile) TorchScript archive";
            case TORCH_PACKAGE_ZIP -> "a torch.package archive, whose pickles import packaged code";
            case TORCH_PREVIEW -> "a PyTorch 1.0 preview file (PYTORCH1), which torch itself refuses";
            case ZIP -> "a zip archive that is not a torch.save checkpoint";
            case EMPTY -> "an empty file";
            case UNKNOWN -> "content of no known model format";
            default -> "not a format that safeload vets";
        };
        return Reject.of(RejectionCode.UNSUPPORTED_FORMAT, "format " + format + ": " + what, Location.NONE);
    }

    private static List<Rejection> runAll(List<Verifier> verifiers, Context context, List<String> ran) {
        List<Rejection> rejections = new ArrayList<>();
        for (Verifier verifier : verifiers) {
            String verifierName = nameOf(verifier);
            ran.add(verifierName);
            VerifierResult verdict;
            try {
                verdict = verifier.verify(context);
            } catch (Reject reject) {
                rejections.add(reject.rejection());
                continue;
            } catch (RuntimeException | StackOverflowError e) {
                rejections.add(Rejection.of(RejectionCode.VERIFIER_FAILED, "verifier " + SafeText.escape(verifierName)
                        + " threw " + e.getClass().getName() + ": " + SafeText.escape(String.valueOf(e.getMessage()))));
                continue;
            }
            if (verdict == null) {
                rejections.add(Rejection.of(RejectionCode.VERIFIER_FAILED,
                        "verifier " + SafeText.escape(verifierName) + " returned no verdict"));
            } else {
                rejections.addAll(verdict.rejections());
            }
        }
        return rejections;
    }

    private static String nameOf(Verifier verifier) {
        try {
            String name = verifier.name();
            return name != null ? name : verifier.getClass().getName();
        } catch (RuntimeException e) {
            return verifier.getClass().getName();
        }
    }

    static VerificationResult rejected(List<Rejection> rejections, String name, long size, ModelFormat format,
                                       List<String> ran, List<String> notes, long start, Provenance provenance) {
        return new VerificationResult.Rejected(rejections, report(name, size, format, ran, notes, start, provenance));
    }

    static VerificationReport report(String name, long size, ModelFormat format, List<String> ran,
                                     List<String> notes, long start, Provenance provenance) {
        return new VerificationReport(SafeText.escape(name), size, format, ran, notes,
                Duration.ofNanos(System.nanoTime() - start), provenance);
    }

    static void audit(VerificationResult result) {
        VerificationReport report = result.report();
        if (!AUDIT.isInfoEnabled()) {
            return;
        }
        String codes = result.rejections().stream().map(r -> r.code().value()).distinct()
                .collect(Collectors.joining(","));
        String signers = report.provenance().signatures().stream()
                .map(s -> s.kind() + ":" + SafeText.escape(s.signer())).collect(Collectors.joining(","));
        AUDIT.info("verify model=\"{}\" size={} format={} verdict={} codes=[{}] signers=[{}] millis={}",
                report.modelName(), report.sizeBytes(), report.format(),
                result.isVerified() ? "VERIFIED" : "REJECTED", codes, signers, report.elapsed().toMillis());
    }

    /** The per-verification view handed to verifiers. */
    private static final class Context implements VerificationContext {
        private final String name;
        private final long size;
        private final ModelFormat format;
        private final VerificationLimits limits;
        private final ContentOpener opener;
        private final ModelMetadata metadata;

        Context(String name, long size, ModelFormat format, VerificationLimits limits, ContentOpener opener,
                ModelMetadata metadata) {
            this.name = name;
            this.size = size;
            this.format = format;
            this.limits = limits;
            this.opener = opener;
            this.metadata = metadata;
        }

        @Override
        public String modelName() {
            return name;
        }

        @Override
        public long sizeBytes() {
            return size;
        }

        @Override
        public ModelFormat format() {
            return format;
        }

        @Override
        public VerificationLimits limits() {
            return limits;
        }

        @Override
        public InputStream openContent() {
            return opener.open();
        }

        @Override
        public ModelMetadata metadata() {
            if (metadata == null) {
                throw new IllegalStateException("metadata is not available in the SOURCE phase");
            }
            return metadata;
        }
    }

    /**
     * Configures a {@link SafeModelLoader}. Not thread-safe; {@link #build()} checks the whole
     * configuration and throws {@link IllegalArgumentException} or {@link IllegalStateException} naming the
     * problem, so a misconfigured loader never exists.
     *
     * @since 0.1
     */
    public static final class Builder {
        private VerificationLimits limits = VerificationLimits.defaults();
        private final List<Verifier> verifiers = new ArrayList<>();
        private final Set<List<String>> extraGlobals = new LinkedHashSet<>();
        private final Set<String> extraOperators = new LinkedHashSet<>();
        private Path modelRoot;
        private boolean verifyCrc = true;
        private final List<String[]> pins = new ArrayList<>();
        private final List<Path> pinFiles = new ArrayList<>();
        private final List<IntegrityPolicy.SignedPinFile> signedPinFiles = new ArrayList<>();
        private final List<Path> publicKeys = new ArrayList<>();
        private final List<Path> keyrings = new ArrayList<>();
        private final Set<String> pgpFingerprints = new LinkedHashSet<>();
        private final List<Path> trustAnchors = new ArrayList<>();
        private final Set<String> signerIdentities = new LinkedHashSet<>();
        private Path sigstoreRoot;
        private final List<String[]> keylessIdentities = new ArrayList<>();
        private final List<String> ignorePaths = new ArrayList<>();
        private boolean insecureAllowUnsigned;
        private boolean allowSymlinks;
        private int hashingThreads = Runtime.getRuntime().availableProcessors();
        private Path copyDirectory = Path.of(System.getProperty("java.io.tmpdir"));

        private Builder() {
        }

        /**
         * Pins the digest of the model file verified: every file this loader verifies must have it. Meant for a
         * loader that verifies one model; for several, name the file with {@link #pinDigest(String, String)}.
         *
         * @param hex a SHA-256 (64 hex digits) or SHA-512 (128) digest
         * @return this builder
         */
        public Builder pinDigest(String hex) {
            pins.add(new String[] {null, Objects.requireNonNull(hex, "hex")});
            return this;
        }

        /**
         * Pins the digest of one file by name: the model file's name, or a path relative to a model directory.
         * Once any pin is configured, every file verified must have one ({@code HASH_MISSING} otherwise).
         *
         * @param fileName for example {@code "model.safetensors"} or {@code "shards/model-00001.safetensors"}
         * @param hex a SHA-256 (64 hex digits) or SHA-512 (128) digest
         * @return this builder
         */
        public Builder pinDigest(String fileName, String hex) {
            pins.add(new String[] {Objects.requireNonNull(fileName, "fileName"), Objects.requireNonNull(hex, "hex")});
            return this;
        }

        /**
         * Adds a pin file, read again at every verification: {@code sha256sum}/{@code sha512sum} output, BSD-style
         * {@code SHA256 (name) = hex} lines, OpenSSL {@code dgst} output, or a Git LFS pointer (which pins the file
         * of its own name). A pin file that is missing or malformed when a model is verified rejects the model.
         *
         * @param pinFile the file
         * @return this builder
         */
        public Builder pinFile(Path pinFile) {
            pinFiles.add(Objects.requireNonNull(pinFile, "pinFile"));
            return this;
        }

        /**
         * Adds a pin file whose detached signature (OpenPGP or raw, by a key trusted for detached signatures)
         * must verify before its pins count. A file pinned by a signed pin file counts as signed.
         *
         * @param pinFile the pin file
         * @param signature its detached signature
         * @return this builder
         */
        public Builder signedPinFile(Path pinFile, Path signature) {
            signedPinFiles.add(new IntegrityPolicy.SignedPinFile(pinFile, signature));
            return this;
        }

        /**
         * Trusts the public keys in a PEM file ({@code BEGIN PUBLIC KEY}): ECDSA P-256/P-384 and RSA-PSS (2048 bits
         * or more) detached signatures over model files, Ed25519 signatures over a file's SHA-256 digest, and
         * OpenSSF model-signing bundles made with the key method (EC keys). Once any trust is configured, every
         * model must be signed.
         *
         * @param pemFile the PEM file
         * @return this builder
         */
        public Builder trustPublicKey(Path pemFile) {
            publicKeys.add(Objects.requireNonNull(pemFile, "pemFile"));
            return this;
        }

        /**
         * Trusts the OpenPGP certificates in a keyring (armored or binary) for detached {@code .asc}/{@code .sig}
         * signatures; narrow it with {@link #trustOpenPgpFingerprint(String)}.
         *
         * @param keyring the keyring file
         * @return this builder
         */
        public Builder trustOpenPgpKeyring(Path keyring) {
            keyrings.add(Objects.requireNonNull(keyring, "keyring"));
            return this;
        }

        /**
         * Trusts only the certificates of the configured keyrings with these full fingerprints (40 or 64 hex
         * digits; 64-bit key IDs are refused as too weak to pin).
         *
         * @param fingerprint the primary key's fingerprint
         * @return this builder
         */
        public Builder trustOpenPgpFingerprint(String fingerprint) {
            pgpFingerprints.add(Objects.requireNonNull(fingerprint, "fingerprint"));
            return this;
        }

        /**
         * Trusts certificate chains that lead to this anchor, for OpenSSF model-signing bundles made with the
         * certificate method.
         *
         * @param pemCertificates a PEM file holding one or more CA certificates
         * @return this builder
         */
        public Builder trustAnchor(Path pemCertificates) {
            trustAnchors.add(Objects.requireNonNull(pemCertificates, "pemCertificates"));
            return this;
        }

        /**
         * Accepts certificate-method model signatures only from this signer: the leaf certificate's subject
         * (RFC 2253, for example {@code "CN=release-bot,O=Acme"}) or one of its email or URI subject alternative
         * names, compared exactly. Without any, every leaf that chains to a trust anchor is accepted.
         *
         * @param identity the subject or alternative name
         * @return this builder
         */
        public Builder allowSignerIdentity(String identity) {
            signerIdentities.add(Objects.requireNonNull(identity, "identity"));
            return this;
        }

        /**
         * Trusts keyless (Sigstore) model-signing bundles, verified offline against this pinned Sigstore trusted
         * root ({@code trusted_root.json}: Fulcio CAs, Rekor and CT log keys): the Fulcio chain at the Rekor
         * integrated time, the certificate's embedded SCT, the Rekor signed entry timestamp, inclusion proof and
         * checkpoint, and the log entry against the bundle. Needs at least one
         * {@link #allowSigstoreIdentity(String, String)}: there is no "any signer" mode. Refreshing the root (TUF)
         * is the caller's job.
         *
         * @param trustedRootJson the trusted root, as {@code sigstore} clients store it
         * @return this builder
         */
        public Builder trustSigstoreRoot(Path trustedRootJson) {
            if (sigstoreRoot != null) {
                throw new IllegalStateException("trustSigstoreRoot was already given: " + sigstoreRoot);
            }
            this.sigstoreRoot = Objects.requireNonNull(trustedRootJson, "trustedRootJson");
            return this;
        }

        /**
         * Accepts keyless model signatures by this identity: the Fulcio certificate's email or URI subject
         * alternative name and the OIDC issuer that vouched for it, both compared exactly.
         *
         * @param san for example {@code "release@acme.example"} or a CI workflow URI
         * @param issuer for example {@code "https://token.actions.githubusercontent.com"}
         * @return this builder
         */
        public Builder allowSigstoreIdentity(String san, String issuer) {
            keylessIdentities.add(new String[] {Objects.requireNonNull(san, "san"),
                Objects.requireNonNull(issuer, "issuer")});
            return this;
        }

        /**
         * INSECURE: lets models without any signature pass although trust is configured (a signature that is
         * present must still verify). Every such pass is noted in the report and the audit log. Meant only for a
         * migration period.
         *
         * @return this builder
         */
        public Builder insecureAllowUnsigned() {
            this.insecureAllowUnsigned = true;
            return this;
        }

        /**
         * Skips a path when verifying a model directory, in addition to those a model-signing statement records:
         * a file, or a directory and everything under it, relative to the model directory.
         *
         * @param relativePath for example {@code "README.md"} or {@code ".cache/"}
         * @return this builder
         */
        public Builder ignorePath(String relativePath) {
            ignorePaths.add(Objects.requireNonNull(relativePath, "relativePath"));
            return this;
        }

        /**
         * Whether symlinks inside a model directory are followed to the regular files they lead to (off by
         * default: a symlink is {@code PATH_TRAVERSAL}). A model-signing statement that forbids symlinks wins.
         *
         * @param allow whether to follow
         * @return this builder
         */
        public Builder allowSymlinks(boolean allow) {
            this.allowSymlinks = allow;
            return this;
        }

        /**
         * Where {@link SafeModelLoader#openVerified(Path)} makes its private copies (default: {@code java.io.tmpdir}).
         * It must be writable by this process only, or at least not by whoever supplies models; a RAM-backed file
         * system ({@code /dev/shm}) makes the copy cheaper.
         *
         * @param directory an existing directory
         * @return this builder
         */
        public Builder copyDirectory(Path directory) {
            this.copyDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /**
         * How many threads hash and vet the files of a model directory (default: the available processors).
         *
         * @param threads at least 1
         * @return this builder
         */
        public Builder hashingThreads(int threads) {
            this.hashingThreads = threads;
            return this;
        }

        /** @param limits the resource limits @return this builder */
        public Builder limits(VerificationLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * Adds a rule. {@link Verifier.Phase#SOURCE} rules run before parsing, {@link Verifier.Phase#METADATA}
         * rules after the built-in checks, each in the order added.
         *
         * @param verifier the rule; must be thread-safe
         * @return this builder
         */
        public Builder addVerifier(Verifier verifier) {
            verifiers.add(Objects.requireNonNull(verifier, "verifier"));
            return this;
        }

        /**
         * Allows one more pickle global, named exactly (no wildcards, no dotted names). Calls to it and
         * {@code BUILD} on its results are described in the tree as {@code ObjectNode}s, never performed.
         * Each addition is logged when the loader is built. Modules that can only serve code execution
         * ({@code os}, {@code builtins}, {@code subprocess}, {@code pickle}, {@code torch.jit}, ...) are refused.
         *
         * @param module the module as written in pickles, for example {@code "numpy.core.multiarray"}
         * @param name the global's name, for example {@code "_reconstruct"}
         * @return this builder
         */
        public Builder allowGlobal(String module, String name) {
            extraGlobals.add(List.of(Objects.requireNonNull(module, "module"), Objects.requireNonNull(name, "name")));
            return this;
        }

        /**
         * Allows one more TorchScript operator in a TorchScript archive's code, named exactly as
         * {@code namespace::name} (for example {@code "myext::fused_gelu"}, a custom extension operator;
         * overloads share the name). By default code may name operators of the {@code aten}, {@code prim} and
         * {@code quantized} namespaces except file, RPC and distributed ones. Each addition is logged when the
         * loader is built. {@code aten::save} and {@code aten::from_file}, which write or map any file, are
         * refused.
         *
         * @param qualifiedName the operator, for example {@code "myext::fused_gelu"}
         * @return this builder
         */
        public Builder allowTorchScriptOp(String qualifiedName) {
            extraOperators.add(Objects.requireNonNull(qualifiedName, "qualifiedName"));
            return this;
        }

        /**
         * Sets the folder inside which {@link SafeModelLoader#verifyModel(String)} resolves untrusted names.
         *
         * @param root an existing directory
         * @return this builder
         */
        public Builder modelRoot(Path root) {
            this.modelRoot = Objects.requireNonNull(root, "root");
            return this;
        }

        /**
         * Whether to check every record's CRC-32 (the default). Torch ignores CRCs; a mismatch means the file
         * was altered after it was written, which safeload rejects. Turning the check off saves reading the
         * tensor data.
         *
         * @param verify whether to check
         * @return this builder
         */
        public Builder verifyCrc(boolean verify) {
            this.verifyCrc = verify;
            return this;
        }

        /**
         * {@return the loader}
         *
         * @throws IllegalArgumentException if an allowed global is malformed or from a refused module, or an
         *     allowed TorchScript operator is malformed or refused
         * @throws IllegalStateException if the model root is not a readable directory
         */
        public SafeModelLoader build() {
            List<String[]> globals = new ArrayList<>();
            for (List<String> pair : extraGlobals) {
                Allowlist.checkUserGlobal(pair.get(0), pair.get(1));
                globals.add(new String[] {pair.get(0), pair.get(1)});
            }
            Path root = null;
            if (modelRoot != null) {
                try {
                    root = modelRoot.toRealPath();
                } catch (IOException e) {
                    throw new IllegalStateException("model root " + modelRoot + " cannot be resolved", e);
                }
                if (!Files.isDirectory(root)) {
                    throw new IllegalStateException("model root " + modelRoot + " is not a directory");
                }
            }
            TorchScriptOpPolicy operatorPolicy = TorchScriptOpPolicy.allowing(extraOperators);
            IntegrityPolicy integrityPolicy = integrityPolicy();
            if (integrityPolicy.insecureAllowUnsigned()) {
                LOG.warn("INSECURE: insecureAllowUnsigned() lets unsigned models pass although signatures are"
                        + " configured");
            }
            for (String[] pair : globals) {
                LOG.warn("pickle allowlist extended by configuration: {}.{}", pair[0], pair[1]);
            }
            for (String operator : extraOperators) {
                LOG.warn("TorchScript operator policy extended by configuration: {}", operator);
            }
            return new SafeModelLoader(this, globals, root, operatorPolicy, integrityPolicy);
        }

        private IntegrityPolicy integrityPolicy() {
            if (!Files.isDirectory(copyDirectory) || !Files.isWritable(copyDirectory)) {
                throw new IllegalStateException("copy directory " + copyDirectory + " is not a writable directory");
            }
            if (hashingThreads < 1) {
                throw new IllegalArgumentException("hashingThreads must be at least 1, got " + hashingThreads);
            }
            List<HashPin> parsedPins = new ArrayList<>();
            for (String[] pin : pins) {
                parsedPins.add(HashPin.ofHex(pin[0] == null ? null : checkRelative(pin[0], "pinned file name"), pin[1],
                        "a pin given in code"));
            }
            for (Path pinFile : pinFiles) {
                requireFile(pinFile, "pin file");
            }
            for (IntegrityPolicy.SignedPinFile signed : signedPinFiles) {
                requireFile(signed.pinFile(), "pin file");
                requireFile(signed.signature(), "pin file signature");
            }
            List<java.security.PublicKey> keys = new ArrayList<>();
            for (Path pem : publicKeys) {
                try {
                    keys.addAll(Pem.publicKeys(readConfig(pem, "public key")));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("public key file " + pem + ": " + e.getMessage(), e);
                }
            }
            List<byte[]> keyringBytes = new ArrayList<>();
            for (Path keyring : keyrings) {
                keyringBytes.add(readConfig(keyring, "OpenPGP keyring"));
            }
            List<java.security.cert.X509Certificate> anchors = new ArrayList<>();
            for (Path pem : trustAnchors) {
                try {
                    anchors.addAll(Pem.certificates(readConfig(pem, "trust anchor")));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("trust anchor file " + pem + ": " + e.getMessage(), e);
                }
            }
            if (!pgpFingerprints.isEmpty() && keyrings.isEmpty()) {
                throw new IllegalStateException("trustOpenPgpFingerprint needs trustOpenPgpKeyring");
            }
            if (!signerIdentities.isEmpty() && anchors.isEmpty()) {
                throw new IllegalStateException("allowSignerIdentity applies to certificate signatures:"
                        + " add trustAnchor");
            }
            SigstoreTrustedRoot keylessRoot = null;
            if (sigstoreRoot != null) {
                try {
                    keylessRoot = SigstoreTrustedRoot.parse(readConfig(sigstoreRoot, "Sigstore trusted root"));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("Sigstore trusted root " + sigstoreRoot + ": "
                            + e.getMessage(), e);
                }
            }
            if (!keylessIdentities.isEmpty() && keylessRoot == null) {
                throw new IllegalStateException("allowSigstoreIdentity needs trustSigstoreRoot");
            }
            if (keylessRoot != null && keylessIdentities.isEmpty()) {
                throw new IllegalStateException("trustSigstoreRoot needs at least one"
                        + " allowSigstoreIdentity(san, issuer)");
            }
            SignatureTrust detached = keys.isEmpty() && keyringBytes.isEmpty() ? null
                    : SignatureTrust.of(keys, keyringBytes, pgpFingerprints);
            List<java.security.PublicKey> ecKeys = keys.stream().filter(k -> k.getAlgorithm().equals("EC")).toList();
            ModelSigningTrust modelSigning = ecKeys.isEmpty() && anchors.isEmpty() && keylessRoot == null ? null
                    : ModelSigningTrust.of(ecKeys, anchors, signerIdentities, keylessRoot,
                            keylessIdentities.stream().map(p -> new KeylessIdentity(p[0], p[1])).toList());
            if (insecureAllowUnsigned && detached == null && modelSigning == null) {
                throw new IllegalStateException("insecureAllowUnsigned() relaxes a signature requirement, but no"
                        + " signature trust is configured");
            }
            if (!signedPinFiles.isEmpty() && detached == null) {
                throw new IllegalStateException("signedPinFile needs a key to check it: trustPublicKey or"
                        + " trustOpenPgpKeyring");
            }
            List<String> ignores = new ArrayList<>();
            for (String path : ignorePaths) {
                ignores.add(checkRelative(path, "ignored path"));
            }
            return new IntegrityPolicy(parsedPins, pinFiles, signedPinFiles, detached, modelSigning,
                    insecureAllowUnsigned, ignores, allowSymlinks);
        }

        private static String checkRelative(String path, String what) {
            String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
            boolean bad = trimmed.isEmpty() || trimmed.startsWith("/") || trimmed.indexOf('\0') >= 0
                    || trimmed.contains("\\");
            for (String segment : trimmed.split("/", -1)) {
                bad |= segment.isEmpty() || segment.equals("..") || segment.equals(".");
            }
            if (bad) {
                throw new IllegalArgumentException(what + " must be a relative path without '.' or '..' segments: "
                        + SafeText.escape(path));
            }
            return path.endsWith("/") ? trimmed + "/" : trimmed;
        }

        private static void requireFile(Path file, String what) {
            if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
                throw new IllegalStateException(what + " " + file + " is not a readable file");
            }
        }

        private static byte[] readConfig(Path file, String what) {
            requireFile(file, what);
            try {
                return Files.readAllBytes(file);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + what + " " + file, e);
            }
        }
    }
}
