package dev.safeload.internal.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32;

/**
 * Read-only random access to a model's bytes, either on the heap or memory-mapped from a file in 1 GiB
 * windows. Reads are absolute and never move a shared position, so one source may be read by several
 * parsers in turn. Callers check ranges against {@link #size()} before reading.
 */
public final class ByteSource {

    private static final int CHUNK_BITS = 30;
    private static final long CHUNK = 1L << CHUNK_BITS;

    private final ByteBuffer[] chunks;
    private final long size;
    private final FileChannel channel;

    private ByteSource(ByteBuffer[] chunks, long size, FileChannel channel) {
        this.chunks = chunks;
        this.size = size;
        this.channel = channel;
    }

    public static ByteSource ofBytes(byte[] bytes) {
        ByteBuffer[] chunks = {ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN)};
        return new ByteSource(chunks, bytes.length, null);
    }

    /** Maps the whole file read-only. The channel must stay open while the source is used. */
    public static ByteSource map(FileChannel channel) throws IOException {
        long size = channel.size();
        int count = (int) ((size + CHUNK - 1) >>> CHUNK_BITS);
        ByteBuffer[] chunks = new ByteBuffer[Math.max(count, 1)];
        if (size == 0) {
            chunks[0] = ByteBuffer.allocate(0);
        }
        for (int i = 0; i < count; i++) {
            long start = (long) i << CHUNK_BITS;
            long length = Math.min(CHUNK, size - start);
            chunks[i] = channel.map(FileChannel.MapMode.READ_ONLY, start, length).order(ByteOrder.LITTLE_ENDIAN);
        }
        return new ByteSource(chunks, size, channel);
    }

    public long size() {
        return size;
    }

    public int u8(long pos) {
        return chunks[(int) (pos >>> CHUNK_BITS)].get((int) (pos & (CHUNK - 1))) & 0xff;
    }

    public int u16(long pos) {
        int offset = (int) (pos & (CHUNK - 1));
        ByteBuffer chunk = chunks[(int) (pos >>> CHUNK_BITS)];
        if (offset + 2 <= chunk.limit()) {
            return chunk.getShort(offset) & 0xffff;
        }
        return u8(pos) | u8(pos + 1) << 8;
    }

    public long u32(long pos) {
        int offset = (int) (pos & (CHUNK - 1));
        ByteBuffer chunk = chunks[(int) (pos >>> CHUNK_BITS)];
        if (offset + 4 <= chunk.limit()) {
            return chunk.getInt(offset) & 0xffffffffL;
        }
        return u16(pos) | (long) u16(pos + 2) << 16;
    }

    /** Reads an unsigned 64-bit value; values above {@code Long.MAX_VALUE} come back negative. */
    public long u64(long pos) {
        return u32(pos) | u32(pos + 4) << 32;
    }

    public byte[] bytes(long pos, int length) {
        byte[] out = new byte[length];
        for (int done = 0; done < length; ) {
            ByteBuffer chunk = chunks[(int) ((pos + done) >>> CHUNK_BITS)];
            int offset = (int) ((pos + done) & (CHUNK - 1));
            int n = Math.min(length - done, chunk.limit() - offset);
            chunk.get(offset, out, done, n);
            done += n;
        }
        return out;
    }

    /** Whether the bytes at {@code pos} equal {@code expected}; false if the range is out of bounds. */
    public boolean matches(long pos, byte[] expected) {
        if (pos < 0 || pos > size - expected.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (u8(pos + i) != (expected[i] & 0xff)) {
                return false;
            }
        }
        return true;
    }

    /** A little-endian read-only view of {@code [pos, pos + length)}, which must lie inside the source. */
    public ByteBuffer slice(long pos, int length) {
        int index = (int) (pos >>> CHUNK_BITS);
        int offset = (int) (pos & (CHUNK - 1));
        if (offset + (long) length <= chunks[index].limit()) {
            return chunks[index].slice(offset, length).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }
        if (channel == null) {
            throw new IllegalStateException("heap sources have one chunk");
        }
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, pos, length).asReadOnlyBuffer()
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The CRC-32 of {@code [pos, pos + length)}. */
    public long crc32(long pos, long length) {
        CRC32 crc = new CRC32();
        long done = 0;
        while (done < length) {
            long at = pos + done;
            ByteBuffer chunk = chunks[(int) (at >>> CHUNK_BITS)];
            int offset = (int) (at & (CHUNK - 1));
            int n = (int) Math.min(length - done, chunk.limit() - offset);
            crc.update(chunk.slice(offset, n));
            done += n;
        }
        return crc.getValue();
    }
}
