package dev.safeload.internal.integrity;

import dev.safeload.internal.modelsigning.ModelSigningTrust;
import dev.safeload.internal.signing.SignatureTrust;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What the loader was configured to require of a model's bytes, fixed at {@code build()}: pins given in code,
 * pin files (read on every verification, so a deployment can update them), pin files that must carry a valid
 * detached signature, the trusted keys for detached signatures and for model-signing bundles, and the paths a
 * directory verification skips.
 *
 * @param pins pins given in code
 * @param pinFiles pin files read on each verification
 * @param signedPinFiles pin files whose detached signature must verify before their pins count
 * @param detachedTrust keys and OpenPGP certificates for detached signatures, or {@code null}
 * @param modelSigningTrust keys and trust anchors for model-signing bundles, or {@code null}
 * @param insecureAllowUnsigned whether a model with no signature passes although trust is configured
 * @param ignorePaths directory paths to skip, beyond those a model-signing statement records
 * @param allowSymlinks whether symlinks in a model directory are followed to regular files
 */
public record IntegrityPolicy(List<HashPin> pins, List<Path> pinFiles, List<SignedPinFile> signedPinFiles,
                              SignatureTrust detachedTrust, ModelSigningTrust modelSigningTrust,
                              boolean insecureAllowUnsigned, List<String> ignorePaths, boolean allowSymlinks) {

    public IntegrityPolicy {
        pins = List.copyOf(pins);
        pinFiles = List.copyOf(pinFiles);
        signedPinFiles = List.copyOf(signedPinFiles);
        ignorePaths = List.copyOf(ignorePaths);
    }

    /** A pin file and the detached signature over its bytes. */
    public record SignedPinFile(Path pinFile, Path signature) {
        public SignedPinFile {
            Objects.requireNonNull(pinFile, "pinFile");
            Objects.requireNonNull(signature, "signature");
        }
    }

    /** Whether any signature trust is configured: then every model must be signed (or come with signed pins). */
    public boolean signaturesRequired() {
        return detachedTrust != null || modelSigningTrust != null;
    }

    /** Whether any pin source is configured: then every file verified must have a pin. */
    public boolean pinsRequired() {
        return !pins.isEmpty() || !pinFiles.isEmpty() || !signedPinFiles.isEmpty();
    }

    /** Whether anything needs the model's digests. */
    public boolean active() {
        return pinsRequired() || signaturesRequired();
    }
}
