package dev.apkimg.sbom;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.api.Apkimg;
import dev.apkimg.api.BaseImage;
import dev.apkimg.api.BuildEvent;
import dev.apkimg.api.BuildRequest;
import dev.apkimg.api.BuildResult;
import dev.apkimg.api.Outputs;
import dev.apkimg.image.ImageConfig;
import dev.apkimg.image.PlatformImage;
import dev.apkimg.image.RootfsImage;
import dev.apkimg.testing.BuiltApk;
import dev.apkimg.testing.SbomValidators;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The provenance of an image a front end made on a base from {@link Apkimg#buildBase} and published
 * with {@link Apkimg#publish} (the Maven plugin's path): the base build's inputs and materials, the
 * application's project and every jar, the published image as the subject.
 */
class PublishedBaseProvenanceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PICOCLI_SHA = "a".repeat(64);
  private static final String NATIVE_SHA = "b".repeat(64);
  /** The application image's creation time, not the base's (2023-11-14T22:15:00Z, the newest package). */
  private static final Instant APP_CREATED = Instant.parse("2024-05-01T12:00:00Z");
  @TempDir Path tmp;
  private Path dir;
  private TestRepository.Written mirror;

  @BeforeEach
  void repository() throws IOException {
    dir = tmp.resolve("project");
    TestKeys.primary().writePublicKey(dir.resolve("keys"));
    TestRepository repo = new TestRepository(TestKeys.primary());
    repo.add(TestPackage.builder("libfoo", "1.2.3-r0").license("MIT").builddate(1_700_000_000L)
        .dir("usr").dir("usr/lib").file("usr/lib/libfoo.so.1", "foo\n").build());
    repo.add(TestPackage.builder("tool", "2.0-r1").license("Apache-2.0").builddate(1_700_000_100L).depends("libfoo")
        .dir("usr").dir("usr/bin").file("usr/bin/tool", "tool\n").build());
    mirror = repo.write(dir.resolve("mirror/v3.20/main"));
    Files.writeString(dir.resolve("base.yaml"), """
        contents:
          repositories: [mirror/v3.20/main]
          keyring: [keys]
          packages: [tool]
        archs: [x86_64]
        """);
  }

  private BuildRequest request(String name) {
    return BuildRequest.builder(dir.resolve("base.yaml")).cacheDir(tmp.resolve("cache")).imageReference("example/app:1")
        .outputs(Outputs.builder().ociArchive(tmp.resolve(name + ".tar")).sbom(true).sbomDir(tmp.resolve(name))
            .metadataFile(tmp.resolve(name + ".json")).build())
        .build();
  }

  private static ImageFacts.Application application() {
    return new ImageFacts.Application(
        new ImageFacts.Component("org.example", "app", "1.0", "jar", null, null, null, "/app"),
        List.of(new ImageFacts.Component("info.picocli", "picocli", "4.7.7", "jar", null, "compile", PICOCLI_SHA,
                "/app/libs/picocli-4.7.7.jar"),
            new ImageFacts.Component("org.example", "native", "2.0", "jar", "linux-x86_64", "runtime", NATIVE_SHA,
                "/app/libs/native-2.0-linux-x86_64.jar")));
  }

  /**
   * Builds the base, makes its image with the application's creation time (as the plugin's
   * {@code <creationTime>} would), and publishes it with {@link #application()} on it.
   */
  private BuildResult publishApp(String name, List<BuildEvent> events) throws IOException {
    Apkimg apkimg = Apkimg.create();
    BuildRequest request = request(name);
    Path work = tmp.resolve("work-" + name);
    BaseImage base = apkimg.buildBase(request, work, events::add);
    List<BaseImage.Platform> platforms = new ArrayList<>();
    List<PlatformImage> images = new ArrayList<>();
    for (BaseImage.Platform p : base.platforms()) {
      ImageConfig c = p.config();
      ImageConfig config = new ImageConfig(c.os(), c.architecture(), c.variant(), c.entrypoint(), c.cmd(),
          c.environment(), c.workingDir(), APP_CREATED, c.labels(), c.volumes(), c.exposedPorts(), c.stopSignal(),
          c.history(), c.user());
      RootfsImage rootfs = RootfsImage.create(p.lowerLayers(), p.lowerHistory(), p.layer(), config,
          work.resolve("image-" + p.arch()));
      images.add(PlatformImage.build(rootfs, rootfs.containerBuilder(), base.annotations()));
      platforms.add(p.withConfig(config, p.uncompressedSize()));
    }
    BaseImage withApp = new BaseImage(base.reference(), base.annotations(), platforms, application());
    return apkimg.publish(withApp, images, request, events::add);
  }

  private static String sha256(byte[] bytes) {
    return dev.apkimg.testing.Digests.sha256(bytes);
  }

  private static String sha256(Path file) throws IOException {
    return dev.apkimg.testing.Digests.sha256(file);
  }

  /** The resolved dependencies by name (package name, APKINDEX.tar.gz, key name, jar file name), in order. */
  private static Map<String, JsonNode> dependencies(JsonNode statement) {
    return SbomValidators.resolvedDependencies(statement);
  }

  @Test
  void theAppImageProvenanceNamesTheProjectAndEveryPackageIndexKeyAndJarAndValidates() throws IOException {
    List<BuildEvent> events = new ArrayList<>();
    BuildResult result = publishApp("a", events);
    Path file = tmp.resolve("a/x86_64.provenance.json");
    assertThat(file).exists();
    assertThat(SbomValidators.provenanceProblems(Files.readAllBytes(file))).isEmpty();
    assertThat(events).noneMatch(e -> e instanceof BuildEvent.Warning w && w.message().contains("provenance"));
    JsonNode statement = JSON.readTree(file.toFile());

    // The subject is the published application image, not the base.
    assertThat(statement.get("subject").get(0).get("name").asText()).isEqualTo("example/app:1");
    assertThat("sha256:" + statement.get("subject").get(0).get("digest").get("sha256").asText())
        .isEqualTo(result.images().get(0).manifestDigest());

    JsonNode definition = statement.get("predicate").get("buildDefinition");
    assertThat(definition.get("buildType").asText()).isEqualTo(Provenance.BUILD_TYPE);
    JsonNode parameters = definition.get("externalParameters");
    assertThat(parameters.get("profile").get("file").asText()).isEqualTo("base.yaml");
    assertThat(parameters.get("profile").get("sha256").asText()).isEqualTo(sha256(dir.resolve("base.yaml")));
    assertThat(parameters.get("profile").get("checksum").asText()).startsWith("sha256:");
    assertThat(parameters.get("arch").asText()).isEqualTo("x86_64");
    assertThat(parameters.get("image").asText()).isEqualTo("example/app:1");
    assertThat(parameters.get("layering").toString()).isEqualTo("{\"strategy\":\"single\"}");
    assertThat(parameters.get("created").asText()).isEqualTo(APP_CREATED.toString());
    assertThat(parameters.get("allowUntrusted").asBoolean()).isFalse();
    assertThat(parameters.get("application").toString())
        .isEqualTo("{\"project\":\"org.example:app:1.0\",\"packaging\":\"jar\",\"path\":\"/app\"}");

    // Packages, the index, the key, then the jars in classpath order: every material of the image.
    Map<String, JsonNode> resolved = dependencies(statement);
    assertThat(resolved.keySet()).containsExactly("libfoo", "tool", "APKINDEX.tar.gz", TestKeys.primary().name(),
        "picocli-4.7.7.jar", "native-2.0-linux-x86_64.jar");
    for (String name : List.of("libfoo", "tool")) {
      BuiltApk apk = mirror.apk("x86_64", name);
      JsonNode d = resolved.get(name);
      assertThat(d.get("uri").asText())
          .isEqualTo(mirror.root().resolve("x86_64").resolve(apk.fileName()).toUri().toString());
      assertThat(d.get("digest").get("sha256").asText()).isEqualTo(sha256(apk.bytes()));
      assertThat(d.get("annotations").get("apkChecksum").asText()).isEqualTo(apk.q1());
      assertThat(d.get("annotations").get("apkDataSha256").asText()).isEqualTo(apk.datahash());
    }
    JsonNode index = resolved.get("APKINDEX.tar.gz");
    assertThat(index.get("uri").asText()).isEqualTo(mirror.index("x86_64").toUri().toString());
    assertThat(index.get("digest").get("sha256").asText()).isEqualTo(sha256(mirror.index("x86_64")));
    assertThat(resolved.get(TestKeys.primary().name()).get("digest").get("sha256").asText())
        .isEqualTo(sha256(TestKeys.primary().publicKeyPem().getBytes(StandardCharsets.US_ASCII)));

    JsonNode picocli = resolved.get("picocli-4.7.7.jar");
    assertThat(picocli.get("uri").asText()).isEqualTo("pkg:maven/info.picocli/picocli@4.7.7");
    assertThat(picocli.get("digest").toString()).isEqualTo("{\"sha256\":\"" + PICOCLI_SHA + "\"}");
    assertThat(picocli.get("annotations").toString()).isEqualTo("{\"kind\":\"maven dependency\","
        + "\"groupId\":\"info.picocli\",\"artifactId\":\"picocli\",\"version\":\"4.7.7\",\"type\":\"jar\","
        + "\"scope\":\"compile\",\"path\":\"/app/libs/picocli-4.7.7.jar\"}");
    JsonNode nativeJar = resolved.get("native-2.0-linux-x86_64.jar");
    assertThat(nativeJar.get("uri").asText()).isEqualTo("pkg:maven/org.example/native@2.0?classifier=linux-x86_64");
    assertThat(nativeJar.get("digest").get("sha256").asText()).isEqualTo(NATIVE_SHA);
    assertThat(nativeJar.get("annotations").get("classifier").asText()).isEqualTo("linux-x86_64");
    assertThat(nativeJar.get("annotations").get("scope").asText()).isEqualTo("runtime");

    // Listed in the metadata as the CLI lists it, and attached to the image in the archive, byte for byte.
    JsonNode metadata = JSON.readTree(tmp.resolve("a.json").toFile());
    assertThat(metadata.get("sboms")).hasSize(2);
    assertThat(metadata.get("provenance")).hasSize(1);
    JsonNode listed = metadata.get("provenance").get(0);
    assertThat(listed.get("arch").asText()).isEqualTo("x86_64");
    assertThat(listed.get("format").asText()).isEqualTo("slsa-provenance-1");
    assertThat(listed.get("mediaType").asText()).isEqualTo("application/vnd.in-toto+json");
    assertThat(listed.get("file").asText()).isEqualTo(file.toString());
    assertThat(listed.get("sha256").asText()).isEqualTo(sha256(file));
    assertThat(attachedStatements(tmp.resolve("a.tar"))).containsExactly(Files.readString(file));
  }

  @Test
  void twoPublicationsOfTheSameAppGiveTheSameBytes() throws IOException {
    publishApp("a", new ArrayList<>());
    publishApp("b", new ArrayList<>());
    assertThat(tmp.resolve("b/x86_64.provenance.json"))
        .hasBinaryContent(Files.readAllBytes(tmp.resolve("a/x86_64.provenance.json")));
  }

  @Test
  void aPlatformCopiedWithoutItsProvenanceFactsGetsItsSbomsAndAWarningInsteadOfTheProvenance() throws IOException {
    Apkimg apkimg = Apkimg.create();
    BuildRequest request = request("p");
    BaseImage built = apkimg.buildBase(request, tmp.resolve("work"), e -> { });
    BaseImage.Platform p = built.platforms().get(0);
    // As a front end written before provenance facts would copy it: with the SBOM facts only.
    BaseImage copied = new BaseImage(built.reference(), built.annotations(), List.of(new BaseImage.Platform(p.arch(),
        p.layer(), p.config(), p.uncompressedSize(), p.packages(), p.scripts(), p.lowerLayers(), p.lowerHistory(),
        p.packageFacts(), p.os())));
    RootfsImage rootfs = RootfsImage.create(p.lowerLayers(), p.lowerHistory(), p.layer(), p.config(),
        tmp.resolve("work/image"));
    List<BuildEvent> events = new ArrayList<>();
    apkimg.publish(copied, List.of(PlatformImage.build(rootfs, rootfs.containerBuilder(), built.annotations())),
        request, events::add);
    assertThat(tmp.resolve("p/x86_64.spdx.json")).exists();
    assertThat(tmp.resolve("p/x86_64.provenance.json")).doesNotExist();
    assertThat(events).anyMatch(e -> e instanceof BuildEvent.Warning w && w.message().contains("no provenance")
        && w.message().contains("x86_64") && !w.message().contains("\n"));
  }

  /** The in-toto statements attached to the image in the OCI archive {@code archive}. */
  private static List<String> attachedStatements(Path archive) throws IOException {
    List<String> statements = new ArrayList<>();
    try (TarFile tar = new TarFile(archive)) {
      for (JsonNode m : JSON.readTree(read(tar, "index.json")).get("manifests")) {
        if (Provenance.MEDIA_TYPE.equals(m.path("artifactType").asText())) {
          JsonNode manifest = JSON.readTree(read(tar, blob(m.get("digest").asText())));
          statements.add(new String(read(tar, blob(manifest.get("layers").get(0).get("digest").asText())),
              StandardCharsets.UTF_8));
        }
      }
    }
    return statements;
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
