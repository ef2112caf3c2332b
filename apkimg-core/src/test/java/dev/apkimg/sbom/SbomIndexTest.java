package dev.apkimg.sbom;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.api.Apkimg;
import dev.apkimg.api.BuildRequest;
import dev.apkimg.api.BuildResult;
import dev.apkimg.api.Outputs;
import dev.apkimg.testing.SbomValidators;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A multi-architecture image also gets SBOMs of its image index, which refer to each platform's. */
class SbomIndexTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;
  private Path dir;
  private BuildResult result;

  @BeforeEach
  void build() throws IOException {
    dir = tmp.resolve("project");
    TestKeys.primary().writePublicKey(dir.resolve("keys"));
    TestRepository repo = new TestRepository(TestKeys.primary());
    for (String arch : List.of("x86_64", "aarch64")) {
      repo.add(TestPackage.builder("hello", "1.0-r0").arch(arch).builddate(1_700_000_000L).dir("usr").dir("usr/bin")
          .file("usr/bin/hello", "hello " + arch + "\n").build());
    }
    repo.write(dir.resolve("mirror/edge/main"));
    Files.writeString(dir.resolve("multi.yaml"), """
        contents:
          repositories: [mirror/edge/main]
          keyring: [keys]
          packages: [hello]
        archs: [x86_64, aarch64]
        """);
    result = build("m");
  }

  private BuildResult build(String name) {
    return Apkimg.create().build(BuildRequest.builder(dir.resolve("multi.yaml"))
        .cacheDir(tmp.resolve("cache")).imageReference("example/multi:1")
        .outputs(Outputs.builder().ociArchive(tmp.resolve(name + ".tar")).sbomDir(tmp.resolve(name)).sbom(true)
            .metadataFile(tmp.resolve(name + ".json")).build()).build(), e -> { });
  }

  @Test
  void theIndexSbomsDescribeTheIndexAndReferToEachPlatformsSbomByChecksum() throws Exception {
    Path spdxFile = tmp.resolve("m/index.spdx.json");
    Path cdxFile = tmp.resolve("m/index.cdx.json");
    assertThat(SbomValidators.spdxProblems(spdxFile)).isEmpty();
    assertThat(SbomValidators.cycloneDxProblems(cdxFile)).isEmpty();

    JsonNode spdx = JSON.readTree(spdxFile.toFile());
    JsonNode index = spdx.get("packages").get(0);
    assertThat(index.get("versionInfo").asText()).isEqualTo(result.digest());
    assertThat(index.get("checksums").get(0).get("checksumValue").asText()).isEqualTo(result.digest().substring(7));
    Map<String, String> refs = new TreeMap<>();
    for (JsonNode r : spdx.get("externalDocumentRefs")) {
      refs.put(r.get("externalDocumentId").asText(), r.get("checksum").get("checksumValue").asText()
          + " " + r.get("spdxDocument").asText());
    }
    Map<String, String> expected = new TreeMap<>();
    for (String arch : List.of("x86_64", "aarch64")) {
      Path platform = tmp.resolve("m/" + arch + ".spdx.json");
      // SPDX ids take letters, digits, '.' and '-': x86_64 becomes x86-64.
      expected.put("DocumentRef-" + arch.replace('_', '-'), hex("SHA-1", Files.readAllBytes(platform)) + " "
          + JSON.readTree(platform.toFile()).get("documentNamespace").asText());
    }
    assertThat(refs).isEqualTo(expected);
    List<String> contained = new ArrayList<>();
    spdx.get("relationships").forEach(r -> {
      if (r.get("relationshipType").asText().equals("CONTAINS")) {
        contained.add(r.get("relatedSpdxElement").asText());
      }
    });
    assertThat(contained).containsExactly("DocumentRef-x86-64:SPDXRef-Image", "DocumentRef-aarch64:SPDXRef-Image");

    JsonNode cdx = JSON.readTree(cdxFile.toFile());
    assertThat(cdx.get("metadata").get("component").get("version").asText()).isEqualTo(result.digest());
    for (int i = 0; i < 2; i++) {
      BuildResult.ArchImage image = result.images().get(i);
      JsonNode c = cdx.get("components").get(i);
      assertThat(c.get("version").asText()).isEqualTo(image.manifestDigest());
      JsonNode bom = c.get("externalReferences").get(0);
      JsonNode platformBom = JSON.readTree(tmp.resolve("m/" + image.arch() + ".cdx.json").toFile());
      assertThat(bom.get("url").asText())
          .isEqualTo(platformBom.get("serialNumber").asText().replace("urn:uuid:", "urn:cdx:") + "/1");
      assertThat(bom.get("hashes").get(0).get("content").asText())
          .isEqualTo(hex("SHA-256", Files.readAllBytes(tmp.resolve("m/" + image.arch() + ".cdx.json"))));
    }
  }

  @Test
  void theIndexSbomsAreReferrersOfTheIndexInTheArchiveAndListedInTheMetadata() throws Exception {
    Map<String, byte[]> files = new TreeMap<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(tmp.resolve("m.tar")))) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        if (e.isFile()) {
          files.put(e.getName(), tar.readAllBytes());
        }
      }
    }
    List<String> onIndex = new ArrayList<>();
    for (JsonNode d : JSON.readTree(files.get("index.json")).get("manifests")) {
      if (!d.has("artifactType")) {
        continue;
      }
      JsonNode m = JSON.readTree(files.get("blobs/sha256/" + d.get("digest").asText().substring(7)));
      if (m.get("subject").get("digest").asText().equals(result.digest())) {
        assertThat(m.get("subject").get("mediaType").asText()).isEqualTo("application/vnd.oci.image.index.v1+json");
        byte[] document = files.get("blobs/sha256/" + m.get("layers").get(0).get("digest").asText().substring(7));
        String name = switch (d.get("artifactType").asText()) {
          case "application/spdx+json" -> "index.spdx.json";
          case "application/vnd.in-toto+json" -> "index.provenance.json";
          default -> "index.cdx.json";
        };
        assertThat(document).isEqualTo(Files.readAllBytes(tmp.resolve("m/" + name)));
        onIndex.add(d.get("artifactType").asText());
      }
    }
    assertThat(onIndex).containsExactlyInAnyOrder("application/spdx+json", "application/vnd.cyclonedx+json",
        "application/vnd.in-toto+json");

    List<String> listed = new ArrayList<>();
    JSON.readTree(tmp.resolve("m.json").toFile()).get("sboms").forEach(s -> listed.add(
        s.path("arch").asText(s.path("subject").asText()) + " " + s.get("format").asText()));
    assertThat(listed).containsExactly("x86_64 spdx-2.3", "x86_64 cyclonedx-1.6", "aarch64 spdx-2.3",
        "aarch64 cyclonedx-1.6", "index spdx-2.3", "index cyclonedx-1.6");
    List<String> provenance = new ArrayList<>();
    JSON.readTree(tmp.resolve("m.json").toFile()).get("provenance").forEach(s -> provenance.add(
        s.path("arch").asText(s.path("subject").asText()) + " " + s.get("format").asText()));
    assertThat(provenance).containsExactly("x86_64 slsa-provenance-1", "aarch64 slsa-provenance-1",
        "index slsa-provenance-1");
  }

  @Test
  void theIndexProvenanceHasTheIndexAsSubjectAndEveryPlatformsMaterialsOnce() throws Exception {
    byte[] bytes = Files.readAllBytes(tmp.resolve("m/index.provenance.json"));
    assertThat(SbomValidators.provenanceProblems(bytes)).isEmpty();
    JsonNode statement = JSON.readTree(bytes);
    assertThat(statement.get("subject")).hasSize(1);
    assertThat(statement.get("subject").get(0).get("name").asText()).isEqualTo("example/multi:1");
    assertThat("sha256:" + statement.get("subject").get(0).get("digest").get("sha256").asText())
        .isEqualTo(result.digest());
    JsonNode definition = statement.get("predicate").get("buildDefinition");
    JsonNode x86 = JSON.readTree(tmp.resolve("m/x86_64.provenance.json").toFile()).get("predicate")
        .get("buildDefinition");
    JsonNode arm = JSON.readTree(tmp.resolve("m/aarch64.provenance.json").toFile()).get("predicate")
        .get("buildDefinition");
    assertThat(definition.get("buildType")).isEqualTo(x86.get("buildType"));
    JsonNode parameters = definition.get("externalParameters");
    assertThat(parameters.has("arch")).isFalse();
    assertThat(parameters.get("archs").toString()).isEqualTo("[\"x86_64\",\"aarch64\"]");
    assertThat(parameters.get("profile")).isEqualTo(x86.get("externalParameters").get("profile"));
    assertThat(parameters.get("image").asText()).isEqualTo("example/multi:1");

    // Each platform's materials, in platform order, the shared ones (the signing key) once.
    List<JsonNode> expected = new ArrayList<>();
    for (JsonNode platform : List.of(x86, arm)) {
      platform.get("resolvedDependencies").forEach(d -> {
        if (!expected.contains(d)) {
          expected.add(d);
        }
      });
    }
    List<JsonNode> resolved = new ArrayList<>();
    definition.get("resolvedDependencies").forEach(resolved::add);
    assertThat(resolved).containsExactlyElementsOf(expected);
    assertThat(resolved).filteredOn(d -> d.path("annotations").path("kind").asText().equals("apk signing key"))
        .hasSize(1);
    assertThat(resolved).filteredOn(d -> d.path("name").asText().equals("hello")).hasSize(2);
    assertThat(statement.get("predicate").get("runDetails")).isEqualTo(
        JSON.readTree(tmp.resolve("m/x86_64.provenance.json").toFile()).get("predicate").get("runDetails"));
  }

  @Test
  void theIndexSbomsRepeatByteForByte() throws IOException {
    build("again");
    for (String name : List.of("index.spdx.json", "index.cdx.json", "index.provenance.json")) {
      assertThat(tmp.resolve("again/" + name)).hasSameBinaryContentAs(tmp.resolve("m/" + name));
    }
  }

  @Test
  void aSinglePlatformImageHasNoIndexSbom() throws IOException {
    Files.writeString(dir.resolve("multi.yaml"), Files.readString(dir.resolve("multi.yaml"))
        .replace("[x86_64, aarch64]", "[x86_64]"));
    build("one");
    assertThat(tmp.resolve("one/index.spdx.json")).doesNotExist();
    assertThat(tmp.resolve("one/index.provenance.json")).doesNotExist();
    assertThat(tmp.resolve("one/x86_64.spdx.json")).exists();
  }

  private static String hex(String algorithm, byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
  }
}
