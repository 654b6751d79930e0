package dev.safeload.internal.safetensors;

import dev.safeload.api.Location;
import dev.safeload.api.Rejection;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.SafeText;
import dev.safeload.api.VerificationLimits;
import dev.safeload.api.tree.DType;
import dev.safeload.internal.Reject;
import dev.safeload.internal.io.StrictJsonFactory;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.json.JsonFactory;

/**
 * Reads the header's JSON with Jackson's streaming parser against the format's grammar, and nothing more:
 * <pre>
 * { "__metadata__": { STRING: STRING, ... },             (optional)
 *   NAME: { "dtype": DTYPE, "shape": [UINT, ...], "data_offsets": [UINT, UINT] }, ... }
 * </pre>
 * The parser is strict: standard JSON only (no comments, trailing commas, NaN, single quotes, leading zeros
 * and so on), duplicate keys rejected in every object, exactly the three tensor fields, integers that fit
 * in 63 bits, no unpaired surrogate escapes in any string. Problems are {@code MALFORMED_ARCHIVE}; limits
 * ({@code maxTensors}, {@code maxTensorRank}, and Jackson's constraints, see {@link HeaderConstraints}) are
 * {@code RESOURCE_LIMIT}. Sizes and offsets are not checked here.
 */
final class HeaderReader {

    /** The header's content, in header order. {@code metadata} is null when there is no {@code __metadata__}. */
    record Header(List<DeclaredTensor> tensors, List<String[]> metadata) {
    }

    static final String METADATA_KEY = "__metadata__";

    /** The safetensors dtype names (safetensors 0.7, including C64) and the torch dtypes they denote. */
    private static final Map<String, DType> DTYPES = Map.ofEntries(
            Map.entry("BOOL", DType.BOOL),
            Map.entry("U8", DType.UINT8),
            Map.entry("I8", DType.INT8),
            Map.entry("F8_E5M2", DType.FLOAT8_E5M2),
            Map.entry("F8_E4M3", DType.FLOAT8_E4M3FN),
            Map.entry("I16", DType.INT16),
            Map.entry("U16", DType.UINT16),
            Map.entry("F16", DType.FLOAT16),
            Map.entry("BF16", DType.BFLOAT16),
            Map.entry("I32", DType.INT32),
            Map.entry("U32", DType.UINT32),
            Map.entry("F32", DType.FLOAT32),
            Map.entry("F64", DType.FLOAT64),
            Map.entry("C64", DType.COMPLEX64),
            Map.entry("I64", DType.INT64),
            Map.entry("U64", DType.UINT64));

    private final JsonParser parser;
    private final VerificationLimits limits;
    private final long fileOffset;

    private HeaderReader(JsonParser parser, VerificationLimits limits, long fileOffset) {
        this.parser = parser;
        this.limits = limits;
        this.fileOffset = fileOffset;
    }

    /**
     * Reads the header.
     *
     * @param json the JSON text, without the space padding, from position 0 to its limit
     * @param limits the limits in force
     * @param fileOffset where the header starts in the file, for locations
     */
    static Header read(ByteBuffer json, VerificationLimits limits, long fileOffset) {
        JsonParser parser = factory(limits, json.limit()).createParser(ObjectReadContext.empty(),
                new BufferInput(json.duplicate().position(0)));
        HeaderReader reader = new HeaderReader(parser, limits, fileOffset);
        try {
            return reader.header();
        } catch (Reject reject) {
            // HeaderConstraints cannot know where the parser is: add the location here.
            Rejection rejection = reject.rejection();
            if (!rejection.location().equals(Location.NONE)) {
                throw reject;
            }
            Location here = reader.locationOf(parser.currentLocation());
            throw new Reject(rejection.limitBreach().map(breach -> Rejection.limit(breach, here))
                    .orElseGet(() -> Rejection.of(rejection.code(), rejection.message(), here)));
        } catch (StreamConstraintsException e) {
            // Constraints HeaderConstraints does not report itself, such as a symbol table flooded by colliding names.
            throw Reject.of(RejectionCode.MALFORMED_ARCHIVE, "the header trips a JSON parser constraint: "
                    + SafeText.escape(String.valueOf(e.getOriginalMessage())), reader.locationOf(e.getLocation()));
        } catch (JacksonException e) {
            throw Reject.of(RejectionCode.MALFORMED_ARCHIVE, "the header is not valid JSON: "
                    + SafeText.escape(String.valueOf(e.getOriginalMessage())), reader.locationOf(e.getLocation()));
        } finally {
            parser.close();
        }
    }

    private static JsonFactory factory(VerificationLimits limits, long jsonBytes) {
        return StrictJsonFactory.create(new HeaderConstraints(limits, jsonBytes));
    }

    private Header header() {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            throw malformed("the header is not a JSON object");
        }
        List<DeclaredTensor> tensors = new ArrayList<>();
        List<String[]> metadata = null;
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
            expectName(token);
            long at = tokenOffset();
            String name = wellFormed(parser.currentName(), "a tensor name");
            if (name.equals(METADATA_KEY)) {
                metadata = metadata();
            } else {
                if (tensors.size() >= limits.maxTensors()) {
                    Reject.checkLimit("maxTensors", tensors.size() + 1L, limits.maxTensors(), here());
                }
                tensors.add(tensor(name, at));
            }
        }
        if (parser.nextToken() != null) {
            throw malformed("the header has content after its JSON object");
        }
        return new Header(tensors, metadata);
    }

    private List<String[]> metadata() {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            throw malformed(METADATA_KEY + " is not an object of strings");
        }
        List<String[]> entries = new ArrayList<>();
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
            expectName(token);
            String key = wellFormed(parser.currentName(), "a " + METADATA_KEY + " key");
            if (parser.nextToken() != JsonToken.VALUE_STRING) {
                throw malformed(METADATA_KEY + " entry '" + SafeText.escape(key) + "' is not a string");
            }
            entries.add(new String[] {key, wellFormed(parser.getString(), "a " + METADATA_KEY + " value")});
        }
        return entries;
    }

    private DeclaredTensor tensor(String name, long at) {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            throw malformed(label(name) + " is not an object");
        }
        DType dtype = null;
        long[] shape = null;
        long[] offsets = null;
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
            expectName(token);
            String field = parser.currentName();
            switch (field) {
                case "dtype" -> dtype = dtype(name);
                case "shape" -> shape = integers(name, "shape", -1);
                case "data_offsets" -> offsets = integers(name, "data_offsets", 2);
                default -> throw malformed(label(name) + " has an unknown field '" + SafeText.escape(field) + "'");
            }
        }
        if (dtype == null || shape == null || offsets == null) {
            throw malformed(label(name) + " lacks "
                    + (dtype == null ? "dtype" : shape == null ? "shape" : "data_offsets"));
        }
        return new DeclaredTensor(name, dtype, shape, offsets[0], offsets[1], at);
    }

    private DType dtype(String name) {
        if (parser.nextToken() != JsonToken.VALUE_STRING) {
            throw malformed(label(name) + " dtype is not a string");
        }
        String text = parser.getString();
        DType dtype = DTYPES.get(text);
        if (dtype == null) {
            throw malformed(label(name) + " has an unknown dtype '" + SafeText.escape(text) + "'");
        }
        return dtype;
    }

    /** How messages name a tensor; built only when something is wrong. */
    private static String label(String name) {
        return "tensor '" + SafeText.escape(name) + "'";
    }

    /** An array of non-negative integers: of exactly {@code count} elements, or up to maxTensorRank if negative. */
    private long[] integers(String name, String field, int count) {
        if (parser.nextToken() != JsonToken.START_ARRAY) {
            throw malformed(label(name) + " " + field + " is not an array");
        }
        long[] values = new long[count >= 0 ? count : 4];
        int size = 0;
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
            if (count >= 0 && size == count) {
                throw malformed(label(name) + " " + field + " has more than " + count + " elements");
            }
            if (count < 0 && size >= limits.maxTensorRank()) {
                Reject.checkLimit("maxTensorRank", size + 1L, limits.maxTensorRank(), here());
            }
            long value = nonNegativeInteger(token, name, field);
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }
        if (count >= 0 && size != count) {
            throw malformed(label(name) + " " + field + " has " + size + " element(s), not " + count);
        }
        return size == values.length ? values : Arrays.copyOf(values, size);
    }

    private long nonNegativeInteger(JsonToken token, String name, String field) {
        if (token != JsonToken.VALUE_NUMBER_INT) {
            throw malformed(label(name) + " " + field + " holds " + describe(token) + ", not a non-negative integer");
        }
        if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw malformed(label(name) + " " + field + " holds " + SafeText.escape(parser.getString())
                    + ", which does not fit in 63 bits");
        }
        long value = parser.getLongValue();
        if (value < 0 || (value == 0 && parser.getString().startsWith("-"))) {
            throw malformed(label(name) + " " + field + " holds the negative number "
                    + SafeText.escape(parser.getString()));
        }
        return value;
    }

    private static String describe(JsonToken token) {
        if (token == null) {
            return "nothing";
        }
        return switch (token) {
            case VALUE_NUMBER_FLOAT -> "a fractional number";
            case VALUE_STRING -> "a string";
            case START_ARRAY -> "an array";
            case START_OBJECT -> "an object";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> token.name();
        };
    }

    private void expectName(JsonToken token) {
        if (token != JsonToken.PROPERTY_NAME) {
            throw malformed("expected a key, found " + describe(token));
        }
    }

    /** Rejects strings with an unpaired surrogate, which Jackson takes from a {@code \\uD800} escape. */
    private String wellFormed(String text, String what) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw malformed(what + " holds an unpaired surrogate escape: '" + SafeText.escape(text) + "'");
            }
        }
        return text;
    }

    private long tokenOffset() {
        long offset = parser.currentTokenLocation().getByteOffset();
        return offset < 0 ? -1 : fileOffset + offset;
    }

    private Location here() {
        long offset = tokenOffset();
        return offset < 0 ? Location.NONE : Location.fileOffset(offset);
    }

    private Location locationOf(TokenStreamLocation location) {
        if (location == null || location.getByteOffset() < 0) {
            return Location.NONE;
        }
        return Location.fileOffset(fileOffset + location.getByteOffset());
    }

    private Reject malformed(String message) {
        return Reject.of(RejectionCode.MALFORMED_ARCHIVE, message, here());
    }

    /** Jackson reads the mapped header through this, so a large header is never copied onto the heap. */
    private static final class BufferInput extends InputStream {
        private final ByteBuffer buffer;

        BufferInput(ByteBuffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public int read() {
            return buffer.hasRemaining() ? buffer.get() & 0xff : -1;
        }

        @Override
        public int read(byte[] into, int offset, int length) {
            if (length == 0) {
                return 0;
            }
            if (!buffer.hasRemaining()) {
                return -1;
            }
            int n = Math.min(length, buffer.remaining());
            buffer.get(into, offset, n);
            return n;
        }
    }
}
