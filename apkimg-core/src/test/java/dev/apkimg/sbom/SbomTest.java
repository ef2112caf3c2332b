package dev.apkimg.sbom;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.api.Apkimg;
import dev.apkimg.api.BuildRequest;
import dev.apkimg.api.BuildResult;
import dev.apkimg.api.Outputs;
import dev.apkimg.testing.BuiltApk;
import dev.apkimg.testing.SbomValidators;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SBOMs a build writes with {@code sbomDir}, from packages and a repository made here. */
class SbomTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;
  private Path dir;
  private TestRepository.Written mirror;

  @BeforeEach
  void repository() throws IOException {
    dir = tmp.resolve("project");
    TestKeys.primary().writePublicKey(dir.resolve("keys"));
    TestRepository repo = new TestRepository(TestKeys.primary());
    repo.add(TestPackage.builder("libfoo", "1.2.3-r0").license("MIT AND (GPL-2.0-only OR BSD-3-Clause)")
        .origin("foo").maintainer("Jane Doe <jane@example.org>").builddate(1_700_000_000L).provides("so:libfoo.so.1=1")
        .dir("usr").dir("usr/lib").file("usr/lib/libfoo.so.1", "foo\n").build());
    repo.add(TestPackage.builder("g++", "13.2.1_git20240309-r0").license("custom:foo").origin("gcc")
        .builddate(1_700_000_100L).depends("so:libfoo.so.1", "libbar", "libbaz")
        .dir("usr").dir("usr/bin").file("usr/bin/g++", "gpp\n").build());
    repo.add(TestPackage.builder("libbaz", "0.1-r0").license("custom").builddate(1_700_000_000L)
        .dir("usr").dir("usr/share").file("usr/share/baz", "baz\n").build());
    repo.add(TestPackage.builder("libbar", "2.0-r1").license("").maintainer(null).builddate(1_700_000_050L)
        .dir("usr").dir("usr/share").file("usr/share/bar", "bar\n").build());
    mirror = repo.write(dir.resolve("mirror/v3.20/main"));
    Files.writeString(dir.resolve("base.yaml"), """
        contents:
          repositories: [mirror/v3.20/main]
          keyring: [keys]
          packages: [g++]
        archs: [x86_64]
        """);
  }

  private BuildResult build(String name) {
    return Apkimg.create().build(BuildRequest.builder(dir.resolve("base.yaml")).cacheDir(tmp.resolve("cache"))
        .imageReference("example/base:1")
        .outputs(Outputs.builder().ociArchive(tmp.resolve(name + ".tar")).sbomDir(tmp.resolve(name))
            .metadataFile(tmp.resolve(name + ".json")).build())
        .build(), e -> { });
  }

  private static Map<String, JsonNode> byName(JsonNode array, String field) {
    Map<String, JsonNode> out = new TreeMap<>();
    array.forEach(n -> out.put(n.get(field).asText(), n));
    return out;
  }

  @Test
  void everyInstalledPackageIsInBothSbomsWithLicensePurlChecksumsAndSupplier() throws IOException {
    BuildResult result = build("a");
    BuildResult.ArchImage image = result.images().get(0);
    JsonNode spdx = JSON.readTree(tmp.resolve("a/x86_64.spdx.json").toFile());
    JsonNode cdx = JSON.readTree(tmp.resolve("a/x86_64.cdx.json").toFile());

    Map<String, JsonNode> spdxPackages = byName(spdx.get("packages"), "name");
    assertThat(spdxPackages).containsOnlyKeys("example/base:1", "g++", "libbar", "libbaz", "libfoo");
    Map<String, JsonNode> components = byName(cdx.get("components"), "name");
    assertThat(components).containsOnlyKeys("g++", "libbar", "libbaz", "libfoo");

    BuiltApk foo = mirror.apk("x86_64", "libfoo");
    String q1Hex = HexFormat.of().formatHex(java.util.Base64.getDecoder().decode(foo.q1().substring(2)));
    JsonNode libfoo = spdxPackages.get("libfoo");
    assertThat(libfoo.get("versionInfo").asText()).isEqualTo("1.2.3-r0");
    assertThat(libfoo.get("licenseDeclared").asText()).isEqualTo("MIT AND (GPL-2.0-only OR BSD-3-Clause)");
    assertThat(libfoo.get("supplier").asText()).isEqualTo("Person: Jane Doe (jane@example.org)");
    assertThat(libfoo.get("checksums").toString())
        .contains("{\"algorithm\":\"SHA1\",\"checksumValue\":\"" + q1Hex + "\"}")
        .contains("{\"algorithm\":\"SHA256\",\"checksumValue\":\"" + foo.datahash() + "\"}");
    assertThat(libfoo.get("externalRefs").get(0).get("referenceLocator").asText())
        .isEqualTo("pkg:apk/alpine/libfoo@1.2.3-r0?arch=x86_64&distro=alpine-3.20");
    // A file: mirror is no download location SPDX accepts; CycloneDX names it as the distribution.
    assertThat(libfoo.get("downloadLocation").asText()).isEqualTo("NOASSERTION");

    // Not an SPDX expression: a LicenseRef whose text is the declaration; no license: NOASSERTION.
    String ref = spdxPackages.get("g++").get("licenseDeclared").asText();
    assertThat(ref).isEqualTo("LicenseRef-apk-custom-foo");
    Map<String, JsonNode> extracted = byName(spdx.get("hasExtractedLicensingInfos"), "licenseId");
    assertThat(extracted).containsOnlyKeys(ref, "LicenseRef-apk-custom");
    assertThat(extracted.get(ref).get("extractedText").asText()).isEqualTo("custom:foo");
    assertThat(extracted.get("LicenseRef-apk-custom").get("extractedText").asText()).isEqualTo("custom");
    assertThat(spdxPackages.get("libbar").get("licenseDeclared").asText()).isEqualTo("NOASSERTION");
    // A well-formed id the SPDX License List lacks (Alpine's "custom") is no SPDX license either.
    assertThat(spdxPackages.get("libbaz").get("licenseDeclared").asText()).isEqualTo("LicenseRef-apk-custom");
    assertThat(spdxPackages.get("g++").get("externalRefs").get(0).get("referenceLocator").asText())
        .isEqualTo("pkg:apk/alpine/g%2B%2B@13.2.1_git20240309-r0?arch=x86_64&distro=alpine-3.20");

    assertThat(components.get("libfoo").get("licenses").get(0).get("expression").asText())
        .isEqualTo("MIT AND (GPL-2.0-only OR BSD-3-Clause)");
    assertThat(components.get("g++").get("licenses").get(0).get("license").get("name").asText()).isEqualTo("custom:foo");
    assertThat(components.get("libbar").has("licenses")).isFalse();
    assertThat(components.get("libfoo").get("hashes").toString())
        .contains("{\"alg\":\"SHA-1\",\"content\":\"" + q1Hex + "\"}")
        .contains("{\"alg\":\"SHA-256\",\"content\":\"" + foo.datahash() + "\"}");
    assertThat(components.get("libfoo").get("externalReferences").get(0).get("url").asText())
        .startsWith("file:").endsWith("/v3.20/main/x86_64/libfoo-1.2.3-r0.apk");
    assertThat(components.get("libfoo").get("purl").asText())
        .isEqualTo("pkg:apk/alpine/libfoo@1.2.3-r0?arch=x86_64&distro=alpine-3.20");

    // The image is the described root, by its manifest digest; created is the image's time.
    JsonNode root = spdxPackages.get("example/base:1");
    assertThat(root.get("versionInfo").asText()).isEqualTo(image.manifestDigest());
    assertThat(spdx.get("relationships").get(0).toString())
        .isEqualTo("{\"spdxElementId\":\"SPDXRef-DOCUMENT\",\"relationshipType\":\"DESCRIBES\","
            + "\"relatedSpdxElement\":\"SPDXRef-Image\"}");
    assertThat(cdx.get("metadata").get("component").get("version").asText()).isEqualTo(image.manifestDigest());
    assertThat(cdx.get("metadata").get("timestamp").asText()).isEqualTo("2023-11-14T22:15:00Z");
    assertThat(spdx.get("creationInfo").get("created").asText()).isEqualTo("2023-11-14T22:15:00Z");
    assertThat(spdx.get("creationInfo").get("creators").get(0).asText()).startsWith("Tool: apkimg-")
        .isNotEqualTo("Tool: apkimg-unknown");

    // Dependencies as resolved: g++ depends on libfoo (by its so: provide) and libbar.
    List<String> dependsOn = new ArrayList<>();
    spdx.get("relationships").forEach(r -> {
      if (r.get("relationshipType").asText().equals("DEPENDS_ON")) {
        dependsOn.add(r.get("spdxElementId").asText() + " -> " + r.get("relatedSpdxElement").asText());
      }
    });
    assertThat(dependsOn).containsExactly("SPDXRef-Package-apk-g---13.2.1-git20240309-r0 -> SPDXRef-Package-apk-libfoo-1.2.3-r0",
        "SPDXRef-Package-apk-g---13.2.1-git20240309-r0 -> SPDXRef-Package-apk-libbar-2.0-r1",
        "SPDXRef-Package-apk-g---13.2.1-git20240309-r0 -> SPDXRef-Package-apk-libbaz-0.1-r0");
    Map<String, JsonNode> dependencies = byName(cdx.get("dependencies"), "ref");
    assertThat(dependencies.get("pkg:apk/alpine/g%2B%2B@13.2.1_git20240309-r0?arch=x86_64&distro=alpine-3.20")
        .get("dependsOn").toString()).isEqualTo("[\"pkg:apk/alpine/libfoo@1.2.3-r0?arch=x86_64&distro=alpine-3.20\","
            + "\"pkg:apk/alpine/libbar@2.0-r1?arch=x86_64&distro=alpine-3.20\","
            + "\"pkg:apk/alpine/libbaz@0.1-r0?arch=x86_64&distro=alpine-3.20\"]");

    // The metadata file names each SBOM with its SHA-256.
    JsonNode sboms = JSON.readTree(tmp.resolve("a.json").toFile()).get("sboms");
    assertThat(sboms).hasSize(2);
    assertThat(sboms.get(0).get("file").asText()).endsWith("x86_64.spdx.json");
    assertThat(sboms.get(0).get("sha256").asText()).isEqualTo(sha256(tmp.resolve("a/x86_64.spdx.json")));
    assertThat(sboms.get(1).get("file").asText()).endsWith("x86_64.cdx.json");
    assertThat(sboms.get(1).get("sha256").asText()).isEqualTo(sha256(tmp.resolve("a/x86_64.cdx.json")));
  }

  @Test
  void bothSbomsPassTheirFormatsOwnValidators() throws IOException {
    build("a");
    assertThat(SbomValidators.spdxProblems(tmp.resolve("a/x86_64.spdx.json"))).isEmpty();
    assertThat(SbomValidators.cycloneDxProblems(tmp.resolve("a/x86_64.cdx.json"))).isEmpty();
  }

  @Test
  void twoBuildsWriteByteIdenticalSboms() throws IOException {
    build("a");
    build("b");
    for (String name : List.of("x86_64.spdx.json", "x86_64.cdx.json")) {
      assertThat(tmp.resolve("b/" + name)).hasSameBinaryContentAs(tmp.resolve("a/" + name));
    }
    assertThat(Files.readString(tmp.resolve("a/x86_64.cdx.json"))).contains("\"serialNumber\" : \"urn:uuid:");
  }

  @Test
  void aBuildFromTheLockfileDescribesThePackagesAsTheIndexDid() throws IOException {
    build("a");
    Apkimg.create().lock(BuildRequest.builder(dir.resolve("base.yaml")).cacheDir(tmp.resolve("cache")).build(),
        null, e -> { });
    assertThat(dir.resolve("base.lock.json")).exists();
    build("locked");
    // Same image, same packages (licenses, origins, dependencies now from each file's .PKGINFO).
    for (String name : List.of("x86_64.spdx.json", "x86_64.cdx.json")) {
      assertThat(tmp.resolve("locked/" + name)).hasSameTextualContentAs(tmp.resolve("a/" + name));
    }
  }

  @Test
  void aBuildWithoutSbomDirWritesNoSbomAndNoSbomsInTheMetadata() throws IOException {
    Apkimg.create().build(BuildRequest.builder(dir.resolve("base.yaml")).cacheDir(tmp.resolve("cache"))
        .outputs(Outputs.builder().ociArchive(tmp.resolve("c.tar")).metadataFile(tmp.resolve("c.json")).build())
        .build(), e -> { });
    assertThat(JSON.readTree(tmp.resolve("c.json").toFile()).has("sboms")).isFalse();
  }

  @Test
  void eachArchitectureGetsItsOwnSbomsNamingItsOwnImage() throws IOException {
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
    BuildResult result = Apkimg.create().build(BuildRequest.builder(dir.resolve("multi.yaml"))
        .cacheDir(tmp.resolve("cache")).imageReference("example/multi:1")
        .outputs(Outputs.builder().ociArchive(tmp.resolve("m.tar")).sbomDir(tmp.resolve("m")).build()).build(), e -> { });
    for (BuildResult.ArchImage image : result.images()) {
      JsonNode cdx = JSON.readTree(tmp.resolve("m/" + image.arch() + ".cdx.json").toFile());
      assertThat(cdx.get("metadata").get("component").get("version").asText()).isEqualTo(image.manifestDigest());
      assertThat(cdx.get("components").get(0).get("purl").asText())
          .isEqualTo("pkg:apk/alpine/hello@1.0-r0?arch=" + image.arch() + "&distro=alpine-edge");
      JsonNode spdx = JSON.readTree(tmp.resolve("m/" + image.arch() + ".spdx.json").toFile());
      assertThat(spdx.get("packages").get(0).get("versionInfo").asText()).isEqualTo(image.manifestDigest());
    }
    assertThat(result.images().get(0).manifestDigest()).isNotEqualTo(result.images().get(1).manifestDigest());
    assertThat(tmp.resolve("m/x86_64.cdx.json")).content().isNotEqualTo(Files.readString(tmp.resolve("m/aarch64.cdx.json")));
  }

  @Test
  void publishingAPrebuiltBaseWithAnSbomFolderIsRefusedRatherThanWritingNone() {
    BuildRequest request = BuildRequest.builder(dir.resolve("base.yaml")).cacheDir(tmp.resolve("cache"))
        .outputs(Outputs.builder().ociArchive(tmp.resolve("p.tar")).sbomDir(tmp.resolve("p")).build()).build();
    Apkimg apkimg = Apkimg.create();
    dev.apkimg.api.BaseImage base = withoutPackageFacts(apkimg.buildBase(request, tmp.resolve("work"), e -> { }));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> apkimg.publish(base, List.of(), request, e -> { }))
        .isInstanceOf(dev.apkimg.ApkimgException.class).hasMessageContaining("sbomDir");
    assertThat(tmp.resolve("p")).doesNotExist();
  }

  @Test
  void attachingSbomsToADockerArchiveOrTheDaemonIsRefusedBeforeAnythingIsBuilt() {
    for (Outputs outputs : List.of(
        Outputs.builder().dockerArchive(tmp.resolve("d.tar")).sbom(true).build(),
        Outputs.builder().push("localhost:1/x:1").daemon(true).sbom(true).build())) {
      BuildRequest request = BuildRequest.builder(dir.resolve("base.yaml")).cacheDir(tmp.resolve("cache"))
          .outputs(outputs).build();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> Apkimg.create().build(request, e -> { }))
          .isInstanceOf(dev.apkimg.ApkimgException.class).hasMessageContaining("OCI archive");
    }
    assertThat(tmp.resolve("d.tar")).doesNotExist();
    assertThat(tmp.resolve("cache")).doesNotExist();
  }

  @Test
  void publishingAPrebuiltBaseWithSbomsAttachedIsRefusedRatherThanAttachingNone() {
    BuildRequest request = BuildRequest.builder(dir.resolve("base.yaml")).cacheDir(tmp.resolve("cache"))
        .outputs(Outputs.builder().ociArchive(tmp.resolve("p.tar")).sbom(true).build()).build();
    Apkimg apkimg = Apkimg.create();
    dev.apkimg.api.BaseImage base = withoutPackageFacts(apkimg.buildBase(request, tmp.resolve("work"), e -> { }));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> apkimg.publish(base, List.of(), request, e -> { }))
        .isInstanceOf(dev.apkimg.ApkimgException.class).hasMessageContaining("sbom");
    assertThat(tmp.resolve("p.tar")).doesNotExist();
  }

  /** {@code base} as a base built other than by buildBase would be: no package facts for the SBOMs. */
  private static dev.apkimg.api.BaseImage withoutPackageFacts(dev.apkimg.api.BaseImage base) {
    return new dev.apkimg.api.BaseImage(base.reference(), base.annotations(), base.platforms().stream()
        .map(p -> new dev.apkimg.api.BaseImage.Platform(p.arch(), p.layer(), p.config(), p.uncompressedSize(),
            p.packages(), p.scripts(), p.lowerLayers(), p.lowerHistory()))
        .toList());
  }

  private static String sha256(Path file) throws IOException {
    try {
      return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
