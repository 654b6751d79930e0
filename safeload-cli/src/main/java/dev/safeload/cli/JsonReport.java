package dev.safeload.cli;

import dev.safeload.api.ModelSummary;
import dev.safeload.api.Provenance;
import dev.safeload.api.Rejection;
import dev.safeload.api.TensorEntry;
import dev.safeload.api.tree.IntNode;
import dev.safeload.api.tree.MetadataNode;
import dev.safeload.api.tree.StrNode;
import dev.safeload.api.tree.TensorNode;
import java.io.PrintStream;
import java.util.List;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.json.JsonFactory;

/** The JSON document described in docs/json-schema.md, written with Jackson's streaming generator. */
final class JsonReport {

    static final int SCHEMA_VERSION = 1;

    private JsonReport() {
    }

    static void write(List<VerifyCommand.FileOutcome> outcomes, PrintStream out) {
        try (JsonGenerator g = new JsonFactory().createGenerator(new NonClosing(out))) {
            g.writeStartObject();
            g.writeNumberProperty("schemaVersion", SCHEMA_VERSION);
            g.writeName("results");
            g.writeStartArray();
            for (VerifyCommand.FileOutcome outcome : outcomes) {
                writeOutcome(g, outcome);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        out.println();
        out.flush();
    }

    private static void writeOutcome(JsonGenerator g, VerifyCommand.FileOutcome outcome) {
        g.writeStartObject();
        g.writeStringProperty("path", outcome.path().toString());
        if (outcome.result() == null) {
            g.writeStringProperty("verdict", "ERROR");
            g.writeStringProperty("error", outcome.error());
            g.writeEndObject();
            return;
        }
        var result = outcome.result();
        var report = result.report();
        g.writeStringProperty("verdict", result.isVerified() ? "VERIFIED" : "REJECTED");
        g.writeStringProperty("format", report.format().name());
        g.writeNumberProperty("sizeBytes", report.sizeBytes());
        g.writeNumberProperty("elapsedMillis", report.elapsed().toMillis());
        g.writeName("rejections");
        g.writeStartArray();
        for (Rejection r : result.rejections()) {
            g.writeStartObject();
            g.writeStringProperty("code", r.code().value());
            g.writeStringProperty("message", r.message());
            g.writeName("location");
            g.writeStartObject();
            if (r.location().entryName().isPresent()) {
                g.writeStringProperty("entry", r.location().entryName().get());
            }
            if (r.location().offset().isPresent()) {
                g.writeNumberProperty("offset", r.location().offset().get());
            }
            g.writeEndObject();
            if (r.limitBreach().isPresent()) {
                var breach = r.limitBreach().get();
                g.writeName("limit");
                g.writeStartObject();
                g.writeStringProperty("name", breach.limitName());
                g.writeNumberProperty("actual", breach.actual());
                g.writeNumberProperty("allowed", breach.allowed());
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeName("verifiers");
        g.writeStartArray();
        for (String name : report.verifiersRun()) {
            g.writeString(name);
        }
        g.writeEndArray();
        g.writeName("notes");
        g.writeStartArray();
        for (String note : report.notes()) {
            g.writeString(note);
        }
        g.writeEndArray();
        writeProvenance(g, report.provenance());
        if (result.metadata().isPresent()) {
            var metadata = result.metadata().get();
            ModelSummary s = metadata.summary();
            g.writeName("summary");
            g.writeStartObject();
            g.writeNumberProperty("tensors", s.tensors());
            g.writeNumberProperty("storages", s.storages());
            g.writeNumberProperty("parameterElements", s.parameterElements());
            g.writeNumberProperty("elements", s.elements());
            g.writeNumberProperty("storageBytes", s.storageBytes());
            g.writeEndObject();
            g.writeName("tensors");
            g.writeStartArray();
            for (TensorEntry entry : metadata.tensors()) {
                writeTensor(g, entry);
            }
            g.writeEndArray();
            g.writeName("operators");
            g.writeStartArray();
            for (String operator : metadata.operators()) {
                g.writeString(operator);
            }
            g.writeEndArray();
        } else {
            g.writeNullProperty("summary");
            g.writeName("tensors");
            g.writeStartArray();
            g.writeEndArray();
            g.writeName("operators");
            g.writeStartArray();
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static void writeProvenance(JsonGenerator g, Provenance provenance) {
        g.writeName("provenance");
        g.writeStartObject();
        g.writeName("digests");
        g.writeStartArray();
        for (Provenance.FileDigest digest : provenance.digests()) {
            g.writeStartObject();
            g.writeStringProperty("file", digest.file());
            g.writeStringProperty("algorithm", digest.algorithm());
            g.writeStringProperty("hex", digest.hex());
            g.writeBooleanProperty("pinned", digest.pinned());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeName("signatures");
        g.writeStartArray();
        for (Provenance.SignatureInfo signature : provenance.signatures()) {
            g.writeStartObject();
            g.writeStringProperty("kind", signature.kind().name());
            g.writeStringProperty("signer", signature.signer());
            g.writeStringProperty("algorithm", signature.algorithm());
            g.writeStringProperty("covers", signature.covers());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void writeTensor(JsonGenerator g, TensorEntry entry) {
        TensorNode t = entry.tensor();
        g.writeStartObject();
        g.writeName("path");
        g.writeStartArray();
        for (MetadataNode key : entry.path()) {
            if (key instanceof StrNode s) {
                g.writeString(s.value());
            } else if (key instanceof IntNode i && i.fitsInLong()) {
                g.writeNumber(i.longValueExact());
            } else {
                g.writeString(String.valueOf(key));
            }
        }
        g.writeEndArray();
        g.writeStringProperty("dtype", t.dtype().torchName());
        long[] shape = t.shape();
        g.writeName("shape");
        g.writeArray(shape, 0, shape.length);
        long[] stride = t.stride();
        g.writeName("stride");
        g.writeArray(stride, 0, stride.length);
        g.writeNumberProperty("storageOffset", t.storageOffset());
        g.writeStringProperty("storageKey", t.storage().key());
        g.writeStringProperty("storageDtype", t.storage().dtype().torchName());
        g.writeNumberProperty("storageElements", t.storage().elementCount());
        g.writeNumberProperty("byteLength", t.byteLength());
        g.writeBooleanProperty("requiresGrad", t.requiresGrad());
        g.writeBooleanProperty("parameter", t.isParameter());
        g.writeEndObject();
    }

    /** Lets the generator close without closing System.out. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(PrintStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ((PrintStream) out).write(b, off, len);
        }

        @Override
        public void close() {
            ((PrintStream) out).flush();
        }
    }
}
