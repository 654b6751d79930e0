package dev.safeload.bench;

import dev.safeload.SafeModelLoader;
import dev.safeload.api.VerificationResult;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * In-process timing for the whole-process script: verifies each file {@code warmup + runs} times in one
 * JVM (run it with {@code -Xmx64m} to check the heap target) and prints the median of the timed runs.
 * Usage: {@code VerifyMain [--runs N] [--warmup N] [--no-crc] FILE...}
 */
public final class VerifyMain {

    private VerifyMain() {
    }

    public static void main(String[] args) {
        int runs = 7;
        int warmup = 3;
        boolean crc = true;
        int i = 0;
        for (; i < args.length && args[i].startsWith("--"); i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--no-crc" -> crc = false;
                default -> throw new IllegalArgumentException(args[i]);
            }
        }
        SafeModelLoader loader = SafeModelLoader.builder().verifyCrc(crc).build();
        for (; i < args.length; i++) {
            Path path = Path.of(args[i]);
            long first = time(loader, path);
            for (int w = 1; w < warmup; w++) {
                time(loader, path);
            }
            long[] ms = new long[runs];
            VerificationResult last = null;
            for (int r = 0; r < runs; r++) {
                long start = System.nanoTime();
                last = loader.verify(path);
                ms[r] = (System.nanoTime() - start) / 1_000_000;
            }
            Arrays.sort(ms);
            System.out.printf("%s verdict=%s first=%dms median=%dms min=%dms max=%dms crc=%s maxHeap=%dMB %s%n",
                    path.getFileName(), last.isVerified() ? "VERIFIED" : "REJECTED", first, ms[runs / 2], ms[0],
                    ms[runs - 1], crc, Runtime.getRuntime().maxMemory() >> 20,
                    last.metadata().map(m -> m.summary().toString()).orElse(last.rejections().toString()));
        }
    }

    private static long time(SafeModelLoader loader, Path path) {
        long start = System.nanoTime();
        loader.verify(path);
        return (System.nanoTime() - start) / 1_000_000;
    }
}
