package dev.safeload.examples;

import dev.safeload.SafeModelLoader;
import dev.safeload.VerifiedModel;
import dev.safeload.api.ModelMetadata;
import dev.safeload.api.Provenance;
import dev.safeload.api.TensorEntry;
import dev.safeload.api.VerificationResult;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Verify a model and hand on exactly the verified bytes to whatever loads it: DJL (TorchScript through
 * libtorch) or a Python sidecar that calls {@code torch.load(..., weights_only=True)}.
 *
 * <pre>
 * java -cp ... dev.safeload.examples.VerifyThenLoad MODEL [--sha256 HEX] [--public-key PEM]
 * </pre>
 *
 * <p>{@link SafeModelLoader#openVerified(Path)} copies the model into a private read-only folder, hashing it
 * in the same read, and verifies the copy: replacing the original after verification changes nothing that is
 * loaded. Load from {@link VerifiedModel#path()} (or {@link VerifiedModel#newInputStream()}) before closing.
 */
public final class VerifyThenLoad {

    private VerifyThenLoad() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** {@return 0 if the model verified, 1 if it was rejected, 2 on a usage error} */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args.length % 2 == 0) {
            err.println("usage: VerifyThenLoad MODEL [--sha256 HEX] [--public-key PEM]");
            return 2;
        }
        SafeModelLoader.Builder builder = SafeModelLoader.builder().addVerifier(new ParameterBudgetRule(50_000_000));
        for (int i = 1; i < args.length; i += 2) {
            switch (args[i]) {
                case "--sha256" -> builder.pinDigest(args[i + 1]);
                case "--public-key" -> builder.trustPublicKey(Path.of(args[i + 1]));
                default -> {
                    err.println("unknown option " + args[i]);
                    return 2;
                }
            }
        }
        SafeModelLoader loader = builder.build();
        try (VerifiedModel model = loader.openVerified(Path.of(args[0]))) {
            VerificationResult result = model.result();
            if (result instanceof VerificationResult.Rejected rejected) {
                rejected.rejections().forEach(r -> err.println("refusing to load: " + r));
                return 1;
            }
            ModelMetadata metadata = result.orThrow();
            out.println("verified " + metadata.summary());
            for (Provenance.FileDigest digest : result.report().provenance().digests()) {
                out.println("  " + digest.algorithm() + " " + digest.hex() + (digest.pinned() ? " (pinned)" : ""));
            }
            for (Provenance.SignatureInfo signature : result.report().provenance().signatures()) {
                out.println("  signed by " + signature.signer() + " (" + signature.kind() + ")");
            }
            for (TensorEntry entry : metadata.tensors()) {
                out.println("  " + entry.pathString() + " " + entry.tensor().dtype() + " "
                        + Arrays.toString(entry.tensor().shape()));
            }
            // Hand on the private copy, never the original path, and load it before the handle closes:
            //   DJL:     Model.newInstance("m", "PyTorch").load(model.path())   (or load(model.newInputStream()))
            //   sidecar: torch.load(str(model.path()), map_location="cpu", weights_only=True)
            out.println("load from " + model.path());
            return 0;
        }
    }
}
