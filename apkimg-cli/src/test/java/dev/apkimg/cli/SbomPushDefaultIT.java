package dev.apkimg.cli;

import static dev.apkimg.cli.Processes.exec;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.testing.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pushed images carry their SBOMs without being asked (issue 12: "--no-sbom turns them off"), to
 * Debian's docker-registry on loopback; an OCI archive beside the push stays a one-image archive
 * unless {@code --sbom} asks, as skopeo and podman copy it without naming the image.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SbomPushDefaultIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path tmp;
  private Path fixtures;
  private LocalRegistry localRegistry;
  private String registry;

  @BeforeAll
  void setUp() throws Exception {
    fixtures = Prerequisites.requireSharedFixtures();
    Prerequisites.requireCommand("skopeo");
    localRegistry = LocalRegistry.start(tmp.resolve("registry"), "localhost");
    registry = localRegistry.address();
  }

  @AfterAll
  void tearDown() throws InterruptedException {
    if (localRegistry != null) {
      localRegistry.close();
    }
  }

  @Test
  void aPushCarriesTheSbomsByDefaultAndTheArchiveBesideItDoesNot() throws Exception {
    String reference = registry + "/default/base:1";
    Path archive = tmp.resolve("beside.tar");
    JsonNode meta = build("default", "-o", archive.toString(), "--push", reference);
    String digest = meta.get("digest").asText();

    JsonNode tagIndex = JSON.readTree(skopeoRaw(registry + "/default/base:" + digest.replace(':', '-')).assertSuccess()
        .out());
    List<String> types = new ArrayList<>();
    tagIndex.get("manifests").forEach(m -> types.add(m.get("artifactType").asText()));
    assertThat(types).contains("application/spdx+json", "application/vnd.cyclonedx+json");
    List<String> listed = new ArrayList<>();
    meta.get("sboms").forEach(s -> listed.add(s.get("referrerDigest").asText()));
    List<String> tagged = new ArrayList<>();
    tagIndex.get("manifests").forEach(m -> tagged.add(m.get("digest").asText()));
    assertThat(tagged).containsAll(listed);

    JsonNode index = JSON.readTree(archiveFiles(archive).get("index.json"));
    assertThat(index.get("manifests")).as("the archive's index.json: the image alone").hasSize(1);
    assertThat(index.get("manifests").get(0).get("digest").asText()).isEqualTo(digest);
  }

  @Test
  void noSbomPushesTheSameImageWithoutReferrersAndTheMetadataListsNone() throws Exception {
    String reference = registry + "/off/base:1";
    JsonNode meta = build("off", "--push", reference, "--no-sbom");
    String digest = meta.get("digest").asText();
    assertThat(skopeoRaw(reference).assertSuccess().out()).isNotEmpty();
    Processes.Output tag = skopeoRaw(registry + "/off/base:" + digest.replace(':', '-'));
    assertThat(tag.code()).as("the referrers tag of an image pushed with --no-sbom: " + tag).isNotZero();
    assertThat(meta.has("sboms")).isFalse();
  }

  private JsonNode build(String name, String... outputs) throws Exception {
    Path metadata = tmp.resolve(name + "-metadata.json");
    List<String> args = new ArrayList<>(List.of("build", ProfilesTest.PROFILES.resolve("alpine-base.yaml").toString(),
        "-r", fixtures.resolve("mirror/v3.20/main").toString(),
        "-k", fixtures.resolve("keys/apkimg-test.rsa.pub").toString(), "--cache-dir", tmp.resolve("cache").toString(),
        "--allow-insecure-registry", "--metadata-file", metadata.toString(), "-q"));
    args.addAll(List.of(outputs));
    Processes.apkimg(args).assertSuccess();
    return JSON.readTree(metadata.toFile());
  }

  private Processes.Output skopeoRaw(String reference) throws Exception {
    return exec(tmp, "skopeo", "inspect", "--tls-verify=false", "--raw", "docker://" + reference);
  }

  private static Map<String, byte[]> archiveFiles(Path archive) throws Exception {
    Map<String, byte[]> files = new TreeMap<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(archive))) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        if (e.isFile()) {
          files.put(e.getName(), tar.readAllBytes());
        }
      }
    }
    return files;
  }
}
