package dev.safeload.internal.signing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs gpg and openssl for the signing tests, and plays the caller's part (hash while reading, then drain). */
final class Tools {

    private Tools() {
    }

    static void assumeTool(String tool) {
        boolean present;
        try {
            // openssl takes "version", gpg "--version".
            String flag = tool.equals("openssl") ? "version" : "--version";
            Process p = new ProcessBuilder(tool, flag).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            present = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            present = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            present = false;
        }
        String why = tool + " is not installed on this machine; these tests need it on the PATH";
        if (!present && System.getenv("CI") != null) {
            throw new AssertionError(why + " (CI must install it: .ci/run)");
        }
        assumeTrue(present, why);
    }

    /** Runs a command, failing the test with its stderr if it exits non-zero; returns stdout. */
    static byte[] run(Map<String, String> env, Path dir, String... command) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
            builder.environment().putAll(env);
            Path err = Files.createTempFile(dir, "stderr", ".txt");
            builder.redirectError(err.toFile());
            builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process process = builder.start();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(300, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("timed out: " + String.join(" ", command));
            }
            if (process.exitValue() != 0) {
                throw new AssertionError("failed (" + process.exitValue() + "): " + String.join(" ", command) + "\n"
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static byte[] openssl(Path dir, String... args) {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        return run(Map.of(), dir, command.toArray(String[]::new));
    }

    static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Verifies as safeload-core will: hash SHA-256 while the verifier reads, drain what it left, then check. */
    static SignatureOutcome verify(SignatureTrust trust, byte[] signature, byte[] content) {
        return verify(trust, signature, new ByteArrayInputStream(content));
    }

    static SignatureOutcome verify(SignatureTrust trust, byte[] signature, InputStream content) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            DigestInputStream hashing = new DigestInputStream(content, digest);
            boolean[] eof = new boolean[1];
            InputStream tracking = new java.io.FilterInputStream(hashing) {
                @Override
                public int read() throws IOException {
                    int r = super.read();
                    eof[0] |= r < 0;
                    return r;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int r = super.read(b, off, len);
                    eof[0] |= r < 0;
                    return r;
                }
            };
            SignatureOutcome outcome = new DetachedSignatureVerifier(trust).verify(signature, "model.sig", tracking,
                    () -> {
                        if (!eof[0]) {
                            throw new AssertionError("sha256AfterEof called before the content was read to EOF");
                        }
                        return digest.digest();
                    }, "model.bin");
            tracking.transferTo(java.io.OutputStream.nullOutputStream());
            return outcome;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
