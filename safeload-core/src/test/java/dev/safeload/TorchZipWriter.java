package dev.safeload;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Writes archives the way torch.save's PyTorchStreamWriter does (stored records, 64-byte aligned data
 * via an "FB" extra field, data descriptors, ZIP64 end records), so tests can wrap hand-made pickles.
 */
final class TorchZipWriter {

    private final String root;
    private final Map<String, byte[]> records = new LinkedHashMap<>();

    TorchZipWriter(String root) {
        this.root = root;
    }

    static byte[] checkpoint(byte[] dataPkl, byte[]... storages) {
        TorchZipWriter writer = new TorchZipWriter("archive");
        writer.add("data.pkl", dataPkl);
        for (int i = 0; i < storages.length; i++) {
            writer.add("data/" + i, storages[i]);
        }
        writer.add("version", "3\n".getBytes(StandardCharsets.US_ASCII));
        return writer.toBytes();
    }

    TorchZipWriter add(String name, byte[] content) {
        records.put(name, content);
        return this;
    }

    byte[] toBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<byte[]> central = new ArrayList<>();
        for (Map.Entry<String, byte[]> record : records.entrySet()) {
            byte[] name = (root + "/" + record.getKey()).getBytes(StandardCharsets.UTF_8);
            byte[] data = record.getValue();
            CRC32 crc = new CRC32();
            crc.update(data);
            long offset = out.size();
            int start = (int) (offset + 30 + name.length + 4);
            int padding = (64 - start % 64) % 64;
            ByteBuffer local = le(30 + name.length + 4 + padding);
            local.putInt(0x04034b50).putShort((short) 0).putShort((short) 0x0808).putShort((short) 0)
                    .putInt(0).putInt(0).putInt(0).putInt(0).putShort((short) name.length)
                    .putShort((short) (4 + padding)).put(name).putShort((short) 0x4246).putShort((short) padding);
            for (int i = 0; i < padding; i++) {
                local.put((byte) 'Z');
            }
            out.writeBytes(local.array());
            out.writeBytes(data);
            out.writeBytes(le(16).putInt(0x08074b50).putInt((int) crc.getValue()).putInt(data.length)
                    .putInt(data.length).array());
            central.add(le(46 + name.length).putInt(0x02014b50).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0x0808).putShort((short) 0).putInt(0).putInt((int) crc.getValue())
                    .putInt(data.length).putInt(data.length).putShort((short) name.length).putShort((short) 0)
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

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }
}
