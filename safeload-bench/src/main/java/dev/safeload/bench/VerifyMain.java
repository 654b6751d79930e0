package dev.safeload.bench;

import dev.safeload.SafeModelLoader;
import dev.safeload.api.VerificationResult;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * In-process timing for {@code bench/run-process.sh}: verifies each file {@code warmup} times untimed
 * (the first of those is reported as {@code first=}, the cold time a one-shot CLI run would see), then
 * {@code runs} times timed, and prints one line per file with the median. Run it with {@code -Xmx64m} to
 * check the heap target: an {@link OutOfMemoryError} (or any other throwable) is caught and printed as
 * {@code verdict=ERROR}, and the exit status is then 2 (1 if a file was rejected, 0 if all verified).
 *
 * <p>With {@code --once}, each file is verified once, cold, and only that time is printed: a stand-in for
 * the CLI in {@code bench/run-process.sh} when {@code safeload-cli/target/safeload.jar} is missing.
 *
 * <p>Usage: {@code java -Xmx64m -cp benchmarks.jar dev.safeload.bench.VerifyMain [--runs N] [--warmup N]
 * [--once] [--no-crc] FILE...}
 */
public final class VerifyMain {

    private VerifyMain() {
    }

    public static void main(String[] args) {
        int runs = 9;
        int warmup = 3;
        boolean crc = true;
        boolean once = false;
        int i = 0;
        for (; i < args.length && args[i].startsWith("--"); i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--no-crc" -> crc = false;
                case "--once" -> once = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (i == args.length || runs < 1 || warmup < 1) {
            System.err.println("usage: VerifyMain [--runs N>=1] [--warmup N>=1] [--once] [--no-crc] FILE...");
            System.exit(64);
        }
        SafeModelLoader loader = SafeModelLoader.builder().verifyCrc(crc).build();
        int status = 0;
        for (; i < args.length; i++) {
            Path path = Path.of(args[i]);
            status = Math.max(status, once ? verifyOnce(loader, path, crc) : verifyFile(loader, path, warmup, runs, crc));
        }
        System.exit(status);
    }

    /** One cold verification, as a one-shot command-line run does it (the fallback when there is no CLI jar). */
    private static int verifyOnce(SafeModelLoader loader, Path path, boolean crc) {
        String prefix = String.format(Locale.ROOT, "%s crc=%s maxHeap=%dMB", path.getFileName(), crc,
                Runtime.getRuntime().maxMemory() >> 20);
        try {
            long start = System.nanoTime();
            VerificationResult result = loader.verify(path);
            double elapsed = (System.nanoTime() - start) / 1e6;
            boolean ok = result.isVerified();
            System.out.printf(Locale.ROOT, "%s verdict=%s once=%.2fms %s%n", prefix, ok ? "VERIFIED" : "REJECTED",
                    elapsed, ok ? result.metadata().map(m -> String.valueOf(m.summary())).orElse("")
                            : result.rejections());
            return ok ? 0 : 1;
        } catch (Throwable t) {
            System.out.printf(Locale.ROOT, "%s verdict=ERROR error=%s%n", prefix, t);
            t.printStackTrace(System.out);
            return 2;
        }
    }

    private static int verifyFile(SafeModelLoader loader, Path path, int warmup, int runs, boolean crc) {
        List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        heapPools.forEach(MemoryPoolMXBean::resetPeakUsage);
        long gcCountBefore = gcCount();
        long gcMillisBefore = gcMillis();
        String prefix = String.format(Locale.ROOT, "%s crc=%s maxHeap=%dMB", path.getFileName(), crc,
                Runtime.getRuntime().maxMemory() >> 20);
        double first = -1;
        // Only the verdict and summary of a run are kept, never its result: holding one result (a 200k-tensor
        // metadata tree) while the next verification runs would double the live heap.
        boolean ok = false;
        String detail = "";
        double[] ms = new double[runs];
        long retained;
        try {
            for (int w = 0; w < warmup; w++) {
                long start = System.nanoTime();
                VerificationResult result = loader.verify(path);
                double elapsed = (System.nanoTime() - start) / 1e6;
                if (w == 0) {
                    first = elapsed;
                }
                ok = result.isVerified();
            }
            for (int r = 0; r < runs; r++) {
                long start = System.nanoTime();
                VerificationResult result = loader.verify(path);
                ms[r] = (System.nanoTime() - start) / 1e6;
                ok = result.isVerified();
                detail = ok ? result.metadata().map(m -> String.valueOf(m.summary())).orElse("")
                        : String.valueOf(result.rejections());
            }
            // Heap retained by one result: used heap after a full GC with one result held, minus without.
            long without = usedAfterGc();
            VerificationResult held = loader.verify(path);
            retained = usedAfterGc() - without;
            ok &= held.isVerified();
        } catch (Throwable t) { // OutOfMemoryError included: that is what this is here to detect
            System.out.printf(Locale.ROOT, "%s verdict=ERROR error=%s%n", prefix, t);
            t.printStackTrace(System.out);
            return 2;
        }
        Arrays.sort(ms);
        // Peak heap: the sum of each heap pool's own peak since the reset, an upper bound of the true peak.
        long peakHeap = heapPools.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        System.out.printf(Locale.ROOT,
                "%s verdict=%s first=%.2fms median=%.2fms min=%.2fms max=%.2fms runs=%d peakHeapPools=%.1fMB"
                        + " resultRetains=%.1fMB gcs=%d gcTime=%dms %s%n",
                prefix, ok ? "VERIFIED" : "REJECTED", first, ms[runs / 2], ms[0], ms[runs - 1], runs,
                peakHeap / 1048576.0, retained / 1048576.0, gcCount() - gcCountBefore,
                gcMillis() - gcMillisBefore, detail);
        return ok ? 0 : 1;
    }

    private static long usedAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long gcCount() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionCount).sum();
    }

    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionTime).sum();
    }
}
