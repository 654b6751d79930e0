package dev.safeload.internal.integrity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs one task per file of a model directory on up to {@code threads} daemon threads that live only for the
 * call, largest file first so that one big shard does not start last and leave the other cores idle. With one
 * thread (or one file) it runs on the caller's thread. No pool outlives the call: no global state.
 */
public final class PerFile {

    /** The work for one file. */
    @FunctionalInterface
    public interface Task<T> {
        T run(String name, Path path) throws IOException;
    }

    private PerFile() {
    }

    public static <T> SortedMap<String, T> run(SortedMap<String, Path> files, int threads, String threadName,
                                               Task<T> task) throws IOException {
        SortedMap<String, T> out = new TreeMap<>();
        int workers = Math.max(1, Math.min(threads, files.size()));
        if (workers == 1) {
            for (Map.Entry<String, Path> file : files.entrySet()) {
                out.put(file.getKey(), task.run(file.getKey(), file.getValue()));
            }
            return out;
        }
        List<Map.Entry<String, Path>> bySize = new ArrayList<>(files.entrySet());
        Map<String, Long> sizes = new TreeMap<>();
        for (Map.Entry<String, Path> file : bySize) {
            sizes.put(file.getKey(), Files.size(file.getValue()));
        }
        bySize.sort((a, b) -> Long.compare(sizes.get(b.getKey()), sizes.get(a.getKey())));
        ExecutorService pool = Executors.newFixedThreadPool(workers, runnable -> {
            Thread thread = new Thread(runnable, threadName);
            thread.setDaemon(true);
            return thread;
        });
        try {
            Map<String, Future<T>> pending = new LinkedHashMap<>();
            for (Map.Entry<String, Path> file : bySize) {
                pending.put(file.getKey(), pool.submit(() -> task.run(file.getKey(), file.getValue())));
            }
            for (Map.Entry<String, Future<T>> result : pending.entrySet()) {
                out.put(result.getKey(), result.getValue().get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof UncheckedIOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IOException(cause);
        } finally {
            pool.shutdownNow();
        }
    }
}
