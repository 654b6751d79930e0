package dev.safeload.internal.io;

import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamFactory;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.json.JsonFactoryBuilder;
import tools.jackson.core.json.JsonReadFeature;

/**
 * The one way safeload parses JSON from untrusted files (safetensors headers, model-signing bundles, shard
 * indexes): jackson-core's streaming parser with duplicate keys refused, UTF-8 only (no guessing UTF-16/32,
 * no skipping a byte-order mark), every leniency off, property names kept out of the JVM's string table and a
 * flood of colliding names failing the parse, within the caller's size and nesting constraints.
 */
public final class StrictJsonFactory {

    private StrictJsonFactory() {
    }

    public static JsonFactory create(StreamReadConstraints constraints) {
        JsonFactoryBuilder builder = JsonFactory.builder()
                .streamReadConstraints(constraints)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                .disable(TokenStreamFactory.Feature.CHARSET_DETECTION)
                .disable(TokenStreamFactory.Feature.INTERN_PROPERTY_NAMES)
                .enable(TokenStreamFactory.Feature.FAIL_ON_SYMBOL_HASH_OVERFLOW);
        for (JsonReadFeature leniency : JsonReadFeature.values()) {
            builder.disable(leniency);
        }
        return builder.build();
    }
}
