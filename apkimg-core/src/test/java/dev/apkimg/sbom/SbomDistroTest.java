package dev.apkimg.sbom;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.api.Apkimg;
import dev.apkimg.api.BuildEvent;
import dev.apkimg.api.BuildRequest;
import dev.apkimg.api.Outputs;
import dev.apkimg.testing.SbomValidators;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What scanners need from an SBOM beyond the package list: the distribution (from the image's own
 * os-release, as Trivy and Grype read it) and why apk installed a package ({@code install_if}).
 */
class SbomDistroTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;
  private Path dir;

  @BeforeEach
  void repository() throws IOException {
    dir = tmp.resolve("project");
    TestKeys.primary().writePublicKey(dir.resolve("keys"));
    TestRepository repo = new TestRepository(TestKeys.primary());
    // As Alpine 3.21's alpine-release: etc/os-release is a link to usr/lib/os-release.
    repo.add(TestPackage.builder("alpine-release", "3.20.3-r0").license("MIT").builddate(1_700_000_000L)
        .dir("etc").dir("usr").dir("usr/lib")
        .file("usr/lib/os-release", "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\n"
            + "PRETTY_NAME=\"Alpine Linux v3.20\"\nHOME_URL=\"https://alpinelinux.org/\"\n")
        .symlink("etc/os-release", "../usr/lib/os-release").build());
    repo.add(TestPackage.builder("tool", "1.0-r0").license("MIT").builddate(1_700_000_000L)
        .dir("usr").dir("usr/bin").file("usr/bin/tool", "tool\n").build());
    repo.add(TestPackage.builder("docs", "1.0-r0").license("MIT").builddate(1_700_000_000L)
        .dir("usr").dir("usr/share").file("usr/share/docs", "docs\n").build());
    repo.add(TestPackage.builder("tool-doc", "1.0-r0").license("MIT").builddate(1_700_000_000L)
        .installIf("tool", "docs").depends("tool")
        .dir("usr").dir("usr/share").file("usr/share/tool.1", "man\n").build());
    // The mirror's path names another branch: the image's os-release must win over it.
    repo.write(dir.resolve("mirror/v3.17/main"));
  }

  private List<BuildEvent> build(String name, String... packages) throws IOException {
    Files.writeString(dir.resolve(name + ".yaml"), "contents:\n  repositories: [mirror/v3.17/main]\n"
        + "  keyring: [keys]\n  packages: [" + String.join(", ", packages) + "]\narchs: [x86_64]\n");
    List<BuildEvent> events = new ArrayList<>();
    Apkimg.create().build(BuildRequest.builder(dir.resolve(name + ".yaml")).cacheDir(tmp.resolve("cache"))
        .imageReference("example/" + name + ":1")
        .outputs(Outputs.builder().ociArchive(tmp.resolve(name + ".tar")).sbomDir(tmp.resolve(name)).build())
        .build(), events::add);
    return events;
  }

  @Test
  void theImagesOsReleaseNamesTheDistributionInBothSbomsAndEveryPurl() throws IOException {
    build("os", "alpine-release", "tool");
    JsonNode spdx = JSON.readTree(tmp.resolve("os/x86_64.spdx.json").toFile());
    JsonNode os = null;
    for (JsonNode p : spdx.get("packages")) {
      if ("OPERATING_SYSTEM".equals(p.path("primaryPackagePurpose").asText())) {
        os = p;
      } else if (!"CONTAINER".equals(p.path("primaryPackagePurpose").asText())) {
        assertThat(p.get("externalRefs").get(0).get("referenceLocator").asText())
            .startsWith("pkg:apk/alpine/" + p.get("name").asText() + "@").endsWith("&distro=alpine-3.20");
      }
    }
    assertThat(os).isNotNull();
    assertThat(os.get("name").asText()).isEqualTo("alpine");
    assertThat(os.get("versionInfo").asText()).isEqualTo("3.20.3");
    assertThat(spdx.get("relationships").toString())
        .contains("{\"spdxElementId\":\"SPDXRef-Image\",\"relationshipType\":\"CONTAINS\","
            + "\"relatedSpdxElement\":\"SPDXRef-OperatingSystem\"}");

    JsonNode cdx = JSON.readTree(tmp.resolve("os/x86_64.cdx.json").toFile());
    JsonNode first = cdx.get("components").get(0);
    assertThat(first.get("type").asText()).isEqualTo("operating-system");
    assertThat(first.get("name").asText()).isEqualTo("alpine");
    assertThat(first.get("version").asText()).isEqualTo("3.20.3");
    assertThat(first.get("description").asText()).isEqualTo("Alpine Linux v3.20");
    for (JsonNode c : cdx.get("components")) {
      if (c.has("purl")) {
        assertThat(c.get("purl").asText()).endsWith("&distro=alpine-3.20");
      }
    }
    assertThat(SbomValidators.spdxProblems(tmp.resolve("os/x86_64.spdx.json"))).isEmpty();
    assertThat(SbomValidators.cycloneDxProblems(tmp.resolve("os/x86_64.cdx.json"))).isEmpty();
  }

  @Test
  void withoutOsReleaseTheBuildWarnsOnceAndThePurlsFallBackToTheRepositoryPath() throws IOException {
    List<BuildEvent> events = build("bare", "tool");
    assertThat(events).filteredOn(e -> e instanceof BuildEvent.Warning)
        .extracting(e -> ((BuildEvent.Warning) e).message())
        .singleElement().asString().contains("etc/os-release", "scanners");
    String cdx = Files.readString(tmp.resolve("bare/x86_64.cdx.json"));
    assertThat(cdx).doesNotContain("operating-system").contains("pkg:apk/alpine/tool@1.0-r0?arch=x86_64&distro=alpine-3.17");

    assertThat(build("with", "alpine-release", "tool")).noneMatch(e -> e instanceof BuildEvent.Warning);
  }

  @Test
  void aPackageInstalledForItsInstallIfSaysWhy() throws IOException {
    build("ii", "tool", "docs");
    JsonNode spdx = JSON.readTree(tmp.resolve("ii/x86_64.spdx.json").toFile());
    List<String> why = new ArrayList<>();
    for (JsonNode r : spdx.get("relationships")) {
      if ("OTHER".equals(r.get("relationshipType").asText())) {
        why.add(r.get("spdxElementId").asText() + " -> " + r.get("relatedSpdxElement").asText() + ": "
            + r.get("comment").asText());
      }
    }
    assertThat(why).containsExactly(
        "SPDXRef-Package-apk-tool-doc-1.0-r0 -> SPDXRef-Package-apk-tool-1.0-r0: install_if: apk installed tool-doc"
            + " because tool is installed",
        "SPDXRef-Package-apk-tool-doc-1.0-r0 -> SPDXRef-Package-apk-docs-1.0-r0: install_if: apk installed tool-doc"
            + " because docs is installed");
    JsonNode cdx = JSON.readTree(tmp.resolve("ii/x86_64.cdx.json").toFile());
    List<String> properties = new ArrayList<>();
    for (JsonNode c : cdx.get("components")) {
      for (JsonNode p : c.path("properties")) {
        if (p.get("name").asText().equals("apkimg:apk:install-if")) {
          properties.add(c.get("name").asText() + ": " + p.get("value").asText());
        }
      }
    }
    assertThat(properties).containsExactly("tool-doc: tool docs");
    assertThat(SbomValidators.spdxProblems(tmp.resolve("ii/x86_64.spdx.json"))).isEmpty();
    assertThat(SbomValidators.cycloneDxProblems(tmp.resolve("ii/x86_64.cdx.json"))).isEmpty();
  }
}
