package dev.safeload.examples;

import dev.safeload.SafeModelLoader;
import dev.safeload.api.ModelMetadata;
import dev.safeload.api.TensorEntry;
import dev.safeload.api.VerificationResult;
import java.nio.file.Path;

/**
 * Verify a model before handing it to something that will actually load it: DJL (TorchScript through
 * libtorch, once safeload vets TorchScript) or a Python sidecar that calls {@code torch.load}.
 *
 * <pre>
 * java -cp ... dev.safeload.examples.VerifyThenLoad fixtures/benign/tiny_cnn_state_dict.pt
 * </pre>
 *
 * <p>The file must not change between verification and loading: load from a location that the model's
 * supplier cannot write to. (A later version adds a handle that hands on exactly the verified bytes.)
 */
public final class VerifyThenLoad {

    private VerifyThenLoad() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: VerifyThenLoad MODEL");
            System.exit(2);
        }
        SafeModelLoader loader = SafeModelLoader.builder()
                .addVerifier(new ParameterBudgetRule(50_000_000))
                .build();
        VerificationResult result = loader.verify(Path.of(args[0]));
        if (result instanceof VerificationResult.Rejected rejected) {
            rejected.rejections().forEach(r -> System.err.println("refusing to load: " + r));
            System.exit(1);
        }
        ModelMetadata metadata = result.orThrow();
        System.out.println("verified " + metadata.summary());
        for (TensorEntry entry : metadata.tensors()) {
            System.out.println("  " + entry.pathString() + " " + entry.tensor().dtype() + " "
                    + java.util.Arrays.toString(entry.tensor().shape()));
        }
        // Only now hand the file on, e.g. to a sidecar:
        //   torch.load(path, map_location="cpu", weights_only=True)
        // or compare metadata against what the serving code expects before loading weights.
    }
}
