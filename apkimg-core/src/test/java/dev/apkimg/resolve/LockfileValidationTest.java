package dev.apkimg.resolve;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.ApkimgException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A lockfile is outside input: its names become file names and URLs, its checksums cache paths. */
class LockfileValidationTest {
  private static final String Q1 = "Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=";

  @TempDir Path tmp;

  @ParameterizedTest
  @CsvSource({
      "../../x, 1.0-r0, " + Q1 + ", name",
      "app, 1.0-r0/../../x, " + Q1 + ", version",
      "app, 1.0-r0, Q1../../x, checksum"})
  void namesThatWouldBecomePathsAreRefused(String name, String version, String checksum, String field)
      throws IOException {
    Lockfile.Package p = new Lockfile.Package(name, version, "https://m/x86_64/app-1.0-r0.apk", checksum, null);
    Path file = tmp.resolve("app.lock.json");
    Lockfile.of("sha256:0", Map.of("x86_64", new Lockfile.Arch(List.of("https://m"), new TreeMap<>(), List.of(p))))
        .write(file);
    assertThatThrownBy(() -> Lockfile.read(file)).isInstanceOf(ApkimgException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining(field).hasMessageContaining("apkimg lock");
  }

  @ParameterizedTest
  @CsvSource({"../x", "x86_64/.."})
  void anArchThatWouldBecomeAPathIsRefused(String arch) throws IOException {
    Path file = tmp.resolve("app.lock.json");
    Lockfile.of("sha256:0", Map.of(arch, new Lockfile.Arch(List.of(), new TreeMap<>(), List.of()))).write(file);
    assertThatThrownBy(() -> Lockfile.read(file)).isInstanceOf(ApkimgException.class)
        .hasMessageContaining("architecture '" + arch + "'");
  }
}
