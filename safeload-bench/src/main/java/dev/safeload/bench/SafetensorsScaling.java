package dev.safeload.bench;

import dev.safeload.SafeModelLoader;
import dev.safeload.api.VerificationResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * In-process timing for {@code bench/safetensors_scaling.sh}: verifies safetensors files that share a header
 * shape but differ in data size, and prints the median time of each. Verification reads the header only, so
 * the medians should not grow with the data. Every file is verified {@code warmup} times first (all files,
 * round robin), then {@code runs} timed times. Usage: {@code SafetensorsScaling [--runs N] [--warmup N] FILE...}
 */
public final class SafetensorsScaling {

    private SafetensorsScaling() {
    }

    public static void main(String[] args) {
        int runs = 15;
        int warmup = 5;
        int i = 0;
        for (; i < args.length && args[i].startsWith("--"); i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException(args[i]);
            }
        }
        List<Path> files = new ArrayList<>();
        for (; i < args.length; i++) {
            files.add(Path.of(args[i]));
        }
        SafeModelLoader loader = SafeModelLoader.withDefaults();
        for (int w = 0; w < warmup; w++) {
            for (Path file : files) {
                loader.verify(file);
            }
        }
        System.out.printf("%-26s %15s %9s %8s %11s %11s %11s%n", "file", "bytes", "verdict", "tensors", "median ms",
                "min ms", "max ms");
        for (Path file : files) {
            long[] nanos = new long[runs];
            VerificationResult last = null;
            for (int r = 0; r < runs; r++) {
                last = null;   // so that one result at a time is on the heap
                long start = System.nanoTime();
                last = loader.verify(file);
                nanos[r] = System.nanoTime() - start;
            }
            Arrays.sort(nanos);
            System.out.printf("%-26s %,15d %9s %8s %11.3f %11.3f %11.3f%n", file.getFileName(), size(file),
                    last.isVerified() ? "VERIFIED" : "REJECTED",
                    last.metadata().map(m -> Long.toString(m.summary().tensors())).orElse("-"),
                    nanos[runs / 2] / 1e6, nanos[0] / 1e6, nanos[runs - 1] / 1e6);
            if (!last.isVerified()) {
                System.out.println("  " + last.rejections());
            }
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
