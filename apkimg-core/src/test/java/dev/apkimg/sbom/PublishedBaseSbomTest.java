package dev.apkimg.sbom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.ApkimgException;
import dev.apkimg.api.Apkimg;
import dev.apkimg.api.BaseImage;
import dev.apkimg.api.BuildRequest;
import dev.apkimg.api.BuildResult;
import dev.apkimg.api.Outputs;
import dev.apkimg.image.PlatformImage;
import dev.apkimg.image.RootfsImage;
import dev.apkimg.testing.SbomValidators;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SBOMs of images a front end made on a base from {@link Apkimg#buildBase} and published with
 * {@link Apkimg#publish} (the Maven plugin's path): the base's packages, and the application and
 * its jars the front end names.
 */
class PublishedBaseSbomTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PICOCLI_SHA = "a".repeat(64);
  private static final String NATIVE_SHA = "b".repeat(64);
  @TempDir Path tmp;
  private Path dir;

  @BeforeEach
  void repository() throws IOException {
    dir = tmp.resolve("project");
    TestKeys.primary().writePublicKey(dir.resolve("keys"));
    TestRepository repo = new TestRepository(TestKeys.primary());
    repo.add(TestPackage.builder("libfoo", "1.2.3-r0").license("MIT").origin("foo").builddate(1_700_000_000L)
        .dir("usr").dir("usr/lib").file("usr/lib/libfoo.so.1", "foo\n").build());
    repo.add(TestPackage.builder("tool", "2.0-r1").license("Apache-2.0").builddate(1_700_000_100L).depends("libfoo")
        .dir("usr").dir("usr/bin").file("usr/bin/tool", "tool\n").build());
    repo.write(dir.resolve("mirror/v3.20/main"));
    Files.writeString(dir.resolve("base.yaml"), """
        contents:
          repositories: [mirror/v3.20/main]
          keyring: [keys]
          packages: [tool]
        archs: [x86_64]
        """);
  }

  private BuildRequest request(Outputs outputs) {
    return BuildRequest.builder(dir.resolve("base.yaml")).cacheDir(tmp.resolve("cache")).imageReference("example/app:1")
        .outputs(outputs).build();
  }

  /** The base's images with nothing added, as a front end would build them. */
  private static List<PlatformImage> images(BaseImage base, Path work) throws IOException {
    List<PlatformImage> images = new ArrayList<>();
    for (BaseImage.Platform p : base.platforms()) {
      RootfsImage rootfs = RootfsImage.create(p.lowerLayers(), p.lowerHistory(), p.layer(), p.config(),
          work.resolve("image-" + p.arch()));
      images.add(PlatformImage.build(rootfs, rootfs.containerBuilder(), base.annotations()));
    }
    return images;
  }

  private static ImageFacts.Application application() {
    return new ImageFacts.Application(
        new ImageFacts.Component("org.example", "app", "1.0", "jar", null, null, null, "/app"),
        List.of(new ImageFacts.Component("info.picocli", "picocli", "4.7.7", "jar", null, "compile", PICOCLI_SHA,
                "/app/libs/picocli-4.7.7.jar"),
            new ImageFacts.Component("org.example", "native", "2.0", "jar", "linux-x86_64", "runtime", NATIVE_SHA,
                "/app/libs/native-2.0-linux-x86_64.jar")));
  }

  private static Map<String, JsonNode> byName(JsonNode array, String field) {
    Map<String, JsonNode> out = new TreeMap<>();
    array.forEach(n -> out.put(n.get(field).asText(), n));
    return out;
  }

  @Test
  void publishingABaseWithNothingAddedWritesTheSbomsAWholeBuildWrites() throws IOException {
    Apkimg apkimg = Apkimg.create();
    BuildResult built = apkimg.build(request(Outputs.builder().ociArchive(tmp.resolve("built.tar"))
        .sbomDir(tmp.resolve("built")).build()), e -> { });
    BuildRequest request = request(Outputs.builder().ociArchive(tmp.resolve("published.tar"))
        .sbomDir(tmp.resolve("published")).metadataFile(tmp.resolve("published.json")).build());
    BaseImage base = apkimg.buildBase(request, tmp.resolve("work"), e -> { });
    BuildResult published = apkimg.publish(base, images(base, tmp.resolve("work")), request, e -> { });

    assertThat(published.digest()).isEqualTo(built.digest());
    for (String name : List.of("x86_64.spdx.json", "x86_64.cdx.json", "x86_64.provenance.json")) {
      assertThat(Files.readAllBytes(tmp.resolve("published").resolve(name))).as(name)
          .isEqualTo(Files.readAllBytes(tmp.resolve("built").resolve(name)));
    }
    assertThat(JSON.readTree(tmp.resolve("published.json").toFile()).get("sboms")).hasSize(2);
    assertThat(JSON.readTree(tmp.resolve("published.json").toFile()).get("provenance")).hasSize(1);
  }

  @Test
  void theApplicationAndItsJarsAreInBothSbomsBesideTheBasePackagesAndBothValidate() throws IOException {
    Apkimg apkimg = Apkimg.create();
    BuildRequest request = request(Outputs.builder().ociArchive(tmp.resolve("app.tar")).sbom(true)
        .sbomDir(tmp.resolve("sbom")).build());
    BaseImage base = apkimg.buildBase(request, tmp.resolve("work"), e -> { });
    BaseImage withApp = new BaseImage(base.reference(), base.annotations(), base.platforms(), application());
    apkimg.publish(withApp, images(base, tmp.resolve("work")), request, e -> { });

    Path spdxFile = tmp.resolve("sbom/x86_64.spdx.json");
    Path cdxFile = tmp.resolve("sbom/x86_64.cdx.json");
    assertThat(SbomValidators.spdxProblems(spdxFile)).isEmpty();
    assertThat(SbomValidators.cycloneDxProblems(cdxFile)).isEmpty();

    JsonNode spdx = JSON.readTree(spdxFile.toFile());
    Map<String, JsonNode> packages = byName(spdx.get("packages"), "name");
    assertThat(packages).containsOnlyKeys("example/app:1", "libfoo", "tool", "app", "picocli", "native");
    JsonNode picocli = packages.get("picocli");
    assertThat(picocli.get("versionInfo").asText()).isEqualTo("4.7.7");
    assertThat(picocli.get("checksums").toString())
        .isEqualTo("[{\"algorithm\":\"SHA256\",\"checksumValue\":\"" + PICOCLI_SHA + "\"}]");
    assertThat(picocli.get("externalRefs").get(0).get("referenceLocator").asText())
        .isEqualTo("pkg:maven/info.picocli/picocli@4.7.7");
    assertThat(picocli.get("comment").asText()).contains("scope compile").contains("/app/libs/picocli-4.7.7.jar");
    assertThat(packages.get("native").get("externalRefs").get(0).get("referenceLocator").asText())
        .isEqualTo("pkg:maven/org.example/native@2.0?classifier=linux-x86_64");
    assertThat(packages.get("app").get("primaryPackagePurpose").asText()).isEqualTo("APPLICATION");
    assertThat(packages.get("app").has("checksums")).isFalse();
    List<String> relations = new ArrayList<>();
    spdx.get("relationships").forEach(r -> relations.add(r.get("spdxElementId").asText() + " "
        + r.get("relationshipType").asText() + " " + r.get("relatedSpdxElement").asText()));
    String appId = packages.get("app").get("SPDXID").asText();
    String picocliId = picocli.get("SPDXID").asText();
    String nativeId = packages.get("native").get("SPDXID").asText();
    assertThat(relations).contains("SPDXRef-Image CONTAINS " + appId, "SPDXRef-Image CONTAINS " + picocliId,
        "SPDXRef-Image CONTAINS " + nativeId, appId + " DEPENDS_ON " + picocliId, appId + " DEPENDS_ON " + nativeId,
        "SPDXRef-Image CONTAINS " + packages.get("tool").get("SPDXID").asText());

    JsonNode cdx = JSON.readTree(cdxFile.toFile());
    Map<String, JsonNode> components = byName(cdx.get("components"), "name");
    assertThat(components).containsOnlyKeys("libfoo", "tool", "app", "picocli", "native");
    JsonNode cPicocli = components.get("picocli");
    assertThat(cPicocli.get("type").asText()).isEqualTo("library");
    assertThat(cPicocli.get("group").asText()).isEqualTo("info.picocli");
    assertThat(cPicocli.get("scope").asText()).isEqualTo("required");
    assertThat(cPicocli.get("purl").asText()).isEqualTo("pkg:maven/info.picocli/picocli@4.7.7");
    assertThat(cPicocli.get("hashes").toString()).isEqualTo("[{\"alg\":\"SHA-256\",\"content\":\"" + PICOCLI_SHA + "\"}]");
    assertThat(byName(cPicocli.get("properties"), "name").get("apkimg:maven:scope").get("value").asText())
        .isEqualTo("compile");
    assertThat(byName(components.get("native").get("properties"), "name").get("apkimg:maven:scope").get("value")
        .asText()).isEqualTo("runtime");
    assertThat(components.get("app").get("type").asText()).isEqualTo("application");
    Map<String, JsonNode> dependencies = byName(cdx.get("dependencies"), "ref");
    String imageRef = cdx.get("metadata").get("component").get("bom-ref").asText();
    assertThat(dependencies.get(imageRef).get("dependsOn").toString())
        .contains("pkg:maven/org.example/app@1.0", "pkg:maven/info.picocli/picocli@4.7.7", "pkg:apk/alpine/tool@");
    assertThat(dependencies.get("pkg:maven/org.example/app@1.0").get("dependsOn").toString()).isEqualTo(
        "[\"pkg:maven/info.picocli/picocli@4.7.7\",\"pkg:maven/org.example/native@2.0?classifier=linux-x86_64\"]");

    // Attached too: the archive's index lists the image, its two SBOMs and its provenance, the SPDX one byte
    // for byte the file.
    try (TarFile tar = new TarFile(tmp.resolve("app.tar"))) {
      JsonNode index = JSON.readTree(read(tar, "index.json"));
      assertThat(index.get("manifests")).hasSize(4);
      List<String> blobs = new ArrayList<>();
      for (JsonNode m : index.get("manifests")) {
        if ("application/spdx+json".equals(m.path("artifactType").asText())) {
          JsonNode manifest = JSON.readTree(read(tar, blob(m.get("digest").asText())));
          blobs.add(new String(read(tar, blob(manifest.get("layers").get(0).get("digest").asText())),
              java.nio.charset.StandardCharsets.UTF_8));
        }
      }
      assertThat(blobs).containsExactly(Files.readString(spdxFile));
    }
  }

  @Test
  void aBaseWithoutPackageFactsIsRefusedInOneLineRatherThanPublishedWithoutSboms() throws IOException {
    Apkimg apkimg = Apkimg.create();
    BuildRequest request = request(Outputs.builder().ociArchive(tmp.resolve("p.tar")).sbomDir(tmp.resolve("p")).build());
    BaseImage built = apkimg.buildBase(request, tmp.resolve("work"), e -> { });
    BaseImage.Platform p = built.platforms().get(0);
    // Made as a base built some other way would be: no package facts.
    BaseImage other = new BaseImage(built.reference(), built.annotations(), List.of(new BaseImage.Platform(p.arch(),
        p.layer(), p.config(), p.uncompressedSize(), p.packages(), p.scripts(), p.lowerLayers(), p.lowerHistory())));
    List<PlatformImage> images = images(other, tmp.resolve("work"));
    assertThatThrownBy(() -> apkimg.publish(other, images, request, e -> { }))
        .isInstanceOf(ApkimgException.class).hasMessageContaining("sbomDir").hasMessageNotContaining("\n");
    assertThat(tmp.resolve("p")).doesNotExist();
    assertThat(tmp.resolve("p.tar")).doesNotExist();
  }

  private static byte[] read(TarFile tar, String name) throws IOException {
    var entry = tar.getEntries().stream().filter(e -> e.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + name));
    try (InputStream in = tar.getInputStream(entry)) {
      return in.readAllBytes();
    }
  }

  private static String blob(String digest) {
    return "blobs/sha256/" + digest.substring("sha256:".length());
  }
}
