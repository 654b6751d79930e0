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
            for (String note : result.report().notes()) {
                out.println("    note: " + note);
            }
        }
        out.printf("%d verified, %d rejected%n", verified, rejected);
    }
}
