package dev.apkimg.cli;

import static dev.apkimg.cli.Processes.exec;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.testing.Prerequisites;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #12, item 4: {@code --sbom --push} to Debian's docker-registry 2.8 on loopback, which has no
 * referrers API: the SBOMs are pushed as referrers of the image and listed in the referrers tag {@code
 * sha256-HEX}, read back with skopeo and plain HTTP, byte for byte the files of {@code --sbom-dir};
 * the provenance too, as a third referrer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SbomPushReferrersIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Map<String, String> FILES = Map.of("application/spdx+json", "x86_64.spdx.json",
      "application/vnd.cyclonedx+json", "x86_64.cdx.json", "application/vnd.in-toto+json", "x86_64.provenance.json");

  @TempDir static Path tmp;

  private Path fixtures;
  private LocalRegistry localRegistry;
  private String registry;
  private Path registryLog;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void setUp() throws Exception {
    fixtures = Prerequisites.requireSharedFixtures();
    Prerequisites.requireCommand("skopeo");
    localRegistry = LocalRegistry.start(tmp.resolve("registry"), "localhost");
    registry = localRegistry.address();
    registryLog = localRegistry.log();
  }

  @AfterAll
  void tearDown() throws InterruptedException {
    if (localRegistry != null) {
      localRegistry.close();
    }
  }

  @Test
  void pushedSbomsAreFoundThroughTheReferrersTagAndReadBackByteForByte() throws Exception {
    String reference = registry + "/base:1";
    JsonNode meta = push(reference, "first");
    String digest = meta.get("digest").asText();
    // docker-registry 2.8 has no referrers API: the metadata says the tag lists them.
    assertThat(meta.get("pushes").get(0).get("referrers").asText()).isEqualTo("tag");

    // The image is as without SBOMs: the registry serves the digest apkimg reported.
    JsonNode inspect = JSON.readTree(exec(tmp, "skopeo", "inspect", "--tls-verify=false", "docker://" + reference)
        .assertSuccess().out());
    assertThat(inspect.get("Digest").asText()).isEqualTo(digest);
    String manifest = exec(tmp, "skopeo", "inspect", "--tls-verify=false", "--raw", "docker://" + reference)
        .assertSuccess().out();
    assertThat(sha256(manifest.getBytes(StandardCharsets.UTF_8))).isEqualTo(digest);

    String tag = registry + "/base:" + digest.replace(':', '-');
    String indexText = exec(tmp, "skopeo", "inspect", "--tls-verify=false", "--raw", "docker://" + tag)
        .assertSuccess().out();
    JsonNode index = JSON.readTree(indexText);
    assertThat(index.get("mediaType").asText()).isEqualTo("application/vnd.oci.image.index.v1+json");
    assertThat(index.get("manifests")).as("SPDX, CycloneDX, provenance").hasSize(3);
    Map<String, String> referrerByType = new TreeMap<>();
    for (JsonNode entry : index.get("manifests")) {
      String type = entry.get("artifactType").asText();
      String referrerDigest = entry.get("digest").asText();
      referrerByType.put(type, referrerDigest);
      byte[] referrerBytes = get("/v2/base/manifests/" + referrerDigest, "application/vnd.oci.image.manifest.v1+json");
      assertThat(sha256(referrerBytes)).isEqualTo(referrerDigest);
      assertThat((long) referrerBytes.length).isEqualTo(entry.get("size").asLong());
      JsonNode referrer = JSON.readTree(referrerBytes);
      assertThat(referrer.get("artifactType").asText()).isEqualTo(type);
      assertThat(referrer.get("subject").get("digest").asText()).isEqualTo(digest);
      assertThat(referrer.get("config").get("mediaType").asText()).isEqualTo("application/vnd.oci.empty.v1+json");
      assertThat(referrer.get("layers")).hasSize(1);
      byte[] document = get("/v2/base/blobs/" + referrer.get("layers").get(0).get("digest").asText(), "*/*");
      assertThat(document).isEqualTo(Files.readAllBytes(tmp.resolve("first/sbom").resolve(FILES.get(type))));
      if (type.equals("application/vnd.in-toto+json")) {
        JsonNode statement = JSON.readTree(document);
        assertThat(statement.get("subject").get(0).get("digest").get("sha256").asText())
            .isEqualTo(digest.substring("sha256:".length()));
        assertThat(dev.apkimg.testing.SbomValidators.provenanceProblems(document)).isEmpty();
      }
    }
    assertThat(referrerByType).containsOnlyKeys(FILES.keySet());
    // The metadata names the referrers the registry lists.
    for (JsonNode sbom : meta.get("sboms")) {
      assertThat(sbom.get("referrerDigest").asText()).isEqualTo(referrerByType.get(sbom.get("mediaType").asText()));
    }
    assertThat(meta.get("provenance").get(0).get("referrerDigest").asText())
        .isEqualTo(referrerByType.get("application/vnd.in-toto+json"));

    // Pushed again (same image, same SBOMs): the tag index lists them once, unchanged; --verbose says why.
    JsonNode again = push(reference, "second", "--verbose");
    assertThat(lastOutput.out() + lastOutput.err())
        .contains("the SBOMs of " + reference + " are listed under the referrers tag sha256-HEX of each image"
            + " (the registry has no referrers API)");
    assertThat(again.get("digest").asText()).isEqualTo(digest);
    assertThat(exec(tmp, "skopeo", "inspect", "--tls-verify=false", "--raw", "docker://" + tag).assertSuccess().out())
        .isEqualTo(indexText);

    // Another client's entry in the tag index (here: one more descriptor, listed first) survives a push.
    com.fasterxml.jackson.databind.node.ObjectNode foreign = JSON.createObjectNode()
        .put("mediaType", "application/vnd.oci.image.manifest.v1+json").put("digest", digest)
        .put("size", manifest.getBytes(StandardCharsets.UTF_8).length).put("artifactType", "application/x-other");
    com.fasterxml.jackson.databind.node.ObjectNode withForeign = index.deepCopy();
    withForeign.withArray("manifests").insert(0, foreign);
    HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create("http://" + tag.replace(
            registry + "/base:", registry + "/v2/base/manifests/")))
        .header("Content-Type", "application/vnd.oci.image.index.v1+json")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(withForeign))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).as("PUT the index: " + put.body()).isEqualTo(201);
    push(reference, "third");
    JsonNode kept = JSON.readTree(exec(tmp, "skopeo", "inspect", "--tls-verify=false", "--raw", "docker://" + tag)
        .assertSuccess().out());
    assertThat(kept.get("manifests")).hasSize(4);
    assertThat(kept.get("manifests").get(0)).isEqualTo(foreign);
    assertThat(kept.get("manifests").get(1)).isEqualTo(index.get("manifests").get(0));
    assertThat(kept.get("manifests").get(2)).isEqualTo(index.get("manifests").get(1));
    assertThat(kept.get("manifests").get(3)).isEqualTo(index.get("manifests").get(2));

    // The image and its referrers copy out of the registry as they went in.
    exec(tmp, "skopeo", "copy", "-q", "--src-tls-verify=false", "docker://" + reference, "dir:" + tmp.resolve("copy"))
        .assertSuccess();
  }

  @Test
  void eachArchitecturesImageOfAMultiArchPushHasItsOwnReferrersTag() throws Exception {
    Path keys = tmp.resolve("multi/keys");
    dev.apkimg.testing.TestKeys.primary().writePublicKey(keys);
    dev.apkimg.testing.TestRepository repo = new dev.apkimg.testing.TestRepository(dev.apkimg.testing.TestKeys.primary());
    for (String arch : List.of("x86_64", "aarch64")) {
      repo.add(dev.apkimg.testing.TestPackage.builder("hello", "1.0-r0").arch(arch).builddate(1_700_000_000L)
          .license("MIT").dir("usr").dir("usr/bin").file("usr/bin/hello", "hello " + arch + "\n").build());
    }
    repo.write(tmp.resolve("multi/mirror/v3.19/main"));
    Path profile = Files.writeString(tmp.resolve("multi/multi.yaml"), """
        contents:
          repositories: [mirror/v3.19/main]
          keyring: [keys]
          packages: [hello]
        archs: [x86_64, aarch64]
        """);
    String reference = registry + "/multi:1";
    Path metadata = tmp.resolve("multi/metadata.json");
    Processes.apkimg(List.of("build", profile.toString(), "--cache-dir", tmp.resolve("multi/cache").toString(),
        "--sbom", "--sbom-dir", tmp.resolve("multi/sbom").toString(), "--push", reference,
        "--allow-insecure-registry", "--metadata-file", metadata.toString(), "-q")).assertSuccess();
    JsonNode meta = JSON.readTree(metadata.toFile());
    assertThat(JSON.readTree(exec(tmp, "skopeo", "inspect", "--tls-verify=false", "--raw", "docker://" + reference)
        .assertSuccess().out()).get("mediaType").asText()).isEqualTo("application/vnd.oci.image.index.v1+json");
    assertThat(meta.get("images")).hasSize(2);
    for (JsonNode image : meta.get("images")) {
      String arch = image.get("arch").asText();
      String subject = image.get("manifestDigest").asText();
      JsonNode index = JSON.readTree(exec(tmp, "skopeo", "inspect", "--tls-verify=false", "--raw",
          "docker://" + registry + "/multi:" + subject.replace(':', '-')).assertSuccess().out());
      assertThat(index.get("manifests")).hasSize(3);
      for (JsonNode entry : index.get("manifests")) {
        JsonNode referrer = JSON.readTree(get("/v2/multi/manifests/" + entry.get("digest").asText(),
            "application/vnd.oci.image.manifest.v1+json"));
        assertThat(referrer.get("subject").get("digest").asText()).isEqualTo(subject);
        String file = arch + FILES.get(entry.get("artifactType").asText()).substring("x86_64".length());
        assertThat(get("/v2/multi/blobs/" + referrer.get("layers").get(0).get("digest").asText(), "*/*"))
            .isEqualTo(Files.readAllBytes(tmp.resolve("multi/sbom").resolve(file)));
      }
    }
    // The image index has its own SBOMs and provenance, under the index digest's referrers tag.
    String indexDigest = meta.get("digest").asText();
    JsonNode onIndex = JSON.readTree(exec(tmp, "skopeo", "inspect", "--tls-verify=false", "--raw",
        "docker://" + registry + "/multi:" + indexDigest.replace(':', '-')).assertSuccess().out());
    assertThat(onIndex.get("manifests")).hasSize(3);
    for (JsonNode entry : onIndex.get("manifests")) {
      JsonNode referrer = JSON.readTree(get("/v2/multi/manifests/" + entry.get("digest").asText(),
          "application/vnd.oci.image.manifest.v1+json"));
      assertThat(referrer.get("subject").get("digest").asText()).isEqualTo(indexDigest);
      String file = "index" + FILES.get(entry.get("artifactType").asText()).substring("x86_64".length());
      assertThat(get("/v2/multi/blobs/" + referrer.get("layers").get(0).get("digest").asText(), "*/*"))
          .isEqualTo(Files.readAllBytes(tmp.resolve("multi/sbom").resolve(file)));
    }
  }

  private Processes.Output lastOutput;

  /** {@code output}: {@code -q} unless given ({@code --verbose}). */
  private JsonNode push(String reference, String name, String... output) throws Exception {
    Path metadata = tmp.resolve(name + "-metadata.json");
    List<String> args = new ArrayList<>(List.of("build", ProfilesTest.PROFILES.resolve("alpine-base.yaml").toString(),
        "-r", fixtures.resolve("mirror/v3.20/main").toString(),
        "-k", fixtures.resolve("keys/apkimg-test.rsa.pub").toString(), "--cache-dir", tmp.resolve("cache").toString(),
        "--sbom", "--sbom-dir", tmp.resolve(name + "/sbom").toString(), "--push", reference,
        "--allow-insecure-registry", "--metadata-file", metadata.toString()));
    args.addAll(output.length == 0 ? List.of("-q") : List.of(output));
    lastOutput = Processes.apkimg(args).assertSuccess();
    return JSON.readTree(metadata.toFile());
  }

  private byte[] get(String path, String accept) throws Exception {
    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create("http://" + registry + path))
        .header("Accept", accept).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).as("GET " + path).isEqualTo(200);
    return r.body();
  }

  private static String sha256(byte[] bytes) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
