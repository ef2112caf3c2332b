package dev.apkimg.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** README.md's "Library API" example, as written there: it compiles, runs and builds an image. */
class LibraryApiExampleTest {
  @TempDir Path tmp;

  @Test
  void theReadmeExampleBuildsAnImage() throws IOException {
    Path dir = tmp.resolve("project");
    Files.createDirectories(dir);
    TestKeys.primary().writePublicKey(dir.resolve("keys"));
    new TestRepository(TestKeys.primary())
        .add(TestPackage.builder("hello", "1.0-r0").builddate(1_700_000_000L)
            .dir("usr").dir("usr/bin").file("usr/bin/hello", "#!/bin/sh\necho hello\n".getBytes(StandardCharsets.UTF_8), 0755)
            .build())
        .write(dir.resolve("mirror/main"));
    Files.writeString(dir.resolve("base.yaml"), """
        contents:
          repositories: [mirror/main]
          keyring: [keys]
          packages: [hello]
        archs: [x86_64]
        entrypoint: {command: /usr/bin/hello}
        """);
    List<String> lines = new ArrayList<>();
    Path cache = tmp.resolve("cache");

    // ---- the example (README.md, "Library API"), with its cache folder pointed into the test's
    Apkimg apkimg = Apkimg.create();
    BuildRequest request = BuildRequest.builder(dir.resolve("base.yaml"))
        .cacheDir(cache)
        .outputs(Outputs.builder()
            .ociArchive(dir.resolve("base.tar"))
            .metadataFile(dir.resolve("base.json"))
            .build())
        .build();
    BuildResult result = apkimg.build(request, event -> {
      if (event.level() == BuildEvent.Level.INFO || event.level() == BuildEvent.Level.WARNING) {
        lines.add(event.message());
      }
    });
    System.out.println(result.digest());
    // ---- end of the example

    assertThat(result.digest()).matches("sha256:[0-9a-f]{64}");
    assertThat(dir.resolve("base.tar")).isRegularFile();
    assertThat(Files.readString(dir.resolve("base.json"))).contains(result.digest(), "\"hello\"");
    assertThat(lines).anyMatch(l -> l.startsWith("resolved 1 packages for x86_64: hello-1.0-r0"))
        .anyMatch(l -> l.startsWith("wrote " + dir.resolve("base.tar").toAbsolutePath()));
  }
}
