package dev.apkimg.cli;

import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The SBOM tests' small world: one package {@code hello} for x86_64 and aarch64 in a signed
 * mirror {@code DIR/mirror/v3.19/main}, its key in {@code DIR/keys}, and two profiles of it.
 *
 * @param single {@code DIR/hello.yaml}, x86_64 only
 * @param multi {@code DIR/multi.yaml}, x86_64 and aarch64 (one image index)
 */
record HelloProfiles(Path single, Path multi) {
  static HelloProfiles writeTo(Path dir) throws IOException {
    TestKeys.primary().writePublicKey(dir.resolve("keys"));
    TestRepository repo = new TestRepository(TestKeys.primary());
    for (String arch : List.of("x86_64", "aarch64")) {
      repo.add(TestPackage.builder("hello", "1.0-r0").arch(arch).builddate(1_700_000_000L).license("MIT")
          .dir("usr").dir("usr/bin").file("usr/bin/hello", "hello " + arch + "\n").build());
    }
    repo.write(dir.resolve("mirror/v3.19/main"));
    return new HelloProfiles(profile(dir.resolve("hello.yaml"), "[x86_64]"),
        profile(dir.resolve("multi.yaml"), "[x86_64, aarch64]"));
  }

  private static Path profile(Path file, String archs) throws IOException {
    return Files.writeString(file, """
        contents:
          repositories: [mirror/v3.19/main]
          keyring: [keys]
          packages: [hello]
        archs: %s
        """.formatted(archs));
  }
}
