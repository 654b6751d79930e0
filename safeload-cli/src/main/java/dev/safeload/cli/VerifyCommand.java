package dev.safeload.cli;

import dev.safeload.SafeModelLoader;
import dev.safeload.api.VerificationResult;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code safeload verify [OPTIONS] PATH...}: vets model files and model directories, with optional hash pins and
 * signatures.
 */
@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Verify model files, or model directories as one unit each (a Hugging Face style snapshot:"
            + " every file hashed, model files vetted, shard indexes checked). Symbolic links are not followed.",
            "Exit codes: 0 every model verified, 1 any model rejected, 2 usage or I/O error."})
final class VerifyCommand implements Callable<Integer> {

    enum Format { text, json }

    @Option(names = "--format", defaultValue = "text", description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Format format;

    @Option(names = "--no-crc", description = "Do not check the CRC-32 of archive records (faster on large files).")
    boolean noCrc;

    @Option(names = "--allow-global", paramLabel = "MODULE:NAME",
            description = "Allow one more pickle global, e.g. numpy.core.multiarray:_reconstruct (logged).")
    List<String> allowGlobals = new ArrayList<>();

    @Option(names = "--allow-torchscript-op", paramLabel = "NAMESPACE::NAME",
            description = "Allow one more operator in TorchScript code, e.g. myext::fused_gelu (logged).")
    List<String> allowOperators = new ArrayList<>();

    @Option(names = "--sha256", paramLabel = "HEX",
            description = "Pin the SHA-256 of the model file (64 hex digits); every PATH must match.")
    List<String> sha256 = new ArrayList<>();

    @Option(names = "--sha512", paramLabel = "HEX", description = "Pin the SHA-512 of the model file (128 hex digits).")
    List<String> sha512 = new ArrayList<>();

    @Option(names = "--pin-file", paramLabel = "FILE", description = {"Pins from sha256sum/sha512sum output, BSD"
            + " 'SHA256 (name) = hex' lines, openssl dgst output or a Git LFS pointer; once pins are given, every"
            + " file must have one."})
    List<Path> pinFiles = new ArrayList<>();

    @Option(names = "--signed-pin-file", paramLabel = "FILE",
            description = "A pin file whose detached signature FILE.sig or FILE.asc must verify with a trusted key.")
    List<Path> signedPinFiles = new ArrayList<>();

    @Option(names = "--public-key", paramLabel = "PEM", description = {"Trust this public key: raw ECDSA P-256/P-384,"
            + " RSA-PSS and Ed25519 (over the SHA-256 digest) signatures, and model-signing bundles made with a key."
            + " Once any trust is given, every model must be signed."})
    List<Path> publicKeys = new ArrayList<>();

    @Option(names = "--keyring", paramLabel = "ASC", description = "Trust the OpenPGP certificates in this keyring.")
    List<Path> keyrings = new ArrayList<>();

    @Option(names = "--pgp-fingerprint", paramLabel = "FPR",
            description = "Trust only these keyring certificates (full fingerprints).")
    List<String> pgpFingerprints = new ArrayList<>();

    @Option(names = "--trust-anchor", paramLabel = "PEM",
            description = "Trust model-signing certificate chains leading to this CA certificate.")
    List<Path> trustAnchors = new ArrayList<>();

    @Option(names = "--signer-identity", paramLabel = "ID",
            description = "Accept certificate signatures only from this subject DN, email or URI.")
    List<String> signerIdentities = new ArrayList<>();

    @Option(names = "--sigstore-trusted-root", paramLabel = "JSON", description = {"Trust keyless (Sigstore)"
            + " model-signing bundles, verified offline against this pinned trusted_root.json; needs"
            + " --sigstore-identity."})
    Path sigstoreRoot;

    @Option(names = "--sigstore-identity", arity = "2", paramLabel = "SAN ISSUER", description = {"Accept keyless"
            + " signatures by this certificate identity (email or URI) vouched for by this OIDC issuer, e.g."
            + " --sigstore-identity release@acme.example https://accounts.google.com (repeatable)."})
    List<String> sigstoreIdentities = new ArrayList<>();

    @Option(names = "--signature", paramLabel = "FILE", description = {"The signature of the one PATH given; by"
            + " default PATH.sig or PATH.asc next to a file, model.sig inside a directory."})
    Path signature;

    @Option(names = "--ignore", paramLabel = "PATH",
            description = "Skip this path (relative to a model directory) and everything under it.")
    List<String> ignorePaths = new ArrayList<>();

    @Option(names = "--allow-symlinks", description = "Follow symlinks inside model directories to regular files.")
    boolean allowSymlinks;

    @Option(names = "--insecure-allow-unsigned",
            description = "INSECURE: let unsigned models pass although keys are trusted (noted in the output).")
    boolean insecureAllowUnsigned;

    @Option(names = "--each-file", description = "Treat a directory as a folder of separate models: verify every"
            + " regular file under it on its own.")
    boolean eachFile;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Model files or model directories.")
    List<Path> paths;

    PrintStream out = System.out;
    PrintStream err = System.err;

    @Override
    public Integer call() {
        SafeModelLoader.Builder builder = SafeModelLoader.builder().verifyCrc(!noCrc);
        for (String pair : allowGlobals) {
            int colon = pair.lastIndexOf(':');
            if (colon <= 0 || colon == pair.length() - 1) {
                err.println("--allow-global expects MODULE:NAME, got: " + pair);
                return SafeloadCli.EXIT_ERROR;
            }
            builder.allowGlobal(pair.substring(0, colon), pair.substring(colon + 1));
        }
        allowOperators.forEach(builder::allowTorchScriptOp);
        if (signature != null && paths.size() != 1) {
            err.println("--signature names the signature of one model: give exactly one PATH");
            return SafeloadCli.EXIT_ERROR;
        }
        for (String hex : sha256) {
            if (hex.length() != 64) {
                err.println("--sha256 expects 64 hex digits, got " + hex.length() + " characters");
                return SafeloadCli.EXIT_ERROR;
            }
            builder.pinDigest(hex);
        }
        for (String hex : sha512) {
            if (hex.length() != 128) {
                err.println("--sha512 expects 128 hex digits, got " + hex.length() + " characters");
                return SafeloadCli.EXIT_ERROR;
            }
            builder.pinDigest(hex);
        }
        pinFiles.forEach(builder::pinFile);
        for (Path pins : signedPinFiles) {
            Path sig = pins.resolveSibling(pins.getFileName() + ".sig");
            Path asc = pins.resolveSibling(pins.getFileName() + ".asc");
            Path found = Files.isRegularFile(sig) ? sig : Files.isRegularFile(asc) ? asc : null;
            if (found == null) {
                err.println("--signed-pin-file " + pins + ": no " + sig.getFileName() + " or " + asc.getFileName()
                        + " next to it");
                return SafeloadCli.EXIT_ERROR;
            }
            builder.signedPinFile(pins, found);
        }
        publicKeys.forEach(builder::trustPublicKey);
        keyrings.forEach(builder::trustOpenPgpKeyring);
        pgpFingerprints.forEach(builder::trustOpenPgpFingerprint);
        trustAnchors.forEach(builder::trustAnchor);
        signerIdentities.forEach(builder::allowSignerIdentity);
        if (sigstoreRoot != null) {
            builder.trustSigstoreRoot(sigstoreRoot);
        }
        for (int i = 0; i + 1 < sigstoreIdentities.size(); i += 2) {
            builder.allowSigstoreIdentity(sigstoreIdentities.get(i), sigstoreIdentities.get(i + 1));
        }
        ignorePaths.forEach(builder::ignorePath);
        builder.allowSymlinks(allowSymlinks);
        if (insecureAllowUnsigned) {
            builder.insecureAllowUnsigned();
        }
        SafeModelLoader loader;
        try {
            loader = builder.build();
        } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
            err.println("invalid configuration: " + e.getMessage());
            return SafeloadCli.EXIT_ERROR;
        }
        List<FileOutcome> outcomes = new ArrayList<>();
        boolean ioError = false;
        List<Path> models;
        try {
            models = eachFile ? expand(paths) : paths;
        } catch (UncheckedIOException e) {
            err.println("error: " + e.getMessage());
            return SafeloadCli.EXIT_ERROR;
        }
        for (Path path : models) {
            if (!Files.exists(path)) {
                ioError = true;
                outcomes.add(new FileOutcome(path, null, "no such file or directory"));
                err.println("error: " + path + ": no such file or directory");
                continue;
            }
            try {
                outcomes.add(new FileOutcome(path, loader.verify(path, signature), null));
            } catch (UncheckedIOException e) {
                ioError = true;
                outcomes.add(new FileOutcome(path, null, e.getCause() != null ? e.getCause().toString() : e.toString()));
                err.println("error: cannot read " + path + ": " + e.getMessage());
            }
        }
        if (format == Format.json) {
            JsonReport.write(outcomes, out);
        } else {
            TextReport.write(outcomes, out);
        }
        if (ioError) {
            return SafeloadCli.EXIT_ERROR;
        }
        boolean anyRejected = outcomes.stream().anyMatch(o -> !o.result().isVerified());
        return anyRejected ? SafeloadCli.EXIT_REJECTED : SafeloadCli.EXIT_VERIFIED;
    }

    /** Files as given; directories expanded to their regular files in sorted order, links not followed. */
    private List<Path> expand(List<Path> given) {
        List<Path> files = new ArrayList<>();
        for (Path path : given) {
            if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                try (Stream<Path> walk = Files.walk(path)) {
                    walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).sorted().forEach(files::add);
                } catch (IOException | UncheckedIOException e) {
                    throw new UncheckedIOException("cannot list " + path, e instanceof IOException io
                            ? io : ((UncheckedIOException) e).getCause());
                }
            } else {
                files.add(path);
            }
        }
        return files;
    }

    /** One file's outcome: a result, or the I/O error that prevented one. */
    record FileOutcome(Path path, VerificationResult result, String error) {
    }
}
