package dev.apkimg.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.ApkimgException;
import dev.apkimg.testing.TestKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Relative key paths: beside the profile, else from the working directory, where apko reads them. */
class KeyringPathTest {
  @TempDir Path profileDir;

  @Test
  void aKeyNotBesideTheProfileIsReadFromTheWorkingDirectory() throws IOException {
    // The tests run in the module folder: a relative path there is one "from the working directory".
    Path cwdKeys = Files.createDirectories(Path.of("target", "keyring-path-test"));
    Path inCwd = TestKeys.primary().writePublicKey(cwdKeys);
    String entry = "target/keyring-path-test/" + inCwd.getFileName();
    assertThat(Keyring.of(List.of(entry), profileDir, null, null).names()).containsExactly(inCwd.getFileName().toString());

  }

  @Test
  void aKeyInNeitherPlaceNamesBoth() {
    assertThatThrownBy(() -> Keyring.of(List.of("no/such/key.rsa.pub"), profileDir, null, null))
        .isInstanceOf(ApkimgException.class)
        .hasMessageContaining(profileDir.resolve("no/such/key.rsa.pub").toString())
        .hasMessageContaining("from the working directory, where apko looks");
  }
}
