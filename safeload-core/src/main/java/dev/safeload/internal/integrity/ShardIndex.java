package dev.safeload.internal.integrity;

import dev.safeload.api.Location;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.SafeText;
import dev.safeload.internal.Reject;
import dev.safeload.internal.io.StrictJsonFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;

/**
 * A sharded checkpoint's index ({@code model.safetensors.index.json}, {@code pytorch_model.bin.index.json}):
 * its {@code weight_map} from tensor name to shard file. Parsed strictly: UTF-8 only, duplicate keys refused,
 * nesting and string sizes bounded; other members ({@code metadata}) are skipped.
 *
 * @param weightMap tensor name to shard file name, in file order
 * @param totalSize {@code metadata.total_size} if present and an integer, else -1
 */
public record ShardIndex(Map<String, String> weightMap, long totalSize) {

    /** Whether a file's name marks it as a shard index. */
    public static boolean isIndexName(String relativeName) {
        return relativeName.endsWith(".index.json");
    }

    /** Parses an index; a malformed one is a {@link RejectionCode#TENSOR_INCONSISTENT} rejection. */
    public static ShardIndex parse(byte[] json, String name) {
        Location location = Location.entry(SafeText.escape(name));
        try (JsonParser parser = factory().createParser(ObjectReadContext.empty(), json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw malformed(name, "it is not a JSON object", location);
            }
            Map<String, String> weightMap = null;
            long totalSize = -1;
            while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                String member = parser.currentName();
                JsonToken value = parser.nextToken();
                if (member.equals("weight_map")) {
                    if (value != JsonToken.START_OBJECT) {
                        throw malformed(name, "weight_map is not an object", location);
                    }
                    weightMap = new LinkedHashMap<>();
                    while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                        String tensor = parser.currentName();
                        if (parser.nextToken() != JsonToken.VALUE_STRING) {
                            throw malformed(name, "weight_map maps " + SafeText.escape(tensor) + " to a non-string",
                                    location);
                        }
                        weightMap.put(tensor, parser.getString());
                    }
                } else if (member.equals("metadata") && value == JsonToken.START_OBJECT) {
                    while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                        String key = parser.currentName();
                        JsonToken token = parser.nextToken();
                        if (key.equals("total_size") && token == JsonToken.VALUE_NUMBER_INT) {
                            totalSize = parser.getValueAsLong(-1);
                        } else {
                            parser.skipChildren();
                        }
                    }
                } else {
                    parser.skipChildren();
                }
            }
            if (parser.nextToken() != null) {
                throw malformed(name, "it has content after the top-level object", location);
            }
            if (weightMap == null) {
                throw malformed(name, "it has no weight_map", location);
            }
            return new ShardIndex(Map.copyOf(weightMap), totalSize);
        } catch (JacksonException e) {
            throw malformed(name, "it is not valid JSON: " + SafeText.escape(String.valueOf(e.getOriginalMessage())),
                    location);
        }
    }

    private static JsonFactory factory() {
        return StrictJsonFactory.create(StreamReadConstraints.builder().maxNestingDepth(64)
                .maxStringLength(1 << 20).maxNameLength(1 << 16).maxNumberLength(64).build());
    }

    private static Reject malformed(String name, String why, Location location) {
        return Reject.of(RejectionCode.TENSOR_INCONSISTENT, "shard index " + SafeText.escape(name) + " is malformed: "
                + why, location);
    }
}
