package dev.safeload.internal.integrity;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Which relative paths a directory verification skips at the user's request, with the semantics OpenSSF model
 * signing gives its own ignore paths (a path equal to an entry, or under it as a directory; entries relative to
 * the model root, a trailing {@code /} allowed). The signed statement's paths, with the signer's git defaults,
 * come from {@code VerifiedStatement.ignoreMatcher}.
 */
public final class IgnoreRules {

    private IgnoreRules() {
    }

    public static Predicate<String> matcher(List<String> paths) {
        List<String> entries = new ArrayList<>();
        for (String path : paths) {
            String entry = path;
            while (entry.endsWith("/")) {
                entry = entry.substring(0, entry.length() - 1);
            }
            while (entry.startsWith("./")) {
                entry = entry.substring(2);
            }
            if (!entry.isEmpty()) {
                entries.add(entry);
            }
        }
        List<String> fixed = List.copyOf(entries);
        return name -> {
            String candidate = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
            for (String entry : fixed) {
                if (candidate.equals(entry) || candidate.startsWith(entry + "/")) {
                    return true;
                }
            }
            return false;
        };
    }
}
