package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.testing.SbomValidators;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code build --sbom}: each architecture's SBOMs attached to its image in the OCI archive as OCI 1.1
 * referrers (artifact manifests in blobs/, listed in index.json after the image), the same bytes as
 * {@code --sbom-dir}'s files; without it the archive is as it was.
 */
class SbomReferrersTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  private static final String INDEX = "application/vnd.oci.image.index.v1+json";

  @TempDir Path tmp;
  private Path profile;
  private Path multiProfile;

  @BeforeEach
  void repository() throws IOException {
    HelloProfiles hello = HelloProfiles.writeTo(tmp);
    profile = hello.single();
    multiProfile = hello.multi();
  }

  private Processes.Output build(Path profile, String archive, String... more) {
    return buildWithCache(profile, archive, "cache", more);
  }

  private Processes.Output buildWithCache(Path profile, String archive, String cache, String... more) {
    List<String> args = new ArrayList<>(List.of("build", profile.toString(), "-o", tmp.resolve(archive).toString(),
        "--cache-dir", tmp.resolve(cache).toString(), "--tag", "example/hello:1", "-q"));
    args.addAll(List.of(more));
    return Processes.apkimg(args);
  }

  @Test
  void eachSbomIsAReferrerOfTheImageManifestHoldingTheSameBytesAsTheSbomFolder() throws IOException {
    build(profile, "a.tar", "--sbom", "--sbom-dir", tmp.resolve("sbom").toString(),
        "--metadata-file", tmp.resolve("a.json").toString()).assertSuccess();
    Map<String, byte[]> tar = entries(tmp.resolve("a.tar"));
    JsonNode manifests = JSON.readTree(tar.get("index.json")).get("manifests");
    assertThat(manifests).as("the image, its SPDX, CycloneDX and provenance referrers").hasSize(4);
    JsonNode image = manifests.get(0);
    assertThat(image.get("mediaType").asText()).isEqualTo(MANIFEST);
    assertThat(image.get("annotations").get("org.opencontainers.image.ref.name").asText()).isEqualTo("example/hello:1");

    List<String> referrerDigests = assertReferrers(tar, manifests, List.of(image), "x86_64");
    JsonNode metadata = JSON.readTree(tmp.resolve("a.json").toFile());
    JsonNode sboms = metadata.get("sboms");
    assertThat(sboms).hasSize(2);
    for (int i = 0; i < 2; i++) {
      assertThat(sboms.get(i).get("referrerDigest").asText()).isEqualTo(referrerDigests.get(i));
    }
    assertThat(metadata.get("provenance")).hasSize(1);
    assertThat(metadata.get("provenance").get(0).get("referrerDigest").asText()).isEqualTo(referrerDigests.get(2));
    assertEveryBlobIsNamedByItsDigest(tar);
  }

  @Test
  void aMultiArchArchiveAttachesEachArchitecturesSbomsToItsOwnManifestAndTheIndexSbomsToTheIndex() throws IOException {
    build(multiProfile, "m.tar", "--sbom", "--sbom-dir", tmp.resolve("sbom").toString()).assertSuccess();
    Map<String, byte[]> tar = entries(tmp.resolve("m.tar"));
    JsonNode manifests = JSON.readTree(tar.get("index.json")).get("manifests");
    assertThat(manifests).as("the index, 3 referrers per platform, the index's SBOMs and provenance").hasSize(10);
    assertThat(manifests.get(0).get("mediaType").asText()).isEqualTo(INDEX);
    JsonNode platforms = JSON.readTree(blob(tar, manifests.get(0).get("digest").asText())).get("manifests");
    assertThat(platforms).hasSize(2);
    List<JsonNode> images = new ArrayList<>();
    platforms.forEach(images::add);
    assertReferrers(tar, manifests, images, "x86_64", "aarch64");
    // Last, the image index's own SBOMs and provenance, whose subject is the index.
    byte[] index = blob(tar, manifests.get(0).get("digest").asText());
    for (int i = 7; i < 10; i++) {
      JsonNode m = JSON.readTree(blob(tar, manifests.get(i).get("digest").asText()));
      assertThat(m.get("subject").get("mediaType").asText()).isEqualTo(INDEX);
      assertThat(m.get("subject").get("digest").asText()).isEqualTo(manifests.get(0).get("digest").asText());
      assertThat(m.get("subject").get("size").asLong()).isEqualTo(index.length);
      String file = switch (m.get("artifactType").asText()) {
        case "application/spdx+json" -> "index.spdx.json";
        case "application/vnd.in-toto+json" -> "index.provenance.json";
        default -> "index.cdx.json";
      };
      assertThat(blob(tar, m.get("layers").get(0).get("digest").asText()))
          .isEqualTo(Files.readAllBytes(tmp.resolve("sbom/" + file)));
    }
    assertEveryBlobIsNamedByItsDigest(tar);
  }

  @Test
  void twoBuildsGiveByteIdenticalArchivesWithTheirReferrers() throws IOException {
    build(multiProfile, "one.tar", "--sbom").assertSuccess();
    buildWithCache(multiProfile, "two.tar", "cache2", "--sbom").assertSuccess();
    assertThat(Files.readAllBytes(tmp.resolve("two.tar"))).isEqualTo(Files.readAllBytes(tmp.resolve("one.tar")));
    assertThat(JSON.readTree(entries(tmp.resolve("one.tar")).get("index.json")).get("manifests")).hasSize(10);
  }

  @Test
  void withoutSbomTheArchiveIsAsBeforeAndTheImageDigestIsTheSameEitherWay() throws IOException {
    Processes.Output plain = build(profile, "plain.tar");
    plain.assertSuccess();
    Processes.Output off = build(profile, "off.tar", "--no-sbom");
    off.assertSuccess();
    Processes.Output on = build(profile, "on.tar", "--sbom");
    on.assertSuccess();
    assertThat(Files.readAllBytes(tmp.resolve("off.tar"))).isEqualTo(Files.readAllBytes(tmp.resolve("plain.tar")));
    Map<String, byte[]> tar = entries(tmp.resolve("plain.tar"));
    JsonNode manifests = JSON.readTree(tar.get("index.json")).get("manifests");
    assertThat(manifests).hasSize(1);
    assertThat(tar.keySet()).as("oci-layout, index.json, manifest, configuration, layer").hasSize(5);
    assertThat(on.out().strip()).isEqualTo(plain.out().strip()).isEqualTo(manifests.get(0).get("digest").asText());
    Map<String, byte[]> withSboms = entries(tmp.resolve("on.tar"));
    for (String name : tar.keySet()) {
      if (!name.equals("index.json")) {
        assertThat(withSboms.get(name)).as(name).isEqualTo(tar.get(name));
      }
    }
    assertThat(JSON.readTree(withSboms.get("index.json")).get("manifests").get(0)).isEqualTo(manifests.get(0));
  }

  @Test
  void sbomWithADockerArchiveOrTheDaemonAndNoSbomWithAnSbomFolderAreRefusedInOneLine() {
    Processes.Output docker = build(profile, "d.tar", "--sbom", "--format", "docker");
    assertThat(docker.code()).isEqualTo(1);
    assertThat(docker.err().strip()).doesNotContain("\n").contains("--sbom").contains("Docker archive");
    assertThat(tmp.resolve("d.tar")).doesNotExist();
    Processes.Output daemon = Processes.apkimg(List.of("build", profile.toString(), "--push", "localhost:1/x:1",
        "--daemon", "--cache-dir", tmp.resolve("cache").toString(), "--sbom", "-q"));
    assertThat(daemon.code()).isEqualTo(1);
    assertThat(daemon.err().strip()).doesNotContain("\n").contains("--sbom").contains("--daemon");
    Processes.Output both = build(profile, "b.tar", "--no-sbom", "--sbom-dir", tmp.resolve("s").toString());
    assertThat(both.code()).isEqualTo(1);
    assertThat(both.err().strip()).doesNotContain("\n").contains("--no-sbom").contains("--sbom-dir");
    assertThat(tmp.resolve("b.tar")).doesNotExist();
    assertThat(tmp.resolve("s")).doesNotExist();
  }

  /**
   * After the first entry of {@code index.json}: per arch, the SPDX, the CycloneDX, then the provenance referrer, each an
   * artifact manifest whose subject is that arch's image manifest and whose one layer is the file
   * {@code --sbom-dir} wrote, valid for the format's own validator. Returns the referrers' digests.
   */
  private List<String> assertReferrers(Map<String, byte[]> tar, JsonNode manifests, List<JsonNode> images,
      String... archs) throws IOException {
    List<String> digests = new ArrayList<>();
    int entry = 1;
    for (int a = 0; a < archs.length; a++) {
      JsonNode image = images.get(a);
      byte[] imageManifest = blob(tar, image.get("digest").asText());
      assertThat(imageManifest).hasSize(image.get("size").asInt());
      for (String[] format : List.of(new String[] {"application/spdx+json", ".spdx.json"},
          new String[] {"application/vnd.cyclonedx+json", ".cdx.json"},
          new String[] {"application/vnd.in-toto+json", ".provenance.json"})) {
        JsonNode d = manifests.get(entry++);
        assertThat(d.get("mediaType").asText()).isEqualTo(MANIFEST);
        assertThat(d.get("artifactType").asText()).isEqualTo(format[0]);
        assertThat(d.has("annotations") && d.get("annotations").has("org.opencontainers.image.ref.name")).isFalse();
        byte[] bytes = blob(tar, d.get("digest").asText());
        assertThat(bytes).hasSize(d.get("size").asInt());
        JsonNode m = JSON.readTree(bytes);
        assertThat(m.get("schemaVersion").asInt()).isEqualTo(2);
        assertThat(m.get("mediaType").asText()).isEqualTo(MANIFEST);
        assertThat(m.get("artifactType").asText()).isEqualTo(format[0]);
        JsonNode config = m.get("config");
        assertThat(config.get("mediaType").asText()).isEqualTo("application/vnd.oci.empty.v1+json");
        assertThat(config.get("size").asInt()).isEqualTo(2);
        assertThat(config.get("digest").asText()).isEqualTo(sha256("{}".getBytes(StandardCharsets.US_ASCII)));
        assertThat(new String(blob(tar, config.get("digest").asText()), StandardCharsets.US_ASCII)).isEqualTo("{}");
        JsonNode subject = m.get("subject");
        assertThat(subject.get("mediaType").asText()).isEqualTo(MANIFEST);
        assertThat(subject.get("digest").asText()).isEqualTo(image.get("digest").asText());
        assertThat(subject.get("size").asLong()).isEqualTo(imageManifest.length);
        assertThat(m.get("layers")).hasSize(1);
        JsonNode layer = m.get("layers").get(0);
        assertThat(layer.get("mediaType").asText()).isEqualTo(format[0]);
        byte[] sbom = blob(tar, layer.get("digest").asText());
        assertThat(sbom).hasSize(layer.get("size").asInt());
        Path file = tmp.resolve("sbom/" + archs[a] + format[1]);
        assertThat(sbom).as("the layer is the --sbom-dir file").isEqualTo(Files.readAllBytes(file));
        Path copy = Files.write(tmp.resolve("layer-" + archs[a] + format[1]), sbom);
        assertThat(format[1].equals(".spdx.json") ? SbomValidators.spdxProblems(copy)
            : format[1].equals(".cdx.json") ? SbomValidators.cycloneDxProblems(copy)
            : SbomValidators.provenanceProblems(sbom)).isEmpty();
        digests.add(d.get("digest").asText());
      }
    }
    // With several architectures, the index's two SBOMs and its provenance follow (checked by the caller).
    assertThat(manifests).hasSize(archs.length > 1 ? entry + 3 : entry);
    return digests;
  }

  private static void assertEveryBlobIsNamedByItsDigest(Map<String, byte[]> tar) {
    tar.forEach((name, bytes) -> {
      if (name.startsWith("blobs/sha256/")) {
        assertThat(sha256(bytes)).as(name).isEqualTo("sha256:" + name.substring("blobs/sha256/".length()));
      }
    });
  }

  private static byte[] blob(Map<String, byte[]> tar, String digest) {
    byte[] bytes = tar.get("blobs/sha256/" + digest.substring("sha256:".length()));
    assertThat(bytes).as("blob " + digest).isNotNull();
    return bytes;
  }

  private static Map<String, byte[]> entries(Path archive) throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (InputStream in = Files.newInputStream(archive)) {
      for (TarStream.Entry e : TarStream.read(in)) {
        entries.put(e.name(), e.content());
      }
    }
    return entries;
  }

  private static String sha256(byte[] bytes) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
