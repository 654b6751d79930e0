package dev.safeload;

import dev.safeload.api.Location;
import dev.safeload.api.ModelFormat;
import dev.safeload.api.ModelMetadata;
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
import dev.safeload.internal.io.ByteSource;
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

    private final VerificationLimits limits;
    private final Allowlist allowlist;
    private final Allowlist plainPickleAllowlist;
    private final List<Verifier> sourceVerifiers;
    private final List<Verifier> metadataVerifiers;
    private final Path modelRoot;
    private final boolean verifyCrc;
    private final TorchScriptOpPolicy operatorPolicy;

    private SafeModelLoader(Builder builder, List<String[]> userGlobals, Path modelRoot,
                            TorchScriptOpPolicy operatorPolicy) {
        this.limits = builder.limits;
        this.allowlist = userGlobals.isEmpty() ? Allowlist.torchDefaults() : Allowlist.torchDefaultsPlus(userGlobals);
        this.plainPickleAllowlist = Allowlist.plainPickle(userGlobals);
        this.operatorPolicy = operatorPolicy;
        this.modelRoot = modelRoot;
        this.verifyCrc = builder.verifyCrc;
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
     * Verifies a model file.
     *
     * @param path the file; its content decides the format
     * @return the verdict; never {@code null}
     * @throws UncheckedIOException if the file cannot be read
     */
    public VerificationResult verify(Path path) {
        Objects.requireNonNull(path, "path");
        return verifyFile(path, path.toString(), List.of());
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
                    List.of("path-guard"), List.of(), start);
            audit(result);
            return result;
        }
        return verifyFile(resolved, untrustedName, List.of("path-guard"));
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
            Path spool = Files.createTempFile("safeload-", ".model");
            try {
                try (var out = Files.newOutputStream(spool, StandardOpenOption.WRITE)) {
                    out.write(head);
                    content.transferTo(out);
                }
                return verifyFile(spool, name, List.of());
            } finally {
                Files.deleteIfExists(spool);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model stream " + SafeText.escape(name), e);
        }
    }

    private VerificationResult verifyFile(Path path, String name, List<String> alreadyRun) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteSource source = ByteSource.map(channel);
            return verifySource(source, name, () -> {
                try {
                    return Files.newInputStream(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, alreadyRun);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model " + SafeText.escape(name), e);
        }
    }

    @FunctionalInterface
    private interface ContentOpener {
        InputStream open();
    }

    private VerificationResult verifySource(ByteSource source, String name, ContentOpener opener,
                                            List<String> alreadyRun) {
        long start = System.nanoTime();
        List<String> ran = new ArrayList<>(alreadyRun);
        List<String> notes = new ArrayList<>();
        ModelFormat format = ModelFormat.UNKNOWN;
        VerificationResult result;
        try {
            format = FormatDetector.detect(source);
            Context context = new Context(name, source.size(), format, limits, opener, null);
            List<Rejection> rejections = runAll(sourceVerifiers, context, ran);
            if (!rejections.isEmpty()) {
                result = rejected(rejections, name, source.size(), format, ran, notes, start);
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
                        ? new VerificationResult.Verified(metadata, report(name, source.size(), format, ran, notes, start))
                        : rejected(rejections, name, source.size(), format, ran, notes, start);
            }
        } catch (Reject reject) {
            result = rejected(List.of(reject.rejection()), name, source.size(), format, ran, notes, start);
        }
        audit(result);
        return result;
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

    private static VerificationResult rejected(List<Rejection> rejections, String name, long size, ModelFormat format,
                                               List<String> ran, List<String> notes, long start) {
        return new VerificationResult.Rejected(rejections, report(name, size, format, ran, notes, start));
    }

    private static VerificationReport report(String name, long size, ModelFormat format, List<String> ran,
                                             List<String> notes, long start) {
        return new VerificationReport(SafeText.escape(name), size, format, ran, notes,
                Duration.ofNanos(System.nanoTime() - start));
    }

    private static void audit(VerificationResult result) {
        VerificationReport report = result.report();
        if (!AUDIT.isInfoEnabled()) {
            return;
        }
        String codes = result.rejections().stream().map(r -> r.code().value()).distinct()
                .collect(Collectors.joining(","));
        AUDIT.info("verify model=\"{}\" size={} format={} verdict={} codes=[{}] millis={}",
                report.modelName(), report.sizeBytes(), report.format(),
                result.isVerified() ? "VERIFIED" : "REJECTED", codes, report.elapsed().toMillis());
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

        private Builder() {
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
            for (String[] pair : globals) {
                LOG.warn("pickle allowlist extended by configuration: {}.{}", pair[0], pair[1]);
            }
            for (String operator : extraOperators) {
                LOG.warn("TorchScript operator policy extended by configuration: {}", operator);
            }
            return new SafeModelLoader(this, globals, root, operatorPolicy);
        }
    }
}
