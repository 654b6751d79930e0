package dev.safeload.internal.integrity;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * Streams a file once through the digests it needs, with a fixed 1 MiB buffer whatever the file's size.
 * A direct buffer lets {@code FileChannel.read} skip a copy, and {@code MessageDigest.update(ByteBuffer)}
 * hands its memory to the SHA intrinsics.
 */
public final class Digests {

    static final int BUFFER_BYTES = 1 << 20;

    private Digests() {
    }

    /** Hashes a whole file. */
    public static Map<HashAlgorithm, byte[]> of(Path file, Set<HashAlgorithm> algorithms) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return of(channel, algorithms);
        }
    }

    /**
     * Hashes a whole open file with positional reads, leaving the channel open and its position alone: the
     * caller hashes and parses the same open file, not a path that could be swapped in between.
     */
    public static Map<HashAlgorithm, byte[]> of(FileChannel channel, Set<HashAlgorithm> algorithms) throws IOException {
        Map<HashAlgorithm, MessageDigest> digests = start(algorithms);
        ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
        long position = 0;
        int n;
        while ((n = channel.read(buffer, position)) >= 0) {
            position += n;
            buffer.flip();
            for (MessageDigest digest : digests.values()) {
                buffer.mark();
                digest.update(buffer);
                buffer.reset();
            }
            buffer.clear();
        }
        return finish(digests);
    }

    /**
     * Copies one open file to another and hashes what was copied, in one read through one direct buffer: the copy
     * and its digests describe exactly the same bytes even if the source changes meanwhile.
     */
    public static Map<HashAlgorithm, byte[]> copy(FileChannel in, FileChannel out, Set<HashAlgorithm> algorithms)
            throws IOException {
        Map<HashAlgorithm, MessageDigest> digests = start(algorithms);
        ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
        while (in.read(buffer) >= 0) {
            buffer.flip();
            for (MessageDigest digest : digests.values()) {
                buffer.mark();
                digest.update(buffer);
                buffer.reset();
            }
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
            buffer.clear();
        }
        return finish(digests);
    }

    static Map<HashAlgorithm, MessageDigest> start(Set<HashAlgorithm> algorithms) {
        Map<HashAlgorithm, MessageDigest> digests = new EnumMap<>(HashAlgorithm.class);
        for (HashAlgorithm algorithm : algorithms) {
            digests.put(algorithm, algorithm.newDigest());
        }
        return digests;
    }

    static Map<HashAlgorithm, byte[]> finish(Map<HashAlgorithm, MessageDigest> digests) {
        Map<HashAlgorithm, byte[]> out = new EnumMap<>(HashAlgorithm.class);
        digests.forEach((algorithm, digest) -> out.put(algorithm, digest.digest()));
        return out;
    }

    /**
     * An input stream over a file that hashes every byte it hands out, so a signature check that must read
     * the content itself (OpenPGP, ECDSA) shares the one pass with the pins. {@link #drainAndFinish()} reads
     * whatever the reader left and returns the digests.
     */
    public static final class HashingStream extends InputStream {
        private final FileChannel channel;
        private long position;
        private final Map<HashAlgorithm, MessageDigest> digests;
        private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
        private boolean eof;
        private Map<HashAlgorithm, byte[]> result;

        /** Reads an open file from its start with positional reads; does not close it. */
        public HashingStream(FileChannel channel, Set<HashAlgorithm> algorithms) {
            this.channel = channel;
            this.digests = start(algorithms);
            buffer.limit(0);
        }

        private boolean fill() throws IOException {
            if (eof) {
                return false;
            }
            buffer.clear();
            int n;
            do {
                n = channel.read(buffer, position);
            } while (n == 0);
            if (n > 0) {
                position += n;
            }
            if (n < 0) {
                eof = true;
                buffer.limit(0);
                return false;
            }
            buffer.flip();
            for (MessageDigest digest : digests.values()) {
                digest.update(buffer.array(), 0, buffer.limit());
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            if (!buffer.hasRemaining() && !fill()) {
                return -1;
            }
            return buffer.get() & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!buffer.hasRemaining() && !fill()) {
                return -1;
            }
            int n = Math.min(len, buffer.remaining());
            buffer.get(b, off, n);
            return n;
        }

        /** Reads the rest (hashing it) and returns the digests; idempotent. */
        public Map<HashAlgorithm, byte[]> drainAndFinish() throws IOException {
            if (result == null) {
                buffer.position(buffer.limit());
                while (fill()) {
                    buffer.position(buffer.limit());
                }
                result = finish(digests);
            }
            return result;
        }

        /** Leaves the channel open: it belongs to the caller. */
        @Override
        public void close() {
        }
    }
}
