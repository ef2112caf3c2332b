package dev.apkimg.maven;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.api.Apkimg;
import dev.apkimg.api.BaseImage;
import dev.apkimg.api.BuildRequest;
import dev.apkimg.api.Outputs;
import dev.apkimg.testing.SbomValidators;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.maven.project.MavenProject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin's path without Maven: an apk base from {@link Apkimg#buildBase}, the application's
 * layers and jars on it, published with SBOMs. What the SBOMs list is checked against the image
 * itself: its apk database and the jars unpacked from its layers.
 */
class AppSbomTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;
  private Path dir;

  @BeforeEach
  void repository() throws IOException {
    dir = tmp.resolve("project");
    TestKeys.primary().writePublicKey(dir.resolve("keys"));
    TestRepository repo = new TestRepository(TestKeys.primary());
    repo.add(TestPackage.builder("libfoo", "1.2.3-r0").license("MIT").builddate(1_700_000_000L)
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

  private Path jar(String name, String content) throws IOException {
    Path file = Files.createDirectories(tmp.resolve("m2")).resolve(name);
    Files.writeString(file, content);
    return file;
  }

  @Test
  void theSbomListsTheBasePackagesAndEveryJarWithTheSha256OfTheJarInTheImage() throws Exception {
    List<AppLayers.Jar> jars = List.of(
        new AppLayers.Jar("info.picocli", jar("picocli-4.7.7.jar", "picocli bytes"), false,
            new AppLayers.Coordinates("picocli", "4.7.7", "jar", null, "compile")),
        new AppLayers.Jar("org.one", jar("util-1.0.jar", "one's util"), false,
            new AppLayers.Coordinates("util", "1.0", "jar", "", "runtime")),
        new AppLayers.Jar("org.two", Files.writeString(Files.createDirectories(tmp.resolve("m2/two"))
            .resolve("util-1.0.jar"), "two's util"), true,
            new AppLayers.Coordinates("util", "1.0", "jar", "linux", "compile")));
    Path classes = Files.createDirectories(tmp.resolve("classes/it"));
    Files.writeString(classes.resolve("Main.class"), "class");
    Path work = tmp.resolve("work");
    AppLayers.App app = AppLayers.of(jars, tmp.resolve("classes"), "/app", Instant.ofEpochSecond(1), List.of(),
        "it.Main", work.resolve("app"));
    ContainerSettings settings = ContainerSettings.read(new ContainerConfiguration(), ConfigValues.of(Map.of()),
        Clock.fixed(Instant.parse("2024-01-01T00:00:00Z"), ZoneOffset.UTC));

    Path tar = tmp.resolve("app.tar");
    Path sbomDir = tmp.resolve("sbom");
    BuildRequest request = BuildRequest.builder(dir.resolve("base.yaml")).cacheDir(tmp.resolve("cache"))
        .imageReference("example/app:1.0")
        .outputs(Outputs.builder().ociArchive(tar).sbomDir(sbomDir).sbom(true).build()).build();
    Apkimg apkimg = Apkimg.create();
    BaseImage base = apkimg.buildBase(request, work.resolve("base"), e -> { });
    AppImages images = AppImages.assemble(List.of(base), settings, "it.Main", app.classpath(), app.layers(), work);
    MavenProject project = new MavenProject();
    project.setGroupId("org.example");
    project.setArtifactId("app");
    project.setVersion("1.0");
    project.setPackaging("jar");
    apkimg.publish(images.base("example/app:1.0",
        ProjectApp.application(project, "/app", AppLayers.components(jars, "/app"))), images.images(), request, e -> { });

    Path spdxFile = sbomDir.resolve("x86_64.spdx.json");
    Path cdxFile = sbomDir.resolve("x86_64.cdx.json");
    assertThat(SbomValidators.spdxProblems(spdxFile)).isEmpty();
    assertThat(SbomValidators.cycloneDxProblems(cdxFile)).isEmpty();

    Map<String, String> imageJars = new TreeMap<>();
    TreeSet<String> installed = new TreeSet<>();
    unpack(tar, imageJars, installed, "/app/libs/");
    assertThat(imageJars).containsOnlyKeys("/app/libs/picocli-4.7.7.jar", "/app/libs/org.one-util-1.0.jar",
        "/app/libs/org.two-util-1.0.jar");
    assertThat(installed).containsExactly("libfoo 1.2.3-r0", "tool 2.0-r1");

    // CycloneDX: each jar by its path in the image, with that file's SHA-256; the apk packages as installed.
    JsonNode cdx = JSON.readTree(cdxFile.toFile());
    Map<String, String> cdxJars = new TreeMap<>();
    TreeSet<String> cdxApks = new TreeSet<>();
    for (JsonNode c : cdx.get("components")) {
      if (c.get("purl").asText().startsWith("pkg:apk/")) {
        cdxApks.add(c.get("name").asText() + " " + c.get("version").asText());
      } else if (c.get("type").asText().equals("library")) {
        String path = null;
        for (JsonNode p : c.get("properties")) {
          if (p.get("name").asText().equals("apkimg:image:path")) {
            path = p.get("value").asText();
          }
        }
        cdxJars.put(path, c.get("hashes").get(0).get("content").asText());
      }
    }
    assertThat(cdxJars).isEqualTo(imageJars);
    assertThat(cdxApks).isEqualTo(installed);
    assertThat(cdx.get("components").findValuesAsText("purl")).contains("pkg:maven/org.example/app@1.0",
        "pkg:maven/info.picocli/picocli@4.7.7", "pkg:maven/org.one/util@1.0",
        "pkg:maven/org.two/util@1.0?classifier=linux");

    // SPDX: the same jars by checksum, the application depending on each.
    JsonNode spdx = JSON.readTree(spdxFile.toFile());
    List<String> spdxJarHashes = new ArrayList<>();
    String appId = null;
    TreeSet<String> spdxApks = new TreeSet<>();
    for (JsonNode p : spdx.get("packages")) {
      String purl = p.path("externalRefs").path(0).path("referenceLocator").asText();
      if (purl.startsWith("pkg:maven/org.example/app@")) {
        appId = p.get("SPDXID").asText();
      } else if (purl.startsWith("pkg:maven/")) {
        spdxJarHashes.add(p.get("checksums").get(0).get("checksumValue").asText());
      } else if (purl.startsWith("pkg:apk/")) {
        spdxApks.add(p.get("name").asText() + " " + p.get("versionInfo").asText());
      }
    }
    assertThat(spdxJarHashes).containsExactlyInAnyOrderElementsOf(imageJars.values());
    assertThat(spdxApks).isEqualTo(installed);
    String applicationId = appId;
    assertThat(spdx.get("relationships").findValuesAsText("spdxElementId").stream()
        .filter(id -> id.equals(applicationId)).count()).isEqualTo(3);
  }

  @Test
  void theProvenanceNamesTheProjectTheBasePackagesAndEveryJarWithTheSha256OfTheJarInTheImage() throws Exception {
    List<AppLayers.Jar> jars = List.of(
        new AppLayers.Jar("info.picocli", jar("picocli-4.7.7.jar", "picocli bytes"), false,
            new AppLayers.Coordinates("picocli", "4.7.7", "jar", null, "compile")),
        new AppLayers.Jar("org.one", jar("util-1.0.jar", "one's util"), false,
            new AppLayers.Coordinates("util", "1.0", "jar", null, "runtime")),
        new AppLayers.Jar("org.two", Files.writeString(Files.createDirectories(tmp.resolve("m2/two"))
            .resolve("util-1.0.jar"), "two's util"), false,
            new AppLayers.Coordinates("util", "1.0", "jar", null, "compile")));
    Path classes = Files.createDirectories(tmp.resolve("classes/it"));
    Files.writeString(classes.resolve("Main.class"), "class");
    Path work = tmp.resolve("work");
    AppLayers.App app = AppLayers.of(jars, tmp.resolve("classes"), "/srv", Instant.ofEpochSecond(1), List.of(),
        "it.Main", work.resolve("app"));
    ContainerConfiguration container = new ContainerConfiguration();
    container.appRoot = "/srv";
    container.creationTime = "2024-03-04T05:06:07Z";
    ContainerSettings settings = ContainerSettings.read(container, ConfigValues.of(Map.of()),
        Clock.fixed(Instant.parse("2024-01-01T00:00:00Z"), ZoneOffset.UTC));

    Path tar = tmp.resolve("app.tar");
    Path sbomDir = tmp.resolve("sbom");
    BuildRequest request = BuildRequest.builder(dir.resolve("base.yaml")).cacheDir(tmp.resolve("cache"))
        .imageReference("example/app:1.0")
        .outputs(Outputs.builder().ociArchive(tar).sbomDir(sbomDir).sbom(true).build()).build();
    Apkimg apkimg = Apkimg.create();
    BaseImage base = apkimg.buildBase(request, work.resolve("base"), e -> { });
    AppImages images = AppImages.assemble(List.of(base), settings, "it.Main", app.classpath(), app.layers(), work);
    MavenProject project = new MavenProject();
    project.setGroupId("org.example");
    project.setArtifactId("app");
    project.setVersion("1.0");
    project.setPackaging("jar");
    dev.apkimg.api.BuildResult result = apkimg.publish(images.base("example/app:1.0",
        ProjectApp.application(project, "/srv", AppLayers.components(jars, "/srv"))), images.images(), request,
        e -> { });

    Path file = sbomDir.resolve("x86_64.provenance.json");
    assertThat(SbomValidators.provenanceProblems(Files.readAllBytes(file))).isEmpty();
    Map<String, String> imageJars = new TreeMap<>();
    TreeSet<String> installed = new TreeSet<>();
    unpack(tar, imageJars, installed, "/srv/libs/");
    assertThat(imageJars).hasSize(3);

    JsonNode statement = JSON.readTree(file.toFile());
    assertThat("sha256:" + statement.get("subject").get(0).get("digest").get("sha256").asText())
        .as("the application image, not the base").isEqualTo(result.images().get(0).manifestDigest());
    JsonNode parameters = statement.get("predicate").get("buildDefinition").get("externalParameters");
    assertThat(parameters.get("application").toString())
        .isEqualTo("{\"project\":\"org.example:app:1.0\",\"packaging\":\"jar\",\"path\":\"/srv\"}");
    assertThat(parameters.get("created").asText()).as("<creationTime>, not the base's").isEqualTo("2024-03-04T05:06:07Z");
    Map<String, String> provenanceJars = new TreeMap<>();
    List<String> purls = new ArrayList<>();
    TreeSet<String> packages = new TreeSet<>();
    for (JsonNode d : statement.get("predicate").get("buildDefinition").get("resolvedDependencies")) {
      JsonNode a = d.path("annotations");
      if (a.path("kind").asText().equals("maven dependency")) {
        provenanceJars.put(a.get("path").asText(), d.get("digest").get("sha256").asText());
        purls.add(d.get("uri").asText());
      } else if (a.has("apkChecksum")) {
        packages.add(a.get("name").asText() + " " + a.get("version").asText());
      }
    }
    assertThat(provenanceJars).isEqualTo(imageJars);
    assertThat(purls).containsExactly("pkg:maven/info.picocli/picocli@4.7.7", "pkg:maven/org.one/util@1.0",
        "pkg:maven/org.two/util@1.0");
    assertThat(packages).isEqualTo(installed);
  }

  /** The jars under {@code libs} (path, SHA-256) and the apk database's packages, from the OCI tar's layers. */
  private static void unpack(Path tar, Map<String, String> jars, TreeSet<String> installed, String libs)
      throws Exception {
    try (TarFile oci = new TarFile(tar)) {
      JsonNode index = JSON.readTree(read(oci, "index.json"));
      JsonNode manifest = null;
      for (JsonNode m : index.get("manifests")) {
        if (!m.has("artifactType")) {
          manifest = JSON.readTree(read(oci, blob(m.get("digest").asText())));
        }
      }
      for (JsonNode layer : manifest.get("layers")) {
        TarArchiveEntry blob = entry(oci, blob(layer.get("digest").asText()));
        try (InputStream in = new TarArchiveInputStream(new GzipCompressorInputStream(oci.getInputStream(blob)))) {
          TarArchiveInputStream layerTar = (TarArchiveInputStream) in;
          for (TarArchiveEntry e; (e = layerTar.getNextEntry()) != null; ) {
            String name = "/" + e.getName().replaceFirst("^\\./", "").replaceFirst("^/", "");
            if (e.isFile() && name.startsWith(libs)) {
              jars.put(name, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                  .digest(layerTar.readAllBytes())));
            } else if (e.isFile() && name.equals("/lib/apk/db/installed")) {
              String name0 = null;
              for (String line : new String(layerTar.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("P:")) {
                  name0 = line.substring(2);
                } else if (line.startsWith("V:")) {
                  installed.add(name0 + " " + line.substring(2));
                }
              }
            }
          }
        }
      }
    }
  }

  private static byte[] read(TarFile oci, String name) throws IOException {
    try (InputStream in = oci.getInputStream(entry(oci, name))) {
      return in.readAllBytes();
    }
  }

  private static TarArchiveEntry entry(TarFile oci, String name) {
    return oci.getEntries().stream().filter(e -> e.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " in the OCI tar"));
  }

  private static String blob(String digest) {
    return "blobs/sha256/" + digest.substring("sha256:".length());
  }
}
