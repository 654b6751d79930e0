package dev.safeload.internal.modelsigning;

import dev.safeload.api.RejectionCode;
import dev.safeload.api.SafeText;
import dev.safeload.internal.Reject;
import dev.safeload.internal.io.StrictJsonFactory;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;

/**
 * A strict, bounded JSON reader for model-signing bundles and the statements inside them. It builds a small
 * tree ({@code Map<String,Object>} in document order, {@code List<Object>}, {@code String}, {@link BigDecimal},
 * {@code Boolean}, {@link #NULL}) with Jackson's streaming parser, configured as in the safetensors header reader:
 * <ul>
 *   <li>UTF-8 only (no charset detection, no byte order mark), standard JSON only (every leniency off);</li>
 *   <li>duplicate keys rejected in every object, at every level;</li>
 *   <li>the document at most {@link #MAX_DOCUMENT_BYTES}, nesting at most {@link #MAX_DEPTH}, at most
 *       {@link #MAX_TOKENS} tokens, numbers at most {@link #MAX_NUMBER_CHARS} characters;</li>
 *   <li>no unpaired surrogate escapes in names or strings;</li>
 *   <li>nothing after the top-level value, which must be an object.</li>
 * </ul>
 * Every problem, including a tripped Jackson constraint, is a {@code SIGNATURE_INVALID} {@link Reject}: the
 * bundle is the signature, and a malformed one cannot verify. Memory is bounded by the document cap: the tree
 * holds at most a few objects per token.
 */
final class StrictJson {

    /** The JSON null value (a tree cannot hold Java {@code null} in an unmodifiable collection). */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    /** A bundle, and a statement decoded from it, is never larger than 1 MiB. */
    static final int MAX_DOCUMENT_BYTES = 1 << 20;
    /** The deepest a bundle goes is five levels (bundle, verificationMaterial, chain, certificates, entry). */
    static final int MAX_DEPTH = 16;
    /** One token is at least one byte; this only stops pathological inputs sooner. */
    static final long MAX_TOKENS = 200_000;
    /** Longer than any number a bundle or statement needs ({@code shard_size} fits in 19 digits). */
    static final int MAX_NUMBER_CHARS = 40;

    private static final JsonFactory FACTORY = factory();

    private final JsonParser parser;
    private final String what;

    private StrictJson(JsonParser parser, String what) {
        this.parser = parser;
        this.what = what;
    }

    private static JsonFactory factory() {
        return StrictJsonFactory.create(StreamReadConstraints.builder()
                .maxDocumentLength(MAX_DOCUMENT_BYTES)
                .maxNestingDepth(MAX_DEPTH)
                .maxTokenCount(MAX_TOKENS)
                .maxNumberLength(MAX_NUMBER_CHARS)
                .maxStringLength(MAX_DOCUMENT_BYTES)
                .maxNameLength(MAX_DOCUMENT_BYTES)
                .build());
    }

    /**
     * Reads a JSON object.
     *
     * @param json the document's bytes, UTF-8
     * @param what how messages name the document, for example {@code "bundle"}
     * @return the top-level object, keys in document order, unmodifiable
     * @throws Reject SIGNATURE_INVALID when the document is not strict JSON within the limits
     */
    static Map<String, Object> readObject(byte[] json, String what) {
        if (json.length > MAX_DOCUMENT_BYTES) {
            throw invalid("the " + what + " has " + json.length + " bytes, more than the " + MAX_DOCUMENT_BYTES
                    + " allowed");
        }
        requireUtf8(json, what);
        JsonParser parser = FACTORY.createParser(ObjectReadContext.empty(), json);
        StrictJson reader = new StrictJson(parser, what);
        try {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw invalid("the " + what + " is not a JSON object");
            }
            Map<String, Object> top = reader.object();
            if (parser.nextToken() != null) {
                throw invalid("the " + what + " has content after its JSON object");
            }
            return top;
        } catch (JacksonException e) {
            throw invalid("the " + what + " is not strict JSON: " + SafeText.escape(String.valueOf(e.getOriginalMessage())));
        } finally {
            parser.close();
        }
    }

    /** Refuses malformed UTF-8 (overlong forms, encoded surrogates, truncation) and a byte order mark. */
    private static void requireUtf8(byte[] json, String what) {
        if (json.length >= 3 && (json[0] & 0xff) == 0xef && (json[1] & 0xff) == 0xbb && (json[2] & 0xff) == 0xbf) {
            throw invalid("the " + what + " starts with a byte order mark");
        }
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(json));
        } catch (CharacterCodingException e) {
            throw invalid("the " + what + " is not valid UTF-8");
        }
    }

    private Map<String, Object> object() {
        Map<String, Object> map = new LinkedHashMap<>();
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
            if (token != JsonToken.PROPERTY_NAME) {
                throw invalid("the " + what + " has a malformed object");
            }
            String name = wellFormed(parser.currentName());
            // Jackson's STRICT_DUPLICATE_DETECTION already refuses these; the tree keeps its own guard.
            if (map.containsKey(name)) {
                throw invalid("the " + what + " repeats the key '" + SafeText.escape(name) + "'");
            }
            map.put(name, value(parser.nextToken()));
        }
        return Collections.unmodifiableMap(map);
    }

    private List<Object> array() {
        List<Object> list = new ArrayList<>();
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
            list.add(value(token));
        }
        return Collections.unmodifiableList(list);
    }

    private Object value(JsonToken token) {
        if (token == null) {
            throw invalid("the " + what + " ends early");
        }
        return switch (token) {
            case START_OBJECT -> object();
            case START_ARRAY -> array();
            case VALUE_STRING -> wellFormed(parser.getString());
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> parser.getDecimalValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> NULL;
            default -> throw invalid("the " + what + " holds an unexpected token " + token);
        };
    }

    private String wellFormed(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw invalid("the " + what + " holds an unpaired surrogate escape");
            }
        }
        return text;
    }

    // ---- typed access to a tree, each failure a SIGNATURE_INVALID naming the field ----

    /** Refuses keys outside {@code allowed}. */
    static void onlyKeys(Map<String, Object> map, Set<String> allowed, String where) {
        for (String key : map.keySet()) {
            if (!allowed.contains(key)) {
                throw invalid(where + " has an unknown field '" + SafeText.escape(key) + "'");
            }
        }
    }

    static Object required(Map<String, Object> map, String key, String where) {
        Object value = map.get(key);
        if (value == null) {
            throw invalid(where + " lacks '" + key + "'");
        }
        return value;
    }

    static String string(Object value, String field) {
        if (value instanceof String s) {
            return s;
        }
        throw invalid(field + " is not a string");
    }

    static String requiredString(Map<String, Object> map, String key, String where) {
        return string(required(map, key, where), where + "." + key);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Object value, String field) {
        if (value instanceof Map<?, ?> map) {
            return (Map<String, Object>) map;
        }
        throw invalid(field + " is not an object");
    }

    static Map<String, Object> requiredObject(Map<String, Object> map, String key, String where) {
        return object(required(map, key, where), where + "." + key);
    }

    @SuppressWarnings("unchecked")
    static List<Object> array(Object value, String field) {
        if (value instanceof List<?> list) {
            return (List<Object>) list;
        }
        throw invalid(field + " is not an array");
    }

    static Reject invalid(String message) {
        return Reject.of(RejectionCode.SIGNATURE_INVALID, message, dev.safeload.api.Location.NONE);
    }
}
