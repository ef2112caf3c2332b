package dev.apkimg.cli;

import static dev.apkimg.cli.Processes.exec;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.Prerequisites;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** profiles/alpine-base.yaml builds against the fixture mirror, as an air-gapped user would (-r, -k). */
class ProfilesIT {
  @TempDir Path tmp;

  @Test
  void alpineBaseBuildsFromAMirrorWithItsKey() throws Exception {
    Path fixtures = Prerequisites.requireSharedFixtures();
    Path image = tmp.resolve("out/alpine-base.tar");
    Path cache = tmp.resolve("cache");
    try (LoopbackHttpServer server = LoopbackHttpServer.serve(fixtures.resolve("mirror"))) {
      Processes.Output r = Processes.apkimg(List.of("build", ProfilesTest.PROFILES.resolve("alpine-base.yaml").toString(),
          "-o", image.toString(), "-r", server.url() + "v3.20/main",
          "-k", fixtures.resolve("keys/apkimg-test.rsa.pub").toString(), "--cache-dir", cache.toString()));
      r.assertSuccess();
      assertThat(server.requestedPaths()).allMatch(p -> p.startsWith("/v3.20/main/x86_64/"));
    }
    // The index is signed by the -k key, so none of the profile's https key URLs was fetched (they would be cached here).
    assertThat(cache.resolve("keys")).doesNotExist();

    Prerequisites.requireCommand("skopeo");
    JsonNode inspect = new ObjectMapper().readTree(
        exec(tmp, "skopeo", "inspect", "oci-archive:" + image).assertSuccess().out());
    assertThat(inspect.path("Architecture").asText()).isEqualTo("amd64");
    assertThat(inspect.path("Layers")).hasSize(1);

    assertThat(installedPackages(image)).containsAll(List.of("alpine-baselayout", "alpine-keys", "apk-tools",
        "busybox", "musl-utils", "ca-certificates-bundle", "ssl_client"));
  }

  /** The P: lines of lib/apk/db/installed in the image's only layer, read from the OCI archive. */
  static List<String> installedPackages(Path archive) throws IOException {
    Map<String, byte[]> files = new HashMap<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(archive))) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        if (e.isFile()) {
          files.put(e.getName().replaceFirst("^\\./", ""), tar.readAllBytes());
        }
      }
    }
    ObjectMapper json = new ObjectMapper();
    JsonNode index = json.readTree(files.get("index.json"));
    JsonNode manifest = json.readTree(blob(files, index.path("manifests").get(0).path("digest").asText()));
    byte[] layer = blob(files, manifest.path("layers").get(0).path("digest").asText());
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(new java.io.ByteArrayInputStream(layer)))) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        if (e.getName().replaceFirst("^\\./", "").equals("lib/apk/db/installed")) {
          return new String(tar.readAllBytes(), StandardCharsets.UTF_8).lines()
              .filter(l -> l.startsWith("P:")).map(l -> l.substring(2)).toList();
        }
      }
    }
    throw new AssertionError("no lib/apk/db/installed in the layer of " + archive);
  }

  private static byte[] blob(Map<String, byte[]> files, String digest) {
    byte[] b = files.get("blobs/" + digest.replace(':', '/'));
    assertThat(b).as("blob " + digest).isNotNull();
    return b;
  }
}
