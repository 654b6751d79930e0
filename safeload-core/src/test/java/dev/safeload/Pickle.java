package dev.safeload;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** A tiny protocol-2 pickle assembler for tests. Every method appends one opcode. */
final class Pickle {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private int memo;

    static Pickle proto2() {
        Pickle p = new Pickle();
        p.out.write(0x80);
        p.out.write(2);
        return p;
    }

    Pickle raw(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    Pickle global(String module, String name) {
        out.write('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }

    Pickle str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write('X');
        out.write(b.length & 0xff);
        out.write(b.length >> 8 & 0xff);
        out.write(b.length >> 16 & 0xff);
        out.write(b.length >>> 24);
        out.writeBytes(b);
        return this;
    }

    Pickle integer(int v) {
        if (v >= 0 && v < 256) {
            return raw('K', v);
        }
        return raw('J', v & 0xff, v >> 8 & 0xff, v >> 16 & 0xff, v >>> 24);
    }

    /** BINPUT at the next memo index; returns this pickle. */
    Pickle put() {
        return raw('q', memo++);
    }

    Pickle get(int index) {
        return raw('h', index);
    }

    Pickle mark() {
        return raw('(');
    }

    Pickle tuple() {
        return raw('t');
    }

    Pickle emptyTuple() {
        return raw(')');
    }

    Pickle emptyDict() {
        return raw('}');
    }

    Pickle emptyList() {
        return raw(']');
    }

    Pickle reduce() {
        return raw('R');
    }

    Pickle setitem() {
        return raw('s');
    }

    Pickle setitems() {
        return raw('u');
    }

    Pickle append() {
        return raw('a');
    }

    Pickle build() {
        return raw('b');
    }

    Pickle persid() {
        return raw('Q');
    }

    Pickle newFalse() {
        return raw(0x89);
    }

    Pickle newTrue() {
        return raw(0x88);
    }

    Pickle none() {
        return raw('N');
    }

    /** A 1-D float32 tensor over storage key {@code key} with {@code numel} elements, offset 0, stride 1. */
    Pickle floatTensor(String key, int numel) {
        global("torch._utils", "_rebuild_tensor_v2");
        mark();
        mark().str("storage").global("torch", "FloatStorage").str(key).str("cpu").integer(numel).tuple().persid();
        integer(0);
        mark().integer(numel).tuple();
        mark().integer(1).tuple();
        newFalse();
        global("collections", "OrderedDict").emptyTuple().reduce();
        tuple();
        return reduce();
    }

    Pickle stop() {
        return raw('.');
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
