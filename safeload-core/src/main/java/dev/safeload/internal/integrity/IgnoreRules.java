package dev.safeload.internal.integrity;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Which relative paths a directory verification skips, as OpenSSF model signing defines it: a path is ignored
 * when it equals an ignore entry or lies under it as a directory. Entries are relative to the model root;
 * a trailing {@code /} is allowed. The signer's git defaults ({@code .git}, {@code .gitattributes},
 * {@code .github}, {@code .gitignore} at the root) apply only where the statement's rules apply.
 */
public final class IgnoreRules {

    /** What model_signing ignores by default on verification ({@code ignore_git_paths=True}). */
    public static final List<String> GIT_PATHS = List.of(".git", ".gitattributes", ".github", ".gitignore");

    private IgnoreRules() {
    }

    public static Predicate<String> matcher(List<String> paths, boolean gitDefaults) {
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
        if (gitDefaults) {
            entries.addAll(GIT_PATHS);
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

    /** Whether signature bytes are a JSON document (a model-signing bundle) rather than a detached signature. */
    public static boolean looksLikeJson(byte[] bytes) {
        for (byte b : bytes) {
            if (b == ' ' || b == '\t' || b == '\r' || b == '\n') {
                continue;
            }
            return b == '{';
        }
        return false;
    }
}
