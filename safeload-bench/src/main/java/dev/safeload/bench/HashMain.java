package dev.safeload.bench;

import dev.safeload.SafeModelLoader;
import dev.safeload.VerifiedModel;
import dev.safeload.api.VerificationResult;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * In-process hashing figures for bench/hashing.sh (page cache warm, one JVM).
 *
 * <pre>
 * HashMain file FILE [--runs N]   JDK SHA-256 loop vs SafeModelLoader.verify with a SHA-256 pin
 * HashMain dir DIR [--runs N]     a model directory pinned by a pin file: 1 hashing thread vs all cores
 * </pre>
 *
 * Each measurement is the median of N runs after two untimed ones. Every verification must come out
 * VERIFIED, else the program exits 2: a fast rejection is not a hashing figure.
 */
public final class HashMain {

    private HashMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: HashMain file FILE | dir DIR [--runs N]");
            System.exit(2);
        }
        int runs = args.length >= 4 && args[2].equals("--runs") ? Integer.parseInt(args[3]) : 7;
        Path target = Path.of(args[1]);
        if (args[0].equals("file")) {
            file(target, runs);
        } else {
            directory(target, runs);
        }
    }

    private static void file(Path file, int runs) throws Exception {
        long size = Files.size(file);
        String hex = HexFormat.of().formatHex(jdkSha256(file));
        SafeModelLoader loader = SafeModelLoader.builder().pinDigest(hex).verifyCrc(false).build();
        double jdk = median(runs, () -> jdkSha256(file));
        double safeload = median(runs, () -> requireVerified(loader.verify(file)));
        Work open = () -> {
            try (VerifiedModel model = loader.openVerified(file)) {
                return requireVerified(model.result());
            }
        };
        // A deleted copy's pages stay allocated until the GC drops the verification's memory mapping, so
        // back-to-back copies of 1 GiB slow each other down; a service that opens a model now and then sees
        // the figure with a collection in between (not timed).
        double handle = median(runs, open, true);
        double handleBackToBack = median(runs, open, false);
        Path shm = Path.of("/dev/shm");
        double handleShm = -1;
        if (Files.isDirectory(shm) && Files.isWritable(shm)) {
            SafeModelLoader inMemory = SafeModelLoader.builder().pinDigest(hex).verifyCrc(false).copyDirectory(shm)
                    .build();
            handleShm = median(runs, () -> {
                try (VerifiedModel model = inMemory.openVerified(file)) {
                    return requireVerified(model.result());
                }
            }, true);
        }
        System.out.printf("file %s bytes=%d%n", file.getFileName(), size);
        System.out.printf("  jdk MessageDigest SHA-256 loop : %8.1f ms  %7.1f MiB/s%n", jdk, mibPerSecond(size, jdk));
        System.out.printf("  safeload verify + sha256 pin   : %8.1f ms  %7.1f MiB/s%n", safeload,
                mibPerSecond(size, safeload));
        System.out.printf("  openVerified, copy in tmpdir    : %8.1f ms  %7.1f MiB/s  (%.2fx verify)%n", handle,
                mibPerSecond(size, handle), handle / safeload);
        System.out.printf("    same, back to back, no GC     : %8.1f ms  %7.1f MiB/s  (%.2fx verify)%n",
                handleBackToBack, mibPerSecond(size, handleBackToBack), handleBackToBack / safeload);
        if (handleShm > 0) {
            System.out.printf("  openVerified, copy in /dev/shm  : %8.1f ms  %7.1f MiB/s  (%.2fx verify)%n", handleShm,
                    mibPerSecond(size, handleShm), handleShm / safeload);
        }
        System.out.printf("RESULT file_ms jdk=%.1f safeload=%.1f handle=%.1f%n", jdk, safeload, handle);
    }

    private static void directory(Path dir, int runs) throws Exception {
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(Files::isRegularFile).sorted().toList();
        }
        StringBuilder pins = new StringBuilder();
        long size = 0;
        for (Path f : files) {
            pins.append(HexFormat.of().formatHex(jdkSha256(f))).append("  ").append(f.getFileName()).append('\n');
            size += Files.size(f);
        }
        Path pinFile = Files.createTempFile("safeload-bench-", ".sha256");
        try {
            Files.writeString(pinFile, pins);
            int cores = Runtime.getRuntime().availableProcessors();
            SafeModelLoader sequential = SafeModelLoader.builder().pinFile(pinFile).hashingThreads(1).build();
            SafeModelLoader parallel = SafeModelLoader.builder().pinFile(pinFile).hashingThreads(cores).build();
            double one = median(runs, () -> requireVerified(sequential.verify(dir)));
            double all = median(runs, () -> requireVerified(parallel.verify(dir)));
            System.out.printf("directory %s files=%d bytes=%d cores=%d%n", dir.getFileName(), files.size(), size, cores);
            System.out.printf("  one file after the other (1 thread) : %8.1f ms  %7.1f MiB/s%n", one,
                    mibPerSecond(size, one));
            System.out.printf("  files in parallel (%d threads)       : %8.1f ms  %7.1f MiB/s%n", cores, all,
                    mibPerSecond(size, all));
            System.out.printf("  speed-up                             : %8.2fx%n", one / all);
            System.out.printf("RESULT dir_ms sequential=%.1f parallel=%.1f speedup=%.2f%n", one, all, one / all);
        } finally {
            Files.deleteIfExists(pinFile);
        }
    }

    private static Object requireVerified(VerificationResult result) {
        if (!result.isVerified()) {
            System.err.println("not verified: " + result.rejections());
            System.exit(2);
        }
        return result;
    }

    /** The baseline: the JDK's SHA-256 over the file with a plain read loop, nothing else. */
    static byte[] jdkSha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            while (channel.read(buffer) >= 0) {
                buffer.flip();
                digest.update(buffer);
                buffer.clear();
            }
        }
        return digest.digest();
    }

    @FunctionalInterface
    interface Work {
        Object run() throws Exception;
    }

    private static double median(int runs, Work work) throws Exception {
        return median(runs, work, false);
    }

    private static double median(int runs, Work work, boolean collectBetween) throws Exception {
        work.run();
        work.run();
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            if (collectBetween) {
                System.gc();
            }
            long start = System.nanoTime();
            work.run();
            times.add((System.nanoTime() - start) / 1e6);
        }
        double[] sorted = times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted[sorted.length / 2];
    }

    private static double mibPerSecond(long bytes, double millis) {
        return bytes / (1024.0 * 1024.0) / (millis / 1000.0);
    }
}
