package dev.safeload.internal.modelsigning;

import static dev.safeload.internal.modelsigning.StrictJson.array;
import static dev.safeload.internal.modelsigning.StrictJson.invalid;
import static dev.safeload.internal.modelsigning.StrictJson.object;
import static dev.safeload.internal.modelsigning.StrictJson.onlyKeys;
import static dev.safeload.internal.modelsigning.StrictJson.requiredObject;
import static dev.safeload.internal.modelsigning.StrictJson.requiredString;
import static dev.safeload.internal.modelsigning.StrictJson.string;

import dev.safeload.api.SafeText;
import java.math.BigDecimal;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The in-toto statement inside a verified bundle, read strictly from the exact payload bytes that the signature
 * covers (never re-serialized). Only the v1.0 model-signing predicate is accepted:
 * <pre>
 * { "_type": "https://in-toto.io/Statement/v1",
 *   "subject": [ { "name": NAME, "digest": { "sha256": ROOT-HEX, ... } } ],          exactly one
 *   "predicateType": "https://model_signing/signature/v1.0",
 *   "predicate": { "serialization": { "method": "files"|"shards", "hash_type": "sha256"|"blake2b"|"blake3",
 *                                     "allow_symlinks": BOOL, "shard_size": NUMBER (shards only),
 *                                     "ignore_paths": [PATH, ...] },
 *                  "resources": [ { "name": PATH | PATH:START:END, "algorithm": ALG, "digest": HEX }, ... ] } }
 * </pre>
 * Unknown fields of the statement and of the predicate are ignored (the in-toto and model-signing rules); unknown
 * fields of {@code serialization} and of a resource are refused, because they could change what the digests mean.
 * Every problem is {@code SIGNATURE_INVALID}.
 */
record Statement(String subjectName, byte[] root, String method, String hashType, boolean allowSymlinks,
        long shardSize, List<String> ignorePaths, List<Resource> resources, boolean singleFile) {

    static final String STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
    static final String PREDICATE_V1 = "https://model_signing/signature/v1.0";
    static final String PREDICATE_V01 = "https://model_signing/Digests/v0.1";
    static final String FILES = "files";
    static final String SHARDS = "shards";

    /**
     * One signed digest.
     *
     * @param name the resource name as signed
     * @param path the file it covers ({@code "."} for a single-file model)
     * @param start first byte covered (0 in files mode)
     * @param end one past the last byte covered ({@code -1} in files mode: the whole file)
     * @param digest the raw digest
     */
    record Resource(String name, String path, long start, long end, byte[] digest) {
    }

    /** {@return the digest length of a per-file algorithm, or 0 if model signing does not define it} */
    static int digestLength(String hashType) {
        return switch (hashType) {
            case "sha256", "blake3" -> 32;
            case "blake2b" -> 64;
            default -> 0;
        };
    }

    static Statement parse(byte[] payload) {
        Map<String, Object> top = StrictJson.readObject(payload, "signed statement");
        String type = requiredString(top, "_type", "the statement");
        if (!type.equals(STATEMENT_TYPE)) {
            throw invalid("the statement's _type is '" + SafeText.escape(type) + "', not " + STATEMENT_TYPE);
        }
        String predicateType = requiredString(top, "predicateType", "the statement");
        if (predicateType.equals(PREDICATE_V01)) {
            throw invalid("the statement uses the pre-1.0 predicate " + PREDICATE_V01
                    + " (model_signing 0.2); safeload supports only " + PREDICATE_V1);
        }
        if (!predicateType.equals(PREDICATE_V1)) {
            throw invalid("unsupported predicate type '" + SafeText.escape(predicateType) + "'; safeload supports only "
                    + PREDICATE_V1);
        }
        List<Object> subjects = array(StrictJson.required(top, "subject", "the statement"), "the statement's subject");
        if (subjects.size() != 1) {
            throw invalid("the statement has " + subjects.size() + " subjects; model signing has exactly one");
        }
        Map<String, Object> subject = object(subjects.get(0), "subject[0]");
        String subjectName = requiredString(subject, "name", "subject[0]");
        String rootHex = requiredString(requiredObject(subject, "digest", "subject[0]"), "sha256", "subject[0].digest");
        byte[] root = Crypto.unhex(rootHex, 32)
                .orElseThrow(() -> invalid("subject[0].digest.sha256 is not 64 hex digits"));

        Map<String, Object> predicate = requiredObject(top, "predicate", "the statement");
        Map<String, Object> serialization = requiredObject(predicate, "serialization", "the predicate");
        onlyKeys(serialization, Set.of("method", "hash_type", "allow_symlinks", "shard_size", "ignore_paths"),
                "predicate.serialization");
        String method = requiredString(serialization, "method", "predicate.serialization");
        if (!method.equals(FILES) && !method.equals(SHARDS)) {
            throw invalid("unsupported serialization method '" + SafeText.escape(method) + "'");
        }
        String hashType = requiredString(serialization, "hash_type", "predicate.serialization");
        int digestLength = digestLength(hashType);
        if (digestLength == 0) {
            throw invalid("unsupported hash_type '" + SafeText.escape(hashType) + "' (sha256, blake2b, blake3)");
        }
        Object symlinks = serialization.getOrDefault("allow_symlinks", Boolean.FALSE);
        if (!(symlinks instanceof Boolean allowSymlinks)) {
            throw invalid("predicate.serialization.allow_symlinks is not a boolean");
        }
        long shardSize = shardSize(serialization, method);
        List<String> ignorePaths = ignorePaths(serialization);

        List<Object> entries = array(StrictJson.required(predicate, "resources", "the predicate"), "predicate.resources");
        String algorithm = method.equals(FILES) ? hashType : hashType + "-sharded-" + shardSize;
        List<Resource> resources = new ArrayList<>(entries.size());
        Set<String> names = new HashSet<>();
        MessageDigest rootHash = Crypto.newSha256();
        for (int i = 0; i < entries.size(); i++) {
            String where = "resources[" + i + "]";
            Map<String, Object> entry = object(entries.get(i), where);
            onlyKeys(entry, Set.of("name", "algorithm", "digest"), where);
            String name = requiredString(entry, "name", where);
            if (!names.add(name)) {
                throw invalid("the statement lists the resource '" + SafeText.escape(name) + "' twice");
            }
            String entryAlgorithm = requiredString(entry, "algorithm", where);
            if (!entryAlgorithm.equals(algorithm)) {
                throw invalid(where + " has algorithm '" + SafeText.escape(entryAlgorithm) + "', not " + algorithm);
            }
            byte[] digest = Crypto.unhex(requiredString(entry, "digest", where), digestLength)
                    .orElseThrow(() -> invalid(where + ".digest is not " + (digestLength * 2) + " hex digits"));
            rootHash.update(digest);
            resources.add(method.equals(FILES) ? fileResource(name, digest) : shardResource(name, digest));
        }
        if (!MessageDigest.isEqual(rootHash.digest(), root)) {
            throw invalid("the statement's subject digest is not the SHA-256 of its resource digests");
        }
        boolean singleFile = checkLayout(resources, method, shardSize);
        return new Statement(subjectName, root, method, hashType, allowSymlinks, shardSize, ignorePaths,
                List.copyOf(resources), singleFile);
    }

    private static long shardSize(Map<String, Object> serialization, String method) {
        Object value = serialization.get("shard_size");
        if (method.equals(FILES)) {
            if (value != null) {
                throw invalid("predicate.serialization.shard_size is set in files mode");
            }
            return 0;
        }
        if (!(value instanceof BigDecimal number)) {
            throw invalid("predicate.serialization.shard_size is " + (value == null ? "missing" : "not a number"));
        }
        // Written as 8 or 8.0 (a protobuf Struct number); bound the scale before touching the value.
        if (number.scale() > 20 || number.scale() < -20 || number.signum() <= 0) {
            throw invalid("predicate.serialization.shard_size is not a positive integer");
        }
        try {
            return number.setScale(0, java.math.RoundingMode.UNNECESSARY).longValueExact();
        } catch (ArithmeticException e) {
            throw invalid("predicate.serialization.shard_size is not a positive integer that fits in 63 bits");
        }
    }

    private static List<String> ignorePaths(Map<String, Object> serialization) {
        Object value = serialization.get("ignore_paths");
        if (value == null) {
            return List.of();
        }
        List<String> paths = new ArrayList<>();
        for (Object entry : array(value, "predicate.serialization.ignore_paths")) {
            String path = string(entry, "an ignore_paths entry");
            String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
            if (!isRelativePath(trimmed)) {
                throw invalid("ignore_paths holds '" + SafeText.escape(path)
                        + "', which is not a relative path inside the model");
            }
            paths.add(path);
        }
        return List.copyOf(paths);
    }

    private static Resource fileResource(String name, byte[] digest) {
        if (!name.equals(".") && !isRelativePath(name)) {
            throw invalid("resource name '" + SafeText.escape(name) + "' is not a relative POSIX path inside the model");
        }
        return new Resource(name, name, 0, -1, digest);
    }

    /** {@code path:start:end}, split from the right because a path may itself contain ':'. */
    private static Resource shardResource(String name, byte[] digest) {
        int second = name.lastIndexOf(':');
        int first = second <= 0 ? -1 : name.lastIndexOf(':', second - 1);
        if (first <= 0) {
            throw invalid("shard name '" + SafeText.escape(name) + "' is not path:start:end");
        }
        String path = name.substring(0, first);
        long start = offset(name.substring(first + 1, second), name);
        long end = offset(name.substring(second + 1), name);
        if (!path.equals(".") && !isRelativePath(path)) {
            throw invalid("shard name '" + SafeText.escape(name) + "' has a path that is not relative inside the model");
        }
        if (end <= start) {
            throw invalid("shard '" + SafeText.escape(name) + "' is empty or reversed");
        }
        return new Resource(name, path, start, end, digest);
    }

    /** A decimal offset without sign or leading zeros, as Python's {@code str(int)} writes it. */
    private static long offset(String text, String name) {
        boolean digits = !text.isEmpty() && text.length() <= 19 && (text.equals("0") || text.charAt(0) != '0');
        for (int i = 0; digits && i < text.length(); i++) {
            digits = text.charAt(i) >= '0' && text.charAt(i) <= '9';
        }
        if (!digits) {
            throw invalid("shard '" + SafeText.escape(name) + "' has a malformed offset");
        }
        return Long.parseLong(text);
    }

    /**
     * Checks that "." (a single-file model) stands alone and that, in shards mode, each file's shards tile it:
     * 0 to its size in {@code shardSize} steps, the last one possibly shorter.
     *
     * @return whether this is a single-file model
     */
    private static boolean checkLayout(List<Resource> resources, String method, long shardSize) {
        boolean single = resources.stream().anyMatch(r -> r.path().equals("."));
        if (single && resources.stream().anyMatch(r -> !r.path().equals("."))) {
            throw invalid("the statement mixes a single-file resource '.' with other files");
        }
        if (method.equals(SHARDS)) {
            Map<String, TreeMap<Long, Resource>> byPath = new TreeMap<>();
            for (Resource r : resources) {
                if (byPath.computeIfAbsent(r.path(), p -> new TreeMap<>()).put(r.start(), r) != null) {
                    throw invalid("two shards of '" + SafeText.escape(r.path()) + "' start at " + r.start());
                }
            }
            for (Map.Entry<String, TreeMap<Long, Resource>> file : byPath.entrySet()) {
                long expected = 0;
                Resource last = null;
                for (Resource r : file.getValue().values()) {
                    if (last != null && last.end() - last.start() != shardSize) {
                        throw invalid("shards of '" + SafeText.escape(file.getKey()) + "' are not " + shardSize
                                + " bytes apart");
                    }
                    if (r.start() != expected || r.end() - r.start() > shardSize) {
                        throw invalid("shards of '" + SafeText.escape(file.getKey())
                                + "' do not tile the file in shard_size steps from 0");
                    }
                    expected = r.end();
                    last = r;
                }
            }
        }
        return single;
    }

    /**
     * Whether {@code path} is a relative POSIX path that stays inside the model: non-empty segments separated by
     * single {@code /}, none of them {@code .} or {@code ..}, no backslash, no NUL.
     */
    static boolean isRelativePath(String path) {
        if (path.isEmpty() || path.indexOf('\\') >= 0 || path.indexOf('\0') >= 0) {
            return false;
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }

    /** {@return every distinct file path the statement covers, sorted} */
    Set<String> paths() {
        Set<String> paths = new java.util.TreeSet<>();
        for (Resource r : resources) {
            paths.add(r.path());
        }
        return paths;
    }
}
