package dev.safeload.internal.zip;

/**
 * One DEFLATE-compressed record of a verified archive (TorchScript code): where its compressed bytes are,
 * how many, and the size and CRC-32 its headers promise once inflated. Nothing here has been inflated.
 */
public record DeflatedRecord(String name, long dataOffset, long compressedSize, long uncompressedSize, long crc) {
}
