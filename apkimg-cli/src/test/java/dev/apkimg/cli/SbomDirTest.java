package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code build --sbom-dir}: the files beside the archive, and a folder that is not one refused up front. */
class SbomDirTest {
  @TempDir Path tmp;
  private Path profile;

  @BeforeEach
  void repository() throws IOException {
    Path keys = tmp.resolve("keys");
    TestKeys.primary().writePublicKey(keys);
    new TestRepository(TestKeys.primary())
        .add(TestPackage.builder("hello", "1.0-r0").builddate(1_700_000_000L).dir("usr").dir("usr/bin")
            .file("usr/bin/hello", "hello\n").build())
        .write(tmp.resolve("mirror/v3.19/main"));
    profile = tmp.resolve("hello.yaml");
    Files.writeString(profile, """
        contents:
          repositories: [mirror/v3.19/main]
          keyring: [keys]
          packages: [hello]
        archs: [x86_64]
        """);
  }

  private Processes.Output build(Path sbomDir) {
    return Processes.apkimg(List.of("build", profile.toString(), "-o", tmp.resolve("out/hello.tar").toString(),
        "--cache-dir", tmp.resolve("cache").toString(), "--sbom-dir", sbomDir.toString(), "-q"));
  }

  @Test
  void writesBothSbomsAndTheProvenanceOfTheArchitectureIntoTheFolderItCreates() {
    Processes.Output r = build(tmp.resolve("out/sbom"));
    r.assertSuccess();
    assertThat(tmp.resolve("out/sbom")).isDirectoryContaining(p -> p.getFileName().toString().equals("x86_64.spdx.json"))
        .isDirectoryContaining(p -> p.getFileName().toString().equals("x86_64.cdx.json"))
        .isDirectoryContaining(p -> p.getFileName().toString().equals("x86_64.provenance.json"));
    try (var files = Files.list(tmp.resolve("out/sbom"))) {
      assertThat(files.count()).as("no temporary file left").isEqualTo(3);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    assertThat(tmp.resolve("out/sbom/x86_64.cdx.json")).content()
        .contains("\"purl\" : \"pkg:apk/alpine/hello@1.0-r0?arch=x86_64&distro=alpine-3.19\"");
    assertThat(tmp.resolve("out/sbom/x86_64.provenance.json")).content()
        .contains("\"predicateType\" : \"https://slsa.dev/provenance/v1\"")
        .contains("\"uri\" : \"" + tmp.resolve("mirror/v3.19/main/x86_64/hello-1.0-r0.apk").toUri() + "\"");
  }

  @Test
  void aFileAsTheSbomFolderIsRefusedInOneLineBeforeAnythingIsBuilt() throws IOException {
    Path file = Files.writeString(tmp.resolve("not-a-folder"), "x");
    Processes.Output r = build(file);
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().strip()).doesNotContain("\n").contains("--sbom-dir " + file).contains("is not a folder");
    assertThat(tmp.resolve("out/hello.tar")).doesNotExist();
    assertThat(file).hasContent("x");
  }
}
