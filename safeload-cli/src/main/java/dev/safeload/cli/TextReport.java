package dev.safeload.cli;

import dev.safeload.api.ModelSummary;
import dev.safeload.api.Rejection;
import dev.safeload.api.SafeText;
import java.io.PrintStream;
import java.util.List;

/** Human-readable output: one line per file, then one indented line per rejection or note. */
final class TextReport {

    private TextReport() {
    }

    static void write(List<VerifyCommand.FileOutcome> outcomes, PrintStream out) {
        int verified = 0;
        int rejected = 0;
        for (VerifyCommand.FileOutcome outcome : outcomes) {
            String path = SafeText.escape(outcome.path().toString());
            if (outcome.result() == null) {
                out.println("ERROR     " + path + ": " + SafeText.escape(outcome.error()));
                continue;
            }
            var result = outcome.result();
            if (result.isVerified()) {
                verified++;
                ModelSummary s = result.metadata().orElseThrow().summary();
                out.printf("VERIFIED  %s  (%s, %d tensors, %d storages, %d parameter elements, %d bytes, %d ms)%n",
                        path, result.report().format(), s.tensors(), s.storages(), s.parameterElements(),
                        s.storageBytes(), result.report().elapsed().toMillis());
                List<String> operators = result.metadata().orElseThrow().operators();
                if (!operators.isEmpty()) {
                    out.println("    operators: " + String.join(", ", operators));
                }
            } else {
                rejected++;
                out.printf("REJECTED  %s  (%s)%n", path, result.report().format());
                for (Rejection r : result.rejections()) {
                    out.printf("    %s at %s: %s%n", r.code(), r.location(), r.message());
                }
            }
            for (var signature : result.report().provenance().signatures()) {
                out.printf("    signed: %s by %s (%s) over %s%n", signature.kind(), signature.signer(),
                        signature.algorithm(), signature.covers());
            }
            var digests = result.report().provenance().digests();
            if (digests.size() == 1 || digests.size() == 2 && digests.get(0).file().equals(digests.get(1).file())) {
                for (var digest : digests) {
                    out.printf("    %s %s%s%n", digest.algorithm(), digest.hex(), digest.pinned() ? " (pinned)" : "");
                }
            } else if (!digests.isEmpty()) {
                long pinned = digests.stream().filter(d -> d.pinned()).map(d -> d.file()).distinct().count();
                long files = digests.stream().map(d -> d.file()).distinct().count();
                out.printf("    %d files hashed, %d pinned or covered by the signature%n", files, pinned);
            }
            for (String note : result.report().notes()) {
                out.println("    note: " + note);
            }
        }
        out.printf("%d verified, %d rejected%n", verified, rejected);
    }
}
