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

/** {@code safeload verify [--format text|json] PATH...}: vets files, and every regular file under directories. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Verify model files. Directories are searched recursively; symbolic links are not followed.",
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

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Model files or directories.")
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
        SafeModelLoader loader;
        try {
            loader = builder.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            err.println("invalid configuration: " + e.getMessage());
            return SafeloadCli.EXIT_ERROR;
        }
        List<FileOutcome> outcomes = new ArrayList<>();
        boolean ioError = false;
        for (Path path : expand(paths)) {
            try {
                outcomes.add(new FileOutcome(path, loader.verify(path), null));
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
