package dev.safeload;

import dev.safeload.api.Location;
import dev.safeload.api.ModelFormat;
import dev.safeload.api.ModelMetadata;
import dev.safeload.api.Rejection;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.SafeText;
import dev.safeload.api.TensorEntry;
import dev.safeload.api.VerificationResult;
import dev.safeload.api.tree.DictNode;
import dev.safeload.api.tree.MetadataNode;
import dev.safeload.api.tree.StrNode;
import dev.safeload.internal.Reject;
import dev.safeload.internal.TreeWalk;
import dev.safeload.internal.integrity.IntegrityCheck;
import dev.safeload.internal.integrity.PerFile;
import dev.safeload.internal.integrity.ShardIndex;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The second half of verifying a model directory, after its integrity checks passed: vets every file whose
 * content is a model format (in parallel), reports the others as integrity-checked only, checks each shard
 * index against the shards' real tensors, and joins the files' trees under their relative paths.
 */
final class DirectoryVetting {

    private final SafeModelLoader loader;
    private final Path root;
    private final String name;
    private final IntegrityCheck.Outcome checked;
    private final List<String> ran;
    private final long start;

    DirectoryVetting(SafeModelLoader loader, Path root, String name, IntegrityCheck.Outcome checked, List<String> ran,
                     long start) {
        this.loader = loader;
        this.root = root;
        this.name = name;
        this.checked = checked;
        this.ran = ran;
        this.start = start;
    }

    VerificationResult run() throws IOException {
        ran.add("directory-vetting");
        Map<String, SafeModelLoader.FileVet> vets = vetAll();
        List<Rejection> rejections = new ArrayList<>();
        List<String> notes = new ArrayList<>(checked.notes());
        List<MetadataNode> keys = new ArrayList<>();
        List<MetadataNode> values = new ArrayList<>();
        Set<String> operators = new LinkedHashSet<>();
        List<String> integrityOnly = new ArrayList<>();
        long size = 0;
        long tensors = 0;
        for (Map.Entry<String, SafeModelLoader.FileVet> entry : vets.entrySet()) {
            String file = entry.getKey();
            SafeModelLoader.FileVet vet = entry.getValue();
            size += vet.size();
            vet.notes().forEach(note -> notes.add(SafeText.escape(file) + ": " + note));
            vet.rejections().forEach(r -> rejections.add(inFile(file, r)));
            if (!vet.modelFormat()) {
                integrityOnly.add(file);
            } else if (vet.metadata() != null) {
                keys.add(new StrNode(file));
                values.add(vet.metadata().root());
                tensors += vet.metadata().summary().tensors();
                operators.addAll(vet.metadata().operators());
            }
        }
        if (!integrityOnly.isEmpty()) {
            boolean covered = !checked.provenance().digests().isEmpty()
                    && checked.provenance().digests().stream().allMatch(d -> d.pinned());
            notes.add((covered ? "integrity-checked only (no model format): "
                    : "not vetted (no model format) and not integrity-checked (no pins or signature configured): ")
                    + SafeText.escape(String.join(", ", integrityOnly)));
        }
        checkIndexes(vets, rejections);
        if (keys.isEmpty()) {
            notes.add("the directory holds no model file (no torch.save, TorchScript, pickle or safetensors"
                    + " content)");
        }
        if (!rejections.isEmpty()) {
            return SafeModelLoader.rejected(rejections, name, size, ModelFormat.DIRECTORY, ran, notes, start,
                    checked.provenance());
        }
        DictNode tree = new DictNode(DictNode.Kind.DICT, keys, values);
        ModelMetadata metadata = new ModelMetadata(ModelFormat.DIRECTORY, tree, TreeWalk.summarize(tree, tensors),
                List.copyOf(operators));
        rejections.addAll(loader.runDirectoryVerifiers(name, size, metadata, ran));
        if (!rejections.isEmpty()) {
            return SafeModelLoader.rejected(rejections, name, size, ModelFormat.DIRECTORY, ran, notes, start,
                    checked.provenance());
        }
        return new VerificationResult.Verified(metadata, SafeModelLoader.report(name, size, ModelFormat.DIRECTORY, ran,
                notes, start, checked.provenance()));
    }

    private Map<String, SafeModelLoader.FileVet> vetAll() throws IOException {
        return PerFile.run(checked.files(), loader.hashingThreads(), "safeload-vet",
                (file, path) -> loader.vetFile(path, file));
    }

    /**
     * Each index's weight map must name exactly the tensors its shards hold: every shard exists and was vetted,
     * every mapped tensor is a top-level entry of its shard, and every shard tensor is mapped to that shard.
     */
    private void checkIndexes(Map<String, SafeModelLoader.FileVet> vets, List<Rejection> rejections)
            throws IOException {
        for (Map.Entry<String, Path> file : checked.files().entrySet()) {
            String indexName = file.getKey();
            if (!ShardIndex.isIndexName(indexName)) {
                continue;
            }
            ShardIndex index;
            try {
                index = ShardIndex.parse(loader.integrity().readManifest(file.getValue(), "shard index"), indexName);
            } catch (Reject reject) {
                rejections.add(reject.rejection());
                continue;
            }
            String folder = indexName.contains("/") ? indexName.substring(0, indexName.lastIndexOf('/') + 1) : "";
            Map<String, Set<String>> expected = new TreeMap<>();
            index.weightMap().forEach((tensor, shard) ->
                    expected.computeIfAbsent(shard, s -> new HashSet<>()).add(tensor));
            for (Map.Entry<String, Set<String>> shard : expected.entrySet()) {
                String shardName = folder + shard.getKey();
                SafeModelLoader.FileVet vet = vets.get(shardName);
                Location where = Location.entry(SafeText.escape(indexName));
                if (vet == null || !vet.modelFormat()) {
                    rejections.add(Rejection.of(RejectionCode.TENSOR_INCONSISTENT, "shard index "
                            + SafeText.escape(indexName) + " maps tensors to " + SafeText.escape(shard.getKey())
                            + (vet == null ? ", which is not in the model directory" : ", which is no model file"),
                            where));
                    continue;
                }
                if (vet.metadata() == null) {
                    continue;
                }
                Set<String> actual = topLevelNames(vet.metadata());
                Set<String> missing = new java.util.TreeSet<>(shard.getValue());
                missing.removeAll(actual);
                Set<String> unmapped = new java.util.TreeSet<>(actual);
                unmapped.removeAll(shard.getValue());
                if (!missing.isEmpty()) {
                    rejections.add(Rejection.of(RejectionCode.TENSOR_INCONSISTENT, "shard index "
                            + SafeText.escape(indexName) + " maps " + missing.size() + " tensor(s) to "
                            + SafeText.escape(shard.getKey()) + " that it does not hold, for example "
                            + SafeText.escape(missing.iterator().next()), where));
                }
                if (!unmapped.isEmpty()) {
                    rejections.add(Rejection.of(RejectionCode.TENSOR_INCONSISTENT, "shard "
                            + SafeText.escape(shard.getKey()) + " holds " + unmapped.size() + " tensor(s) that index "
                            + SafeText.escape(indexName) + " does not map to it, for example "
                            + SafeText.escape(unmapped.iterator().next()), where));
                }
            }
        }
    }

    /** The names a loader looks tensors up by: the first path element of every tensor in the shard. */
    private static Set<String> topLevelNames(ModelMetadata metadata) {
        Set<String> names = new HashSet<>();
        for (TensorEntry entry : metadata.tensors()) {
            if (!entry.path().isEmpty() && entry.path().get(0) instanceof StrNode key) {
                names.add(key.value());
            }
        }
        return names;
    }

    private static Rejection inFile(String file, Rejection rejection) {
        Location location = rejection.location().equals(Location.NONE)
                ? Location.entry(SafeText.escape(file)) : rejection.location();
        return rejection.limitBreach().map(breach -> Rejection.limit(breach, location)).orElseGet(() ->
                Rejection.of(rejection.code(), "file " + SafeText.escape(file) + ": " + rejection.message(), location));
    }
}
