package dev.safeload;

import dev.safeload.api.ModelMetadata;
import dev.safeload.api.TensorEntry;
import dev.safeload.api.tree.IntNode;
import dev.safeload.api.tree.MetadataNode;
import dev.safeload.api.tree.StrNode;
import dev.safeload.api.tree.TensorNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;

/** One tensor's metadata in a form that both safeload's tree and torch's JSON can be reduced to. */
record TensorFacts(String path, String dtype, List<Long> shape, List<Long> stride, long offset, boolean requiresGrad,
                   boolean parameter, long storageElements) {

    static List<TensorFacts> of(ModelMetadata metadata) {
        List<TensorFacts> out = new ArrayList<>();
        for (TensorEntry entry : metadata.tensors()) {
            TensorNode t = entry.tensor();
            long storageElements = t.storage().recordBytes() / t.dtype().elementSize();
            out.add(new TensorFacts(pathOf(entry.path()), t.dtype().torchName(), boxed(t.shape()), boxed(t.stride()),
                    t.storageOffset(), t.requiresGrad(), t.isParameter(), storageElements));
        }
        return out;
    }

    /** From torch's JSON: {@code path, dtype, shape, stride, storage_offset, requires_grad, parameter|is_parameter}. */
    static List<TensorFacts> of(JsonNode tensors, String storageElementsField) {
        List<TensorFacts> out = new ArrayList<>();
        for (JsonNode t : tensors) {
            List<String> path = new ArrayList<>();
            t.get("path").forEach(p -> path.add(p.isString() ? p.asString() : p.toString()));
            JsonNode parameter = t.has("parameter") ? t.get("parameter") : t.get("is_parameter");
            out.add(new TensorFacts(String.join("/", path), t.get("dtype").asString(), longs(t.get("shape")),
                    longs(t.get("stride")), t.get("storage_offset").asLong(), t.get("requires_grad").asBoolean(),
                    parameter.asBoolean(), t.get(storageElementsField).asLong()));
        }
        return out;
    }

    private static String pathOf(List<MetadataNode> path) {
        return path.stream().map(node -> {
            if (node instanceof StrNode s) {
                return s.value();
            }
            if (node instanceof IntNode i) {
                return i.toString();
            }
            return String.valueOf(node);
        }).collect(Collectors.joining("/"));
    }

    private static List<Long> boxed(long[] values) {
        return Arrays.stream(values).boxed().toList();
    }

    private static List<Long> longs(JsonNode array) {
        List<Long> out = new ArrayList<>();
        array.forEach(v -> out.add(v.asLong()));
        return out;
    }
}
