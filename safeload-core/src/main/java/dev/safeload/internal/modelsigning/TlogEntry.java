package dev.safeload.internal.modelsigning;

import static dev.safeload.internal.modelsigning.StrictJson.array;
import static dev.safeload.internal.modelsigning.StrictJson.invalid;
import static dev.safeload.internal.modelsigning.StrictJson.object;
import static dev.safeload.internal.modelsigning.StrictJson.onlyKeys;
import static dev.safeload.internal.modelsigning.StrictJson.requiredObject;
import static dev.safeload.internal.modelsigning.StrictJson.requiredString;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One Rekor entry of a keyless bundle ({@code verificationMaterial.tlogEntries[i]}), read strictly. Nothing here
 * is trusted until {@link Keyless} has checked it. Every problem is a {@code SIGNATURE_INVALID} {@link
 * dev.safeload.internal.Reject}.
 *
 * @param logIndex the entry's index in the log (what the signed entry timestamp covers)
 * @param logKeyId the log's id, 32 bytes as lower-case hex
 * @param kind the body's kind, for example {@code dsse}
 * @param version the body's version, for example {@code 0.0.1}
 * @param integratedTime seconds since the epoch at which the log integrated the entry
 * @param signedEntryTimestamp the log's signature over the entry (the SET), or {@code null} if absent
 * @param proof the inclusion proof, or {@code null} if absent
 * @param body the canonicalized body, decoded
 */
record TlogEntry(long logIndex, String logKeyId, String kind, String version, long integratedTime,
        byte[] signedEntryTimestamp, Proof proof, byte[] body) {

    /** The most audit-path hashes read (a tree of 2^64 leaves needs 64). */
    static final int MAX_PROOF_HASHES = 64;

    /**
     * An RFC 6962 inclusion proof with the log's signed checkpoint.
     *
     * @param logIndex the leaf index in the tree the proof is for
     * @param treeSize the size of that tree
     * @param rootHash its root hash, 32 bytes
     * @param hashes the audit path, each 32 bytes
     * @param checkpoint the signed note, as text
     */
    record Proof(long logIndex, long treeSize, byte[] rootHash, List<byte[]> hashes, String checkpoint) {
    }

    static TlogEntry parse(Map<String, Object> entry, String where) {
        onlyKeys(entry, Set.of("logIndex", "logId", "kindVersion", "integratedTime", "inclusionPromise",
                "inclusionProof", "canonicalizedBody"), where);
        long logIndex = int64(StrictJson.required(entry, "logIndex", where), where + ".logIndex");
        Map<String, Object> logId = requiredObject(entry, "logId", where);
        onlyKeys(logId, Set.of("keyId"), where + ".logId");
        byte[] keyId = bytes(requiredString(logId, "keyId", where + ".logId"), where + ".logId.keyId");
        if (keyId.length != 32) {
            throw invalid(where + ".logId.keyId is " + keyId.length + " bytes, not 32");
        }
        Map<String, Object> kindVersion = requiredObject(entry, "kindVersion", where);
        onlyKeys(kindVersion, Set.of("kind", "version"), where + ".kindVersion");
        String kind = requiredString(kindVersion, "kind", where + ".kindVersion");
        String version = requiredString(kindVersion, "version", where + ".kindVersion");
        long integratedTime = int64(StrictJson.required(entry, "integratedTime", where), where + ".integratedTime");
        byte[] set = null;
        if (entry.containsKey("inclusionPromise")) {
            Map<String, Object> promise = object(entry.get("inclusionPromise"), where + ".inclusionPromise");
            onlyKeys(promise, Set.of("signedEntryTimestamp"), where + ".inclusionPromise");
            set = bytes(requiredString(promise, "signedEntryTimestamp", where + ".inclusionPromise"),
                    where + ".inclusionPromise.signedEntryTimestamp");
        }
        Proof proof = null;
        if (entry.containsKey("inclusionProof")) {
            proof = proof(object(entry.get("inclusionProof"), where + ".inclusionProof"), where + ".inclusionProof");
        }
        byte[] body = bytes(requiredString(entry, "canonicalizedBody", where), where + ".canonicalizedBody");
        return new TlogEntry(logIndex, Crypto.hex(keyId), kind, version, integratedTime, set, proof, body);
    }

    private static Proof proof(Map<String, Object> proof, String where) {
        onlyKeys(proof, Set.of("logIndex", "rootHash", "treeSize", "hashes", "checkpoint"), where);
        long index = int64(StrictJson.required(proof, "logIndex", where), where + ".logIndex");
        long size = int64(StrictJson.required(proof, "treeSize", where), where + ".treeSize");
        byte[] root = hash(requiredString(proof, "rootHash", where), where + ".rootHash");
        List<Object> entries = array(StrictJson.required(proof, "hashes", where), where + ".hashes");
        if (entries.size() > MAX_PROOF_HASHES) {
            throw invalid(where + ".hashes holds " + entries.size() + " hashes, more than " + MAX_PROOF_HASHES);
        }
        List<byte[]> hashes = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            hashes.add(hash(StrictJson.string(entries.get(i), where + ".hashes[" + i + "]"), where + ".hashes[" + i + "]"));
        }
        Map<String, Object> checkpoint = requiredObject(proof, "checkpoint", where);
        onlyKeys(checkpoint, Set.of("envelope"), where + ".checkpoint");
        String envelope = requiredString(checkpoint, "envelope", where + ".checkpoint");
        return new Proof(index, size, root, List.copyOf(hashes), envelope);
    }

    private static byte[] hash(String text, String where) {
        byte[] bytes = bytes(text, where);
        if (bytes.length != 32) {
            throw invalid(where + " is " + bytes.length + " bytes, not a SHA-256 hash");
        }
        return bytes;
    }

    private static byte[] bytes(String text, String where) {
        return Crypto.base64(text).orElseThrow(() -> invalid(where + " is not base64"));
    }

    /** A protobuf-JSON int64: a decimal string (what the writers emit) or a JSON integer; never negative. */
    static long int64(Object value, String where) {
        BigDecimal number;
        if (value instanceof String s) {
            if (!s.matches("0|[1-9][0-9]{0,18}")) {
                throw invalid(where + " is not a non-negative decimal integer");
            }
            number = new BigDecimal(s);
        } else if (value instanceof BigDecimal d) {
            number = d;
        } else {
            throw invalid(where + " is not an integer");
        }
        try {
            long result = number.longValueExact();
            if (result < 0) {
                throw invalid(where + " is negative");
            }
            return result;
        } catch (ArithmeticException e) {
            throw invalid(where + " is not an integer within 64 bits");
        }
    }
}
