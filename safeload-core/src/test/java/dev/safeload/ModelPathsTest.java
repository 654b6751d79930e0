package dev.safeload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safeload.api.RejectionCode;
import dev.safeload.api.VerificationResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Untrusted model names resolve inside the model root only, checked by path components and real paths. */
class ModelPathsTest {

    @TempDir
    Path temp;
    Path root;
    SafeModelLoader loader;

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createDirectories(temp.resolve("models"));
        Files.createDirectories(root.resolve("team"));
        Files.copy(Fixtures.benign("dtypes.pt"), root.resolve("team/model.pt"));
        // A sibling whose name starts with the root's name: a string-prefix check would let it through.
        Path sibling = Files.createDirectories(temp.resolve("models-evil"));
        Files.copy(Fixtures.benign("dtypes.pt"), sibling.resolve("model.pt"));
        Files.copy(Fixtures.benign("dtypes.pt"), temp.resolve("outside.pt"));
        loader = SafeModelLoader.builder().modelRoot(root).build();
    }

    @Test
    void namesInsideTheRootVerify() {
        assertThat(loader.verifyModel("team/model.pt").isVerified()).isTrue();
        assertThat(loader.verifyModel("team/./model.pt").isVerified()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"../outside.pt", "team/../../outside.pt", "../models-evil/model.pt", "/etc/passwd",
        "team\\..\\..\\outside.pt", "team/model.pt\u0000.txt", "C:/Windows/win.ini", ""})
    void escapingNamesAreRejectedBeforeOpening(String name) {
        VerificationResult result = loader.verifyModel(name);

        assertThat(result.rejections()).extracting(r -> r.code()).containsExactly(RejectionCode.PATH_TRAVERSAL);
        assertThat(result.report().verifiersRun()).containsExactly("path-guard");
    }

    @Test
    void symlinksLeadingOutsideAreRejected() throws IOException {
        Files.createSymbolicLink(root.resolve("link.pt"), temp.resolve("outside.pt"));
        Files.createSymbolicLink(root.resolve("linkdir"), temp.resolve("models-evil"));

        assertThat(loader.verifyModel("link.pt").rejections()).extracting(r -> r.code())
                .containsExactly(RejectionCode.PATH_TRAVERSAL);
        assertThat(loader.verifyModel("linkdir/model.pt").rejections()).extracting(r -> r.code())
                .containsExactly(RejectionCode.PATH_TRAVERSAL);
    }

    @Test
    void symlinksStayingInsideAreFollowed() throws IOException {
        Files.createSymbolicLink(root.resolve("alias.pt"), root.resolve("team/model.pt"));

        assertThat(loader.verifyModel("alias.pt").isVerified()).isTrue();
    }

    @Test
    void missingModelsAreIoErrorsAndNoRootIsACallerError() {
        assertThatThrownBy(() -> loader.verifyModel("team/missing.pt")).isInstanceOf(UncheckedIOException.class);
        assertThatThrownBy(() -> SafeModelLoader.withDefaults().verifyModel("x.pt"))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> SafeModelLoader.builder().modelRoot(temp.resolve("nope")).build())
                .isInstanceOf(IllegalStateException.class);
    }
}
