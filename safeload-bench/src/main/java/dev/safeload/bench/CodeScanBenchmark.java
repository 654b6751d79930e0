package dev.safeload.bench;

import dev.safeload.internal.torchscript.CodeScanner;
import dev.safeload.internal.torchscript.TorchScriptOpPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The TorchScript code scan alone (tokenizer, operator resolution and policy, class and __setstate__ checks)
 * over code held on the heap: the code/*.py records of {@code torchvision_code.zip} (8 scripted torchvision
 * models, 885 files, 1.0 MB) or of a real archive ({@code densenet121_ts.pt}). MB/s = code bytes / score;
 * setup prints the byte count. {@link TorchScriptVerifyBenchmark} times whole verifications for comparison.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class CodeScanBenchmark {

    @Param({"torchvision_code.zip", "densenet121_ts.pt"})
    public String corpus;

    private final List<String> names = new ArrayList<>();
    private final List<String> modules = new ArrayList<>();
    private final List<byte[]> sources = new ArrayList<>();
    private final TorchScriptOpPolicy policy = TorchScriptOpPolicy.defaults();

    @Setup
    public void setUp() {
        Path path = BenchFiles.file(corpus);
        long bytes = 0;
        try (ZipFile zip = new ZipFile(path.toFile())) {
            for (ZipEntry entry : Collections.list(zip.entries())) {
                String name = entry.getName();
                int code = name.indexOf("/code/");
                if (code < 0 || !name.endsWith(".py")) {
                    continue;
                }
                byte[] source = zip.getInputStream(entry).readAllBytes();
                names.add(name);
                modules.add(name.substring(code + "/code/".length(), name.length() - ".py".length()).replace('/', '.'));
                sources.add(source);
                bytes += source.length;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.println("\n[code-bytes] " + corpus + " " + bytes + " in " + sources.size() + " files, "
                + scan().size() + " operators");
    }

    /** One scanner per model archive, as a verification does; the corpus mixes 8 models' code in one scan. */
    @Benchmark
    public List<String> scan() {
        CodeScanner scanner = new CodeScanner(policy);
        for (int i = 0; i < sources.size(); i++) {
            scanner.scan(names.get(i), modules.get(i), sources.get(i), sources.get(i).length);
        }
        return scanner.operators();
    }
}
