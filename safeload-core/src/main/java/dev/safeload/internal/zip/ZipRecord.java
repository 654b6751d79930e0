package dev.safeload.internal.zip;

/** One stored record of a verified archive: where its bytes are and how many. */
public record ZipRecord(String name, long dataOffset, long size) {
}
