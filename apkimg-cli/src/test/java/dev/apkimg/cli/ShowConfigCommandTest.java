package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code apkimg show-config PROFILE} and {@code apkimg schema}. */
class ShowConfigCommandTest {
  @TempDir Path tmp;

  @Test
  void showConfigPrintsTheMergedProfileWithoutReadingTheRepositories() throws IOException {
    Files.writeString(tmp.resolve("base.yaml"), """
        contents:
          # nothing listens there: show-config must not read it
          repositories: [http://127.0.0.1:9/alpine/main]
          packages: [busybox]
        cmd: /bin/sh
        """);
    Path top = tmp.resolve("app.yaml");
    Files.writeString(top, "include: base.yaml\ncontents: {packages: [curl]}\narchs: [aarch64]\ncmd: /bin/app\n");

    Processes.Output r = Processes.apkimg(List.of("show-config", top.toString()));

    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).startsWith("# " + top + " as apkimg reads it").contains("""
        contents:
          repositories:
            - http://127.0.0.1:9/alpine/main
          keyring: []
          packages:
            - busybox
            - curl
        archs:
          - aarch64
        cmd: /bin/app
        """).contains("layering:\n  strategy: single\n").doesNotContainPattern("(?m)^include:");
  }

  @Test
  void showConfigOfABadProfileIsOneLineAndExitOne() throws IOException {
    Path bad = tmp.resolve("bad.yaml");
    Files.writeString(bad, "contents:\n  packages: [busybox]\n  baseimage: {image: x}\n");
    Processes.Output r = Processes.apkimg(List.of("show-config", bad.toString()));
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("apkimg: error: " + bad + ":3:3: apko's contents.baseimage is not supported by apkimg")
        .hasLineCount(1);

    Processes.Output missing = Processes.apkimg(List.of("show-config"));
    assertThat(missing.code()).isEqualTo(2);
  }

  @Test
  void schemaPrintsTheJsonSchemaOfProfiles() throws IOException {
    Processes.Output r = Processes.apkimg(List.of("schema"));
    assertThat(r.code()).isZero();
    JsonNode schema = new ObjectMapper().readTree(r.out());
    assertThat(schema.path("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
    assertThat(schema.path("properties").path("contents").path("properties").has("packages")).isTrue();
  }
}
