package dev.apkimg.resolve;

import static org.assertj.core.api.Assertions.assertThat;
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

  /** A lockfile with {@code "size" : SIZE} for its one package, written as JSON by hand. */
  private Path lockfileWithSize(String size) throws IOException {
    Lockfile.Package p = new Lockfile.Package("app", "1.0-r0", "https://m/x86_64/app-1.0-r0.apk", Q1, null, 1234L);
    Path file = tmp.resolve("app.lock.json");
    Lockfile.of("sha256:0", Map.of("x86_64", new Lockfile.Arch(List.of("https://m"), new TreeMap<>(), List.of(p))))
        .write(file);
    String json = Files.readString(file);
    assertThat(json).contains("\"size\" : 1234");
    Files.writeString(file, json.replace("\"size\" : 1234", "\"size\" : " + size));
    return file;
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "0 | size 0 is not a package size (1 to 4294967296 bytes)",
      "-1 | size -1 is not a package size (1 to 4294967296 bytes)",
      "4294967297 | size 4294967297 is not a package size (1 to 4294967296 bytes)",
      "1.5 | size",
      "99999999999999999999 | size",
      "'\"many\"' | size",
      "[] | size"})
  void sizesThatAreNoPackageSizeAreRefusedInOneLine(String size, String message) throws IOException {
    Path file = lockfileWithSize(size);
    assertThatThrownBy(() -> Lockfile.read(file)).isInstanceOf(ApkimgException.class)
        .hasMessageStartingWith("lockfile " + file).hasMessageContaining(message)
        .hasMessageContaining("apkimg lock").satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @ParameterizedTest
  @CsvSource({"1", "4294967296"})
  void sizesFromOneByteTo4GiBAreRead(long size) throws IOException {
    Path file = lockfileWithSize(Long.toString(size));
    assertThat(Lockfile.read(file).archs().get("x86_64").packages().get(0).size()).isEqualTo(size);
  }

  @org.junit.jupiter.api.Test
  void aLockfileWithoutSizesAsOlderApkimgWroteItIsStillRead() throws IOException {
    Path file = lockfileWithSize("1234");
    Files.writeString(file, Files.readString(file).replace("\"size\" : 1234,", ""));
    assertThat(Files.readString(file)).doesNotContain("size");
    Lockfile.Package read = Lockfile.read(file).archs().get("x86_64").packages().get(0);
    assertThat(read.size()).isNull();
    assertThat(read.checksum()).isEqualTo(Q1);
  }
}
