package dev.safeload.internal.integrity;

import dev.safeload.api.Location;
import dev.safeload.api.Provenance;
import dev.safeload.api.Rejection;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.SafeText;
import dev.safeload.api.VerificationLimits;
import dev.safeload.internal.Reject;
import dev.safeload.internal.modelsigning.ModelFiles;
import dev.safeload.internal.modelsigning.ModelSigningBundle;
import dev.safeload.internal.modelsigning.VerifiedStatement;
import dev.safeload.internal.signing.DetachedSignatureVerifier;
import dev.safeload.internal.signing.SignatureOutcome;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The integrity half of a verification, run before anything is parsed: hashes the model once, compares the
 * digests with every applicable pin in constant time, and checks the model's signature (a detached OpenPGP or
 * raw signature over a file, an OpenSSF model-signing bundle over a file or a directory, or signed pin files).
 * Fails closed: a required pin or signature that is absent, unreadable or malformed is a rejection.
 */
public final class IntegrityCheck {

    /** The file a model-signing bundle has by default, inside the model directory. */
    public static final String MODEL_SIGNING_FILE = "model.sig";
    private static final List<String> DETACHED_SUFFIXES = List.of(".sig", ".asc");

    private final IntegrityPolicy policy;
    private final VerificationLimits limits;
    private final DetachedSignatureVerifier detached;

    public IntegrityCheck(IntegrityPolicy policy, VerificationLimits limits) {
        this.policy = policy;
        this.limits = limits;
        this.detached = policy.detachedTrust() == null ? null : new DetachedSignatureVerifier(policy.detachedTrust());
    }

    public IntegrityPolicy policy() {
        return policy;
    }

    /**
     * What the integrity checks found.
     *
     * @param rejections why the model must not be parsed; empty if it may
     * @param notes observations that do not change the verdict
     * @param provenance digests and verified signatures
     * @param files for a directory, the files to vet (ignored paths removed); empty for a single file
     */
    public record Outcome(List<Rejection> rejections, List<String> notes, Provenance provenance,
                          SortedMap<String, Path> files) {
        public Outcome {
            rejections = List.copyOf(rejections);
            notes = List.copyOf(notes);
            files = Collections.unmodifiableSortedMap(new TreeMap<>(files));
        }
    }

    /** Whether signature bytes are a JSON document (a model-signing bundle) rather than a detached signature. */
    static boolean looksLikeJson(byte[] bytes) {
        for (byte b : bytes) {
            if (b == ' ' || b == '\t' || b == '\r' || b == '\n') {
                continue;
            }
            return b == '{';
        }
        return false;
    }

    private static Map<HashAlgorithm, byte[]> digests(FileChannel channel, Set<HashAlgorithm> algorithms,
                                                      Map<HashAlgorithm, byte[]> known) throws IOException {
        return known.keySet().containsAll(algorithms) ? known : Digests.of(channel, algorithms);
    }

    /** The signature next to a model file, {@code <file>.sig} or {@code <file>.asc}, if there is one. */
    public static Path discoverSignature(Path file) {
        Path name = file.getFileName();
        if (name == null) {
            return null;
        }
        for (String suffix : DETACHED_SUFFIXES) {
            Path candidate = file.resolveSibling(name + suffix);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /**
     * Checks one model file, reading it through {@code channel} (the same open file the parser then reads).
     *
     * @param file the file's path, for its name and to look for a signature next to it
     * @param channel the open file
     * @param recordedName the name the caller gave
     * @param explicitSignature the signature the caller named, or {@code null} to look for one
     * @param known digests of exactly these bytes computed earlier (while copying), or an empty map
     */
    public Outcome checkFile(Path file, FileChannel channel, String recordedName, Path explicitSignature,
                             Map<HashAlgorithm, byte[]> known) throws IOException {
        List<Rejection> rejections = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<Provenance.SignatureInfo> signers = new ArrayList<>();
        Path signature = explicitSignature != null ? explicitSignature : discoverSignature(file);
        if (!policy.active()) {
            noteUncheckedSignature(signature, notes);
            return new Outcome(List.of(), notes, Provenance.none(), new TreeMap<>());
        }
        Pins pins = collectPins(rejections, signers);
        String fileName = file.getFileName() == null ? recordedName : file.getFileName().toString();
        List<HashPin> applicable = pins.applicableTo(fileName, recordedName);
        if (policy.pinsRequired() && applicable.isEmpty() && rejections.isEmpty()) {
            rejections.add(Rejection.of(RejectionCode.HASH_MISSING, "no pin names " + SafeText.escape(fileName)
                    + ", and pins are required"));
        }
        Set<HashAlgorithm> algorithms = algorithms(applicable);
        byte[] signatureBytes = null;
        if (policy.signaturesRequired()) {
            if (signature != null) {
                signatureBytes = readManifest(signature, "signature");
            } else if (!pins.signedPinApplies(applicable)) {
                missingSignature(fileName, rejections, notes);
            }
        } else {
            noteUncheckedSignature(signature, notes);
        }
        Map<HashAlgorithm, byte[]> digests;
        boolean signedStatementHolds = false;
        if (signatureBytes != null && looksLikeJson(signatureBytes)) {
            digests = digests(channel, algorithms, known);
            byte[] sha256 = digests.get(HashAlgorithm.SHA256);
            SortedMap<String, Path> single = new TreeMap<>(Map.of(".", file));
            signedStatementHolds = modelSigning(signatureBytes, signature, single, Map.of(".", sha256), rejections,
                    signers, fileName);
        } else if (signatureBytes != null) {
            try (Digests.HashingStream in = new Digests.HashingStream(channel, algorithms)) {
                SignatureOutcome outcome = detachedCheck(signatureBytes, signature, in,
                        () -> drain(in).get(HashAlgorithm.SHA256), fileName);
                record(outcome, rejections, signers);
                digests = in.drainAndFinish();
            }
        } else {
            digests = digests(channel, algorithms, known);
        }
        boolean pinned = comparePins(fileName, applicable, digests, channel.size(), rejections);
        boolean covered = signedStatementHolds;
        List<Provenance.FileDigest> recorded = new ArrayList<>();
        digests.forEach((algorithm, digest) -> recorded.add(new Provenance.FileDigest(SafeText.escape(fileName),
                algorithm.label(), HexFormat.of().formatHex(digest),
                pinned && hasPinFor(applicable, algorithm) || covered && algorithm == HashAlgorithm.SHA256)));
        return new Outcome(rejections, notes, new Provenance(recorded, signers), new TreeMap<>());
    }

    /**
     * Checks a model directory as one unit: every file hashed (in parallel), every file pinned or covered by
     * the signed statement, no file outside it.
     */
    public Outcome checkDirectory(Path root, Path explicitSignature, int threads,
                                  Map<String, Map<HashAlgorithm, byte[]>> known) throws IOException {
        List<Rejection> rejections = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<Provenance.SignatureInfo> signers = new ArrayList<>();
        Path signature = explicitSignature;
        if (signature == null && Files.isRegularFile(root.resolve(MODEL_SIGNING_FILE))) {
            signature = root.resolve(MODEL_SIGNING_FILE);
        }
        List<String> ignore = new ArrayList<>(policy.ignorePaths());
        insideRoot(root, signature).ifPresent(ignore::add);
        VerifiedStatement statement = null;
        if (policy.signaturesRequired() && signature != null) {
            byte[] bytes = readManifest(signature, "signature");
            if (!looksLikeJson(bytes)) {
                rejections.add(Rejection.of(RejectionCode.SIGNATURE_INVALID, "signature "
                        + SafeText.escape(signature.getFileName().toString()) + " is a detached signature, which covers"
                        + " one file, not a directory; sign the directory with OpenSSF model signing, or sign a pin"
                        + " file listing every file"));
            } else {
                statement = verifyBundle(bytes, signature, rejections, signers, "model directory");
            }
        } else if (policy.signaturesRequired() && policy.signedPinFiles().isEmpty()) {
            missingSignature(root.getFileName() == null ? root.toString() : root.getFileName().toString(),
                    rejections, notes);
        } else if (!policy.signaturesRequired()) {
            noteUncheckedSignature(signature, notes);
        }
        Predicate<String> ignored = IgnoreRules.matcher(ignore);
        boolean allowSymlinks = policy.allowSymlinks();
        if (statement != null) {
            ignored = ignored.or(VerifiedStatement.ignoreMatcher(statement.ignorePaths()));
            allowSymlinks &= statement.allowSymlinks();
        }
        DirectoryWalk walk = DirectoryWalk.of(root, ignored, allowSymlinks, limits.maxDirectoryFiles());
        rejections.addAll(walk.rejections());
        if (!walk.ignored().isEmpty()) {
            notes.add("ignored " + walk.ignored().size() + " path(s): "
                    + SafeText.escape(String.join(", ", walk.ignored())));
        }
        if (!policy.active()) {
            if (walk.contentAddressed().isEmpty()) {
                return new Outcome(rejections, notes, Provenance.none(), walk.files());
            }
            SortedMap<String, Path> blobs = new TreeMap<>(walk.files());
            blobs.keySet().retainAll(walk.contentAddressed().keySet());
            Map<String, Map<HashAlgorithm, byte[]>> digests = hashAll(blobs, EnumSet.of(HashAlgorithm.SHA256), threads,
                    known);
            checkContentAddressed(walk, digests, rejections, notes);
            return new Outcome(rejections, notes, new Provenance(recordDigests(digests, Map.of(), false), signers),
                    walk.files());
        }
        Pins pins = collectPins(rejections, signers);
        Set<HashAlgorithm> algorithms = algorithms(pins.all);
        Map<String, Map<HashAlgorithm, byte[]>> digests = hashAll(walk.files(), algorithms, threads, known);
        checkContentAddressed(walk, digests, rejections, notes);
        Map<String, Boolean> pinnedFiles = new LinkedHashMap<>();
        if (policy.pinsRequired()) {
            pinnedFiles = checkDirectoryPins(walk, pins, digests, rejections,
                    policy.signaturesRequired() && statement == null && signature == null
                            && !policy.insecureAllowUnsigned());
        }
        boolean signedStatementHolds = false;
        if (statement != null && statement.singleFile()) {
            rejections.add(Rejection.of(RejectionCode.HASH_MISSING, "the model-signing statement covers one file ("
                    + SafeText.escape(statement.subjectName()) + "), not a directory: verify that file with this"
                    + " signature instead"));
        } else if (statement != null) {
            Map<String, byte[]> sha256 = new TreeMap<>();
            digests.forEach((name, d) -> sha256.put(name, d.get(HashAlgorithm.SHA256)));
            List<Rejection> fileProblems = statement.checkFiles(modelFiles(walk.files(), sha256));
            rejections.addAll(fileProblems);
            signedStatementHolds = fileProblems.isEmpty();
        }
        List<Provenance.FileDigest> recorded = recordDigests(digests, pinnedFiles, signedStatementHolds);
        return new Outcome(rejections, notes, new Provenance(recorded, signers), walk.files());
    }

    private static List<Provenance.FileDigest> recordDigests(Map<String, Map<HashAlgorithm, byte[]>> digests,
                                                            Map<String, Boolean> pinnedFiles, boolean allCovered) {
        List<Provenance.FileDigest> recorded = new ArrayList<>();
        for (Map.Entry<String, Map<HashAlgorithm, byte[]>> file : digests.entrySet()) {
            boolean pinned = allCovered || pinnedFiles.getOrDefault(file.getKey(), false);
            file.getValue().forEach((algorithm, digest) -> recorded.add(new Provenance.FileDigest(
                    SafeText.escape(file.getKey()), algorithm.label(), HexFormat.of().formatHex(digest), pinned)));
        }
        return recorded;
    }

    /** {@return a rejection if a cache blob's content does not hash to the SHA-256 it is named by} */
    public static Optional<Rejection> alteredBlob(String name, String blobHex, byte[] sha256) {
        byte[] named = HexFormat.of().parseHex(blobHex);
        if (MessageDigest.isEqual(named, sha256)) {
            return Optional.empty();
        }
        return Optional.of(Rejection.of(RejectionCode.HASH_MISMATCH, SafeText.escape(name)
                + " links to the Hugging Face cache blob " + blobHex + ", but its content's sha256 is "
                + HexFormat.of().formatHex(sha256) + ": the cached file was altered after download",
                Location.entry(SafeText.escape(name))));
    }

    /**
     * A Hugging Face cache names each LFS blob by the SHA-256 of its content: a blob whose content differs from
     * its name was altered after download. Matching names are not a pin (anyone who can write the cache can
     * rename a blob), so they are noted, not marked pinned.
     */
    private static void checkContentAddressed(DirectoryWalk walk, Map<String, Map<HashAlgorithm, byte[]>> digests,
                                              List<Rejection> rejections, List<String> notes) {
        int matching = 0;
        for (Map.Entry<String, String> blob : walk.contentAddressed().entrySet()) {
            Optional<Rejection> altered = alteredBlob(blob.getKey(), blob.getValue(),
                    digests.get(blob.getKey()).get(HashAlgorithm.SHA256));
            altered.ifPresent(rejections::add);
            matching += altered.isEmpty() ? 1 : 0;
        }
        if (matching > 0) {
            notes.add(matching + " Hugging Face cache blob(s) match the SHA-256 they are named by (not a pin: the"
                    + " cache's writer chooses the names)");
        }
    }

    private Map<String, Boolean> checkDirectoryPins(DirectoryWalk walk, Pins pins,
                                                    Map<String, Map<HashAlgorithm, byte[]>> digests,
                                                    List<Rejection> rejections, boolean requireSignedPins)
            throws IOException {
        Map<String, Boolean> pinned = new LinkedHashMap<>();
        if (pins.all.stream().anyMatch(p -> p.name() == null)) {
            rejections.add(Rejection.of(RejectionCode.HASH_MISSING, "a pin without a file name applies to one"
                    + " model file, not to a directory; pin each file by its relative path"));
        }
        for (Map.Entry<String, Path> file : walk.files().entrySet()) {
            List<HashPin> applicable = pins.all.stream().filter(p -> file.getKey().equals(p.name())).toList();
            if (applicable.isEmpty()) {
                rejections.add(Rejection.of(RejectionCode.HASH_MISSING, "file " + SafeText.escape(file.getKey())
                        + " has no pin, and pins are required", Location.entry(SafeText.escape(file.getKey()))));
                continue;
            }
            if (requireSignedPins && !pins.signedPinApplies(applicable)) {
                rejections.add(Rejection.of(RejectionCode.SIGNATURE_MISSING, "file " + SafeText.escape(file.getKey())
                        + " is pinned only by unsigned pins, and signatures are required",
                        Location.entry(SafeText.escape(file.getKey()))));
            }
            pinned.put(file.getKey(), comparePins(file.getKey(), applicable, digests.get(file.getKey()),
                    Files.size(file.getValue()), rejections));
        }
        for (HashPin pin : pins.all) {
            if (pin.name() != null && !walk.files().containsKey(pin.name()) && !walk.ignored().contains(pin.name())) {
                rejections.add(Rejection.of(RejectionCode.HASH_MISSING, "pinned file " + SafeText.escape(pin.name())
                        + " (" + pin.source() + ") is not in the model directory"));
            }
        }
        return pinned;
    }

    private static ModelFiles modelFiles(SortedMap<String, Path> files, Map<String, byte[]> sha256) {
        return new ModelFiles() {
            @Override
            public SortedMap<String, Path> files() {
                return files;
            }

            @Override
            public Optional<byte[]> sha256(String name) {
                byte[] digest = sha256.get(name);
                return digest == null ? Optional.empty() : Optional.of(digest.clone());
            }
        };
    }

    /** Verifies a bundle over a single file; true if the signature and the file's digest both hold. */
    private boolean modelSigning(byte[] bytes, Path signature, SortedMap<String, Path> files,
                                 Map<String, byte[]> sha256, List<Rejection> rejections,
                                 List<Provenance.SignatureInfo> signers, String covers) {
        VerifiedStatement statement = verifyBundle(bytes, signature, rejections, signers, covers);
        if (statement == null) {
            return false;
        }
        List<Rejection> problems = statement.checkFiles(modelFiles(files, sha256));
        rejections.addAll(problems);
        return problems.isEmpty();
    }

    private VerifiedStatement verifyBundle(byte[] bytes, Path signature, List<Rejection> rejections,
                                           List<Provenance.SignatureInfo> signers, String covers) {
        if (policy.modelSigningTrust() == null) {
            rejections.add(Rejection.of(RejectionCode.UNTRUSTED_SIGNER, "signature "
                    + SafeText.escape(String.valueOf(signature.getFileName())) + " is an OpenSSF model-signing bundle,"
                    + " but no public key or trust anchor for model signing is configured"));
            return null;
        }
        try {
            VerifiedStatement statement = ModelSigningBundle.parse(bytes).verify(policy.modelSigningTrust());
            signers.add(statement.signer());
            return statement;
        } catch (Reject reject) {
            rejections.add(reject.rejection());
            return null;
        }
    }

    private SignatureOutcome detachedCheck(byte[] signatureBytes, Path signature, InputStream content,
                                           java.util.function.Supplier<byte[]> sha256, String covers) {
        if (detached == null) {
            return new SignatureOutcome(Optional.empty(), List.of(Rejection.of(RejectionCode.UNTRUSTED_SIGNER,
                    "signature " + SafeText.escape(String.valueOf(signature.getFileName())) + " is a detached"
                            + " signature, but no OpenPGP keyring or public key for detached signatures is"
                            + " configured")));
        }
        return detached.verify(signatureBytes, String.valueOf(signature.getFileName()), content, sha256, covers);
    }

    private static void record(SignatureOutcome outcome, List<Rejection> rejections,
                               List<Provenance.SignatureInfo> signers) {
        rejections.addAll(outcome.rejections());
        if (outcome.rejections().isEmpty()) {
            outcome.signer().ifPresent(signers::add);
        }
    }

    private static Map<HashAlgorithm, byte[]> drain(Digests.HashingStream in) {
        try {
            return in.drainAndFinish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void missingSignature(String what, List<Rejection> rejections, List<String> notes) {
        if (policy.insecureAllowUnsigned()) {
            notes.add("INSECURE: " + SafeText.escape(what) + " has no signature and passed only because the loader"
                    + " was built with insecureAllowUnsigned()");
        } else {
            rejections.add(Rejection.of(RejectionCode.SIGNATURE_MISSING, SafeText.escape(what)
                    + " has no signature (looked for <file>.sig, <file>.asc, or model.sig in a directory), and"
                    + " signatures are required"));
        }
    }

    private static void noteUncheckedSignature(Path signature, List<String> notes) {
        if (signature != null) {
            notes.add("signature " + SafeText.escape(String.valueOf(signature.getFileName()))
                    + " found but not checked: the loader trusts no keys");
        }
    }

    private static Optional<String> insideRoot(Path root, Path file) {
        if (file == null) {
            return Optional.empty();
        }
        Path absoluteRoot = root.toAbsolutePath().normalize();
        Path absolute = file.toAbsolutePath().normalize();
        return absolute.startsWith(absoluteRoot) && !absolute.equals(absoluteRoot)
                ? Optional.of(DirectoryWalk.relative(absoluteRoot, absolute)) : Optional.empty();
    }

    /** Reads a small file whole, refusing it beyond {@code maxManifestBytes} before reading further. */
    public byte[] readManifest(Path file, String what) throws IOException {
        long cap = limits.maxManifestBytes();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes((int) Math.min(cap + 1, Integer.MAX_VALUE - 8));
            Reject.checkLimit("maxManifestBytes", bytes.length, cap,
                    Location.entry(what + " " + SafeText.escape(String.valueOf(file.getFileName()))));
            return bytes;
        }
    }

    private Pins collectPins(List<Rejection> rejections, List<Provenance.SignatureInfo> signers) throws IOException {
        List<HashPin> all = new ArrayList<>(policy.pins());
        Set<HashPin> signed = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Path pinFile : policy.pinFiles()) {
            try {
                all.addAll(PinFiles.parse(readManifest(pinFile, "pin file"), String.valueOf(pinFile.getFileName())));
            } catch (Reject reject) {
                rejections.add(reject.rejection());
            }
        }
        for (IntegrityPolicy.SignedPinFile signedPinFile : policy.signedPinFiles()) {
            Path pinFile = signedPinFile.pinFile();
            String name = String.valueOf(pinFile.getFileName());
            byte[] content = readManifest(pinFile, "pin file");
            byte[] signatureBytes = readManifest(signedPinFile.signature(), "signature");
            byte[] sha256 = HashAlgorithm.SHA256.newDigest().digest(content);
            SignatureOutcome outcome = detachedCheck(signatureBytes, signedPinFile.signature(),
                    new ByteArrayInputStream(content), sha256::clone, "pin file " + name);
            record(outcome, rejections, signers);
            if (!outcome.rejections().isEmpty()) {
                continue;
            }
            try {
                List<HashPin> parsed = PinFiles.parse(content, name);
                all.addAll(parsed);
                signed.addAll(parsed);
            } catch (Reject reject) {
                rejections.add(reject.rejection());
            }
        }
        return new Pins(all, signed);
    }

    private static final class Pins {
        final List<HashPin> all;
        final Set<HashPin> signed;

        Pins(List<HashPin> all, Set<HashPin> signed) {
            this.all = all;
            this.signed = signed;
        }

        List<HashPin> applicableTo(String fileName, String recordedName) {
            String normalized = recordedName.replace('\\', '/');
            return all.stream().filter(p -> p.name() == null || p.name().equals(fileName) || p.name().equals(normalized)
                    || normalized.endsWith("/" + p.name())).toList();
        }

        boolean signedPinApplies(List<HashPin> applicable) {
            return applicable.stream().anyMatch(signed::contains);
        }
    }

    private static Set<HashAlgorithm> algorithms(List<HashPin> pins) {
        Set<HashAlgorithm> algorithms = EnumSet.of(HashAlgorithm.SHA256);
        pins.forEach(p -> algorithms.add(p.algorithm()));
        return algorithms;
    }

    private static boolean hasPinFor(List<HashPin> pins, HashAlgorithm algorithm) {
        return pins.stream().anyMatch(p -> p.algorithm() == algorithm);
    }

    /** Compares in constant time; every pin that applies must match. */
    private static boolean comparePins(String name, List<HashPin> pins, Map<HashAlgorithm, byte[]> digests, long size,
                                       List<Rejection> rejections) {
        boolean all = !pins.isEmpty();
        for (HashPin pin : pins) {
            byte[] actual = digests.get(pin.algorithm());
            if (!MessageDigest.isEqual(actual, pin.digest())) {
                all = false;
                rejections.add(Rejection.of(RejectionCode.HASH_MISMATCH, pin.algorithm().label() + " of "
                        + SafeText.escape(name) + " is " + HexFormat.of().formatHex(actual) + ", but " + pin.source()
                        + " pins " + pin.hex(), Location.entry(SafeText.escape(name))));
            } else if (pin.size() >= 0 && pin.size() != size) {
                all = false;
                rejections.add(Rejection.of(RejectionCode.HASH_MISMATCH, SafeText.escape(name) + " has " + size
                        + " bytes, but " + pin.source() + " pins " + pin.size(), Location.entry(SafeText.escape(name))));
            }
        }
        return all;
    }

    /** Hashes every file, spreading files over {@code threads} threads (one SHA-256 stream cannot be split). */
    static Map<String, Map<HashAlgorithm, byte[]>> hashAll(SortedMap<String, Path> all, Set<HashAlgorithm> algorithms,
                                                          int threads, Map<String, Map<HashAlgorithm, byte[]>> known)
            throws IOException {
        Map<String, Map<HashAlgorithm, byte[]>> out = new TreeMap<>();
        SortedMap<String, Path> files = new TreeMap<>();
        all.forEach((name, path) -> {
            Map<HashAlgorithm, byte[]> earlier = known.get(name);
            if (earlier != null && earlier.keySet().containsAll(algorithms)) {
                out.put(name, earlier);
            } else {
                files.put(name, path);
            }
        });
        out.putAll(PerFile.run(files, threads, "safeload-hash", (name, path) -> Digests.of(path, algorithms)));
        return out;
    }
}
