package dev.safeload;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The committed TorchScript fixtures (fixtures/torchscript/, made by fixtures/generate_torchscript.py), and a
 * writer that re-zips a TorchScript archive's records the way PyTorchStreamWriter lays them out (64-byte
 * aligned data, data descriptors, DEFLATE for code/, ZIP64 end records), so tests can edit code or pickles.
 */
final class TorchScriptArchives {

    private TorchScriptArchives() {
    }

    /** One record: its full name, content and zip method (0 stored, 8 deflated). */
    record Record(String name, byte[] data, int method) {
    }

    static Path benign() {
        return Fixtures.repoRoot().resolve("fixtures/torchscript/benign");
    }

    static Path hostile() {
        return Fixtures.repoRoot().resolve("fixtures/torchscript/hostile");
    }

    static Path benign(String name) {
        return benign().resolve(name);
    }

    static List<Path> benignFiles() {
        try (Stream<Path> files = Files.list(benign())) {
            return files.filter(p -> p.toString().endsWith(".pt")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Record> records(Path archive) {
        try (ZipFile zip = new ZipFile(archive.toFile())) {
            List<Record> out = new ArrayList<>();
            for (ZipEntry entry : Collections.list(zip.entries())) {
                out.add(new Record(entry.getName(), zip.getInputStream(entry).readAllBytes(), entry.getMethod()));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The record whose name ends with {@code suffix}. */
    static Record record(List<Record> records, String suffix) {
        return records.stream().filter(r -> r.name().endsWith(suffix)).findFirst().orElseThrow();
    }

    /** The records with one record's content replaced. */
    static List<Record> replace(List<Record> records, String suffix, byte[] content) {
        List<Record> out = new ArrayList<>();
        for (Record r : records) {
            out.add(r.name().endsWith(suffix) ? new Record(r.name(), content, r.method()) : r);
        }
        return out;
    }

    /** The archive of a scripted module whose code file is replaced by {@code code}. */
    static byte[] withCode(Path archive, String codeSuffix, String code) {
        return zip(replace(records(archive), codeSuffix, code.getBytes(StandardCharsets.ISO_8859_1)));
    }

    static byte[] zip(List<Record> records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<byte[]> central = new ArrayList<>();
        for (Record record : records) {
            byte[] name = record.name().getBytes(StandardCharsets.UTF_8);
            byte[] data = record.data();
            byte[] stored = record.method() == 8 ? deflate(data) : data;
            CRC32 crc = new CRC32();
            crc.update(data);
            long offset = out.size();
            int start = (int) (offset + 30 + name.length + 4);
            int padding = (64 - start % 64) % 64;
            short version = (short) (record.method() == 8 ? 20 : 0);
            ByteBuffer local = le(30 + name.length + 4 + padding);
            local.putInt(0x04034b50).putShort(version).putShort((short) 0x0808).putShort((short) record.method())
                    .putInt(0).putInt(0).putInt(0).putInt(0).putShort((short) name.length)
                    .putShort((short) (4 + padding)).put(name).putShort((short) 0x4246).putShort((short) padding);
            for (int i = 0; i < padding; i++) {
                local.put((byte) 'Z');
            }
            out.writeBytes(local.array());
            out.writeBytes(stored);
            out.writeBytes(le(16).putInt(0x08074b50).putInt((int) crc.getValue()).putInt(stored.length)
                    .putInt(data.length).array());
            central.add(le(46 + name.length).putInt(0x02014b50).putShort((short) 0).putShort(version)
                    .putShort((short) 0x0808).putShort((short) record.method()).putInt(0).putInt((int) crc.getValue())
                    .putInt(stored.length).putInt(data.length).putShort((short) name.length).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0).putShort((short) 0).putInt(0).putInt((int) offset)
                    .put(name).array());
        }
        long cdOffset = out.size();
        central.forEach(out::writeBytes);
        long cdSize = out.size() - cdOffset;
        long zip64Offset = out.size();
        out.writeBytes(le(56).putInt(0x06064b50).putLong(44).putShort((short) 0x1e).putShort((short) 0x2d)
                .putInt(0).putInt(0).putLong(records.size()).putLong(records.size()).putLong(cdSize)
                .putLong(cdOffset).array());
        out.writeBytes(le(20).putInt(0x07064b50).putInt(0).putLong(zip64Offset).putInt(1).array());
        out.writeBytes(le(22).putInt(0x06054b50).putShort((short) 0).putShort((short) 0)
                .putShort((short) records.size()).putShort((short) records.size()).putInt((int) cdSize)
                .putInt((int) cdOffset).putShort((short) 0).array());
        return out.toByteArray();
    }

    private static byte[] deflate(byte[] data) {
        Deflater deflater = new Deflater(9, true);
        deflater.setInput(data);
        deflater.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        while (!deflater.finished()) {
            out.write(buffer, 0, deflater.deflate(buffer));
        }
        deflater.end();
        return out.toByteArray();
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }
}
