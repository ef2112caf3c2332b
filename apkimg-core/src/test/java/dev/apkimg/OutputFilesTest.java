package dev.apkimg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputFilesTest {
  @TempDir Path tmp;

  @Test
  void aDeviceOrADirectoryIsNoTargetButANewOrRegularFileIs() throws IOException {
    // Only checked, never written: safe with the real /dev/null.
    assertThatThrownBy(() -> OutputFiles.checkTarget(Path.of("/dev/null"), "-o", List.of()))
        .isInstanceOf(ApkimgException.class).hasMessage("-o /dev/null is not a regular file (a directory, a device"
            + " or a FIFO): name a new file or a regular file to replace");
    assertThatThrownBy(() -> OutputFiles.checkTarget(tmp, "--digest-file", List.of()))
        .hasMessageStartingWith("--digest-file " + tmp + " is not a regular file");
    OutputFiles.checkTarget(tmp.resolve("new.tar"), "-o", List.of());
    OutputFiles.checkTarget(Files.writeString(tmp.resolve("old.tar"), "x"), "-o", List.of());
  }

  @Test
  void anInputIsNoTargetHoweverItIsSpelled() throws IOException {
    Path profile = Files.writeString(tmp.resolve("p.yaml"), "archs: [x86_64]\n");
    Path link = Files.createSymbolicLink(tmp.resolve("link.yaml"), profile);
    for (Path spelling : List.of(profile, tmp.resolve(".").resolve("p.yaml"), link)) {
      assertThatThrownBy(() -> OutputFiles.checkTarget(spelling, "-o", List.of(profile)))
          .hasMessageContaining("which this command reads");
    }
    assertThat(Files.readString(profile)).isEqualTo("archs: [x86_64]\n");
  }

  @Test
  void stagedFilesAppearOnlyOnCommitAndVanishOtherwise() throws IOException {
    Path a = tmp.resolve("out/a.tar");
    Path b = tmp.resolve("out/b.json");
    try (OutputFiles files = new OutputFiles()) {
      files.writeStaged(files.stage(a), f -> Files.writeString(f, "archive"));
      files.writeStaged(files.stage(b), f -> Files.writeString(f, "{}"));
      assertThat(a).doesNotExist();
      assertThat(registeredHere()).hasSize(2);
      files.commit();
    }
    assertThat(a).hasContent("archive");
    assertThat(b).hasContent("{}");
    assertThat(list(tmp.resolve("out"))).containsExactly("a.tar", "b.json");
    assertThat(registeredHere()).isEmpty();

    try (OutputFiles files = new OutputFiles()) {
      files.writeStaged(files.stage(a), f -> Files.writeString(f, "half an archive"));
      // no commit: a later output failed
    }
    assertThat(a).hasContent("archive");
    assertThat(list(tmp.resolve("out"))).containsExactly("a.tar", "b.json");
    assertThat(registeredHere()).isEmpty();
  }

  @Test
  void anOutputGetsTheUsualPermissionsOfANewFile() throws IOException {
    Path out = tmp.resolve("digest");
    OutputFiles.write(out, "sha256:x\n".getBytes());
    Path probe = Files.createFile(tmp.resolve("probe"));
    assertThat(Files.getPosixFilePermissions(out)).isEqualTo(Files.getPosixFilePermissions(probe));
  }

  /** Other tests in this JVM may have registered files of their own. */
  private List<Path> registeredHere() {
    return TemporaryFiles.registered().stream().filter(p -> p.startsWith(tmp)).toList();
  }

  private static List<String> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
