package dev.apkimg.maven;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.api.Apkimg;
import dev.apkimg.api.BuildListener;
import dev.apkimg.api.BuildRequest;
import dev.apkimg.api.Outputs;
import dev.apkimg.maven.SampleBuilds.Run;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import dev.apkimg.testing.Prerequisites;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Real Maven builds of the sample projects in src/it against this plugin, installed with its
 * dependencies into target/it-repo by invoker:install. Plugins the samples use come from the
 * user's local repository through a file:// mirror, so the builds need no network. The apk base
 * comes from the fixture mirror over HTTP on 127.0.0.1; {@code build} pushes to a real
 * docker-registry on 127.0.0.1. The methods run in order: later ones rebuild the first's project.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MavenPluginIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String VERSION = System.getProperty("apkimg.it.version", "0.1.0-SNAPSHOT");
  private static final List<String> ENTRYPOINT = List.of(
      "java", "-Xmx64m", "-Dapp.mode=it", "-cp",
      // Maven's dependency order (picocli, then apkimg-core, as the pom lists them), not libs/*.
      "/app/resources:/app/classes:/app/libs/picocli-4.7.7.jar:/app/libs/apkimg-core-" + VERSION + ".jar",
      "it.app.Main");

  private SampleBuilds builds;
  private Path work;
  private Path settings;
  private Path fixtures;
  private Process registry;
  private List<String> firstLayers;
  /** More environment for the next {@code mvn} runs, e.g. DOCKER_CONFIG. */
  private java.util.Map<String, String> environment = java.util.Map.of();

  @BeforeAll
  void setUp() throws IOException {
    builds = SampleBuilds.create("it", "app", "no-main");
    work = builds.work();
    settings = builds.settings();
    fixtures = builds.fixtures();
  }

  @AfterAll
  void tearDown() throws InterruptedException {
    if (builds != null) {
      builds.close();
    }
    if (registry != null) {
      registry.destroy();
      registry.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @Order(1)
  void buildTarPutsTheAppInSeparateLayersOnTheApkBase() throws Exception {
    Run run = mvn("app", "package", "apkimg:buildTar");
    assertThat(run.exit()).as(run.output()).isZero();
    Path tar = work.resolve("app/target/apkimg.tar");

    List<List<String>> layers = layerContents(tar);
    assertThat(layers).hasSize(7);
    assertThat(layers.get(0)).contains("bin/busybox", "lib/apk/db/installed", "etc/passwd");
    assertThat(files(layers.get(1))).containsExactly("app/libs/picocli-4.7.7.jar");
    assertThat(files(layers.get(2))).containsExactly("app/libs/apkimg-core-" + VERSION + ".jar");
    assertThat(files(layers.get(3))).containsExactly("app/resources/app.properties");
    assertThat(files(layers.get(4))).containsExactly("app/classes/it/app/Main.class");
    assertThat(files(layers.get(5))).containsExactly("app/jib-classpath-file", "app/jib-main-class-file");
    assertThat(files(layers.get(6))).containsExactly("opt/tools/notes.txt", "opt/tools/run.sh");
    assertThat(modes(tar, 6)).containsEntry("opt/tools/run.sh", 0755).containsEntry("opt/tools/notes.txt", 0644);

    JsonNode config = JSON.readTree(skopeo("inspect", "--config", "oci-archive:" + tar));
    assertThat(strings(config.path("config").path("Entrypoint"))).isEqualTo(ENTRYPOINT);
    assertThat(strings(config.path("config").path("Cmd"))).containsExactly("hello");
    assertThat(strings(config.path("config").path("Env"))).contains("APP_ENV=it");
    assertThat(config.path("config").path("ExposedPorts").has("8080/tcp")).isTrue();
    assertThat(config.path("created").asText()).isEqualTo("2024-02-03T04:05:06Z");
    assertThat(config.path("config").path("Volumes").has("/tmp/app")).isTrue();

    // The CLI's --metadata-file schema: digest, tag, images[] with packages.
    JsonNode metadata = JSON.readTree(work.resolve("app/target/apkimg-image.json").toFile());
    String digest = Files.readString(work.resolve("app/target/apkimg-image.digest")).trim();
    assertThat(digest).isEqualTo(metadata.path("digest").asText()).isEqualTo(indexDigest(tar));
    assertThat(metadata.path("tag").asText()).isEqualTo("app:1.0");
    assertThat(metadata.path("archive").asText()).isEqualTo(tar.toString());
    assertThat(metadata.path("images").path(0).path("packages").findValuesAsText("name")).contains("busybox", "musl");
    assertThat(Files.readString(work.resolve("app/target/apkimg-image.id")).trim())
        .isEqualTo(metadata.path("images").path(0).path("configDigest").asText());
    firstLayers = layerDigests(tar);
    assertThat(firstLayers).hasSize(7).doesNotContainNull();
  }

  @Test
  @Order(2)
  void theSbomsListTheApkBaseAndEveryJarWithTheSha256OfTheJarInTheImage() throws Exception {
    Path tar = work.resolve("app/target/apkimg.tar");
    Prerequisites.require(Files.isRegularFile(tar), "the first build");
    Path spdxFile = work.resolve("app/target/apkimg-sbom/x86_64.spdx.json");
    Path cdxFile = work.resolve("app/target/apkimg-sbom/x86_64.cdx.json");
    assertThat(dev.apkimg.testing.SbomValidators.spdxProblems(spdxFile)).isEmpty();
    assertThat(dev.apkimg.testing.SbomValidators.cycloneDxProblems(cdxFile)).isEmpty();

    // What the image holds: the apk database's packages, and each jar under the libs folder with its SHA-256.
    java.util.TreeSet<String> installed = new java.util.TreeSet<>();
    java.util.Map<String, String> jars = new java.util.TreeMap<>();
    String manifestDigest;
    try (TarFile oci = new TarFile(tar)) {
      manifestDigest = readJson(oci, "index.json").path("manifests").path(0).path("digest").asText();
      for (JsonNode layer : manifest(oci).path("layers")) {
        try (InputStream blob = oci.getInputStream(entry(oci, blob(layer.path("digest").asText())));
            TarArchiveInputStream in = new TarArchiveInputStream(new GzipCompressorInputStream(blob))) {
          for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
            String name = "/" + e.getName().replaceFirst("^\\./", "").replaceFirst("^/", "");
            if (e.isFile() && name.startsWith("/app/libs/")) {
              jars.put(name, java.util.HexFormat.of().formatHex(
                  java.security.MessageDigest.getInstance("SHA-256").digest(in.readAllBytes())));
            } else if (e.isFile() && name.equals("/lib/apk/db/installed")) {
              String pkg = null;
              for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("P:")) {
                  pkg = line.substring(2);
                } else if (line.startsWith("V:")) {
                  installed.add(pkg + " " + line.substring(2));
                }
              }
            }
          }
        }
      }
    }
    assertThat(installed).as("the image's lib/apk/db/installed").hasSizeGreaterThan(2);
    assertThat(jars).containsOnlyKeys("/app/libs/picocli-4.7.7.jar", "/app/libs/apkimg-core-" + VERSION + ".jar");

    JsonNode spdx = JSON.readTree(spdxFile.toFile());
    java.util.TreeSet<String> spdxApks = new java.util.TreeSet<>();
    List<String> spdxJarHashes = new ArrayList<>();
    List<String> spdxPurls = new ArrayList<>();
    for (JsonNode p : spdx.path("packages")) {
      String purl = p.path("externalRefs").path(0).path("referenceLocator").asText();
      spdxPurls.add(purl);
      if (purl.startsWith("pkg:apk/")) {
        spdxApks.add(p.path("name").asText() + " " + p.path("versionInfo").asText());
      } else if (purl.startsWith("pkg:maven/") && !purl.startsWith("pkg:maven/dev.apkimg.it/app@")) {
        spdxJarHashes.add(p.path("checksums").path(0).path("checksumValue").asText());
      }
    }
    assertThat(spdx.path("packages").path(0).path("versionInfo").asText()).as("the image described")
        .isEqualTo(manifestDigest);
    assertThat(spdxApks).isEqualTo(installed);
    assertThat(spdxJarHashes).containsExactlyInAnyOrderElementsOf(jars.values());
    assertThat(spdxPurls).contains("pkg:maven/dev.apkimg.it/app@1.0", "pkg:maven/info.picocli/picocli@4.7.7",
        "pkg:maven/dev.apkimg/apkimg-core@" + VERSION);

    JsonNode cdx = JSON.readTree(cdxFile.toFile());
    java.util.TreeSet<String> cdxApks = new java.util.TreeSet<>();
    java.util.Map<String, String> cdxJars = new java.util.TreeMap<>();
    for (JsonNode c : cdx.path("components")) {
      if (c.path("purl").asText().startsWith("pkg:apk/")) {
        cdxApks.add(c.path("name").asText() + " " + c.path("version").asText());
      } else if (c.path("type").asText().equals("library")) {
        String path = null;
        for (JsonNode property : c.path("properties")) {
          if (property.path("name").asText().equals("apkimg:image:path")) {
            path = property.path("value").asText();
          }
        }
        cdxJars.put(path, c.path("hashes").path(0).path("content").asText());
        assertThat(c.path("scope").asText()).isEqualTo("required");
      }
    }
    assertThat(cdxApks).isEqualTo(installed);
    assertThat(cdxJars).isEqualTo(jars);

    // The provenance: the image as its subject, the Maven project, and every material of the image: the
    // installed packages, the index read, the keys, and each jar with the SHA-256 of the jar in the image.
    Path provenanceFile = work.resolve("app/target/apkimg-sbom/x86_64.provenance.json");
    assertThat(dev.apkimg.testing.SbomValidators.provenanceProblems(Files.readAllBytes(provenanceFile))).isEmpty();
    JsonNode statement = JSON.readTree(provenanceFile.toFile());
    assertThat("sha256:" + statement.path("subject").path(0).path("digest").path("sha256").asText())
        .isEqualTo(manifestDigest);
    JsonNode definition = statement.path("predicate").path("buildDefinition");
    assertThat(definition.path("externalParameters").path("application").toString())
        .isEqualTo("{\"project\":\"dev.apkimg.it:app:1.0\",\"packaging\":\"jar\",\"path\":\"/app\"}");
    assertThat(definition.path("externalParameters").path("created").asText()).isEqualTo("2024-02-03T04:05:06Z");
    java.util.TreeSet<String> provenanceApks = new java.util.TreeSet<>();
    java.util.Map<String, String> provenanceJars = new java.util.TreeMap<>();
    List<String> provenanceJarUris = new ArrayList<>();
    int indexes = 0;
    int keys = 0;
    for (JsonNode d : definition.path("resolvedDependencies")) {
      JsonNode a = d.path("annotations");
      if (a.path("kind").asText().equals("maven dependency")) {
        provenanceJars.put(a.path("path").asText(), d.path("digest").path("sha256").asText());
        provenanceJarUris.add(d.path("uri").asText());
      } else if (a.has("apkChecksum")) {
        provenanceApks.add(a.path("name").asText() + " " + a.path("version").asText());
        assertThat(d.path("uri").asText()).endsWith(".apk");
        assertThat(d.path("digest").path("sha256").asText()).hasSize(64);
      } else if (d.path("name").asText().equals("APKINDEX.tar.gz")) {
        indexes++;
      } else if (a.path("kind").asText().equals("apk signing key")) {
        keys++;
      }
    }
    assertThat(provenanceApks).isEqualTo(installed);
    assertThat(provenanceJars).isEqualTo(jars);
    assertThat(provenanceJarUris).containsExactly("pkg:maven/info.picocli/picocli@4.7.7",
        "pkg:maven/dev.apkimg/apkimg-core@" + VERSION);
    assertThat(indexes).as("the fixture mirror's index").isPositive();
    assertThat(keys).as("the keys that verified it").isPositive();
    JsonNode listed = JSON.readTree(work.resolve("app/target/apkimg-image.json").toFile()).path("provenance");
    assertThat(listed).hasSize(1);
    assertThat(listed.path(0).path("file").asText()).endsWith("target/apkimg-sbom/x86_64.provenance.json");
    assertThat(listed.path(0).path("sha256").asText()).isEqualTo(java.util.HexFormat.of().formatHex(
        java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(provenanceFile))));

    // -Dapkimg.sbom=true puts them into the OCI tar too, as referrers of the image: the same bytes as the files.
    Run attached = mvn("app", "apkimg:buildTar", "-Dapkimg.sbom=true", "-Dapkimg.outputPaths.tar=target/sbom.tar",
        "-Dapkimg.outputPaths.imageJson=target/sbom.json", "-Dapkimg.outputPaths.digest=target/sbom.digest",
        "-Dapkimg.sbomDir=target/sbom-files");
    assertThat(attached.exit()).as(attached.output()).isZero();
    java.util.Map<String, byte[]> referrers = new java.util.TreeMap<>();
    try (TarFile oci = new TarFile(work.resolve("app/target/sbom.tar"))) {
      JsonNode manifests = readJson(oci, "index.json").path("manifests");
      assertThat(manifests).hasSize(4);
      assertThat(manifests.path(0).path("digest").asText()).isEqualTo(manifestDigest);
      for (JsonNode m : manifests) {
        if (m.has("artifactType")) {
          JsonNode artifact = readJson(oci, blob(m.path("digest").asText()));
          assertThat(artifact.path("subject").path("digest").asText()).isEqualTo(manifestDigest);
          try (InputStream in = oci.getInputStream(entry(oci, blob(artifact.path("layers").path(0).path("digest").asText())))) {
            referrers.put(m.path("artifactType").asText(), in.readAllBytes());
          }
        }
      }
    }
    assertThat(referrers.get("application/spdx+json")).isEqualTo(Files.readAllBytes(spdxFile))
        .isEqualTo(Files.readAllBytes(work.resolve("app/target/sbom-files/x86_64.spdx.json")));
    assertThat(referrers.get("application/vnd.cyclonedx+json")).isEqualTo(Files.readAllBytes(cdxFile));
    // The same image from a second build: the same provenance, byte for byte.
    assertThat(referrers.get("application/vnd.in-toto+json")).isEqualTo(Files.readAllBytes(provenanceFile))
        .isEqualTo(Files.readAllBytes(work.resolve("app/target/sbom-files/x86_64.provenance.json")));
    assertThat(JSON.readTree(work.resolve("app/target/sbom.json").toFile()).path("sboms")).hasSize(2);
    assertThat(JSON.readTree(work.resolve("app/target/sbom.json").toFile()).path("provenance")).hasSize(1);
  }

  @Test
  @Order(3)
  void theProfilesStopSignalAnnotationsLabelsAndVcsUrlReachThePluginImageAsTheClis() throws Exception {
    Path tar = work.resolve("app/target/apkimg.tar");
    Prerequisites.require(Files.isRegularFile(tar), "the first build");
    JsonNode config = JSON.readTree(skopeo("inspect", "--config", "oci-archive:" + tar)).path("config");
    JsonNode annotations = JSON.readTree(skopeo("inspect", "--raw", "oci-archive:" + tar)).path("annotations");
    assertThat(config.path("StopSignal").asText()).isEqualTo("SIGQUIT");
    assertThat(config.path("Labels").path("org.example.base").asText()).isEqualTo("apk");
    assertThat(config.path("Labels").path("team").asText()).isEqualTo("apkimg");
    assertThat(config.path("Volumes").has("/data")).isTrue();
    assertThat(annotations.path("org.example.owner").asText()).isEqualTo("apkimg-it");
    assertThat(annotations.path("org.opencontainers.image.source").asText()).isEqualTo("https://github.com/example/app");
    assertThat(annotations.path("org.opencontainers.image.revision").asText()).isEqualTo("0123abc");

    // The CLI's image of the same profile says the same.
    Path cliTar = work.resolve("cli.tar");
    Apkimg.create().build(BuildRequest.builder(work.resolve("app/base.yaml"))
        .outputs(Outputs.builder().ociArchive(cliTar).build())
        .repositories(List.of(builds.mirrorUrl() + "v3.20/main"))
        .extraKeys(List.of(fixtures.resolve("keys/apkimg-test.rsa.pub").toString()))
        .cacheDir(work.resolve("apk-cache")).build(), BuildListener.SILENT);
    JsonNode cliConfig = JSON.readTree(skopeo("inspect", "--config", "oci-archive:" + cliTar)).path("config");
    JsonNode cliAnnotations = JSON.readTree(skopeo("inspect", "--raw", "oci-archive:" + cliTar)).path("annotations");
    assertThat(config.path("StopSignal")).isEqualTo(cliConfig.path("StopSignal"));
    assertThat(config.path("Labels").path("org.example.base")).isEqualTo(cliConfig.path("Labels").path("org.example.base"));
    assertThat(config.path("Volumes").path("/data")).isEqualTo(cliConfig.path("Volumes").path("/data"));
    for (String key : List.of("org.example.owner", "org.opencontainers.image.source", "org.opencontainers.image.revision")) {
      assertThat(annotations.path(key)).as(key).isEqualTo(cliAnnotations.path(key));
    }
  }

  @Test
  @Order(4)
  void theApkBaseRunsInAChroot() throws Exception {
    Prerequisites.requireRoot();
    Path tar = work.resolve("app/target/apkimg.tar");
    Path rootfs = Files.createDirectories(work.resolve("rootfs"));
    Path layer = work.resolve("base-layer.tar.gz");
    try (TarFile oci = new TarFile(tar)) {
      String digest = manifest(oci).path("layers").path(0).path("digest").asText();
      try (InputStream in = oci.getInputStream(entry(oci, blob(digest)))) {
        Files.copy(in, layer);
      }
    }
    // GNU tar as root keeps the modes, owners and links that the layer records.
    assertThat(exec(List.of("tar", "-xzf", layer.toString(), "-C", rootfs.toString())).exit()).isZero();
    Run busybox = exec(List.of("chroot", rootfs.toString(), "/bin/busybox", "echo", "ok"));
    assertThat(busybox.output().trim()).isEqualTo("ok");
    Run sh = exec(List.of("chroot", rootfs.toString(), "/bin/sh", "-c", "echo ok"));
    assertThat(sh.output().trim()).isEqualTo("ok");
  }

  @Test
  @Order(5)
  void aRebuildIsIdenticalAndASourceChangeChangesOnlyTheClassesLayer() throws Exception {
    Prerequisites.require(firstLayers != null, "the first build");
    String firstDigest = Files.readString(work.resolve("app/target/apkimg-image.digest"));
    Run same = mvn("app", "package", "apkimg:buildTar");
    assertThat(same.exit()).as(same.output()).isZero();
    assertThat(Files.readString(work.resolve("app/target/apkimg-image.digest"))).isEqualTo(firstDigest);

    Path main = work.resolve("app/src/main/java/it/app/Main.java");
    Files.writeString(main, Files.readString(main).replace("hello from apkimg", "hello again from apkimg"));
    Run changed = mvn("app", "package", "apkimg:buildTar");
    assertThat(changed.exit()).as(changed.output()).isZero();
    List<String> layers = layerDigests(work.resolve("app/target/apkimg.tar"));
    assertThat(layers.subList(0, 4)).isEqualTo(firstLayers.subList(0, 4));
    assertThat(layers.get(4)).isNotEqualTo(firstLayers.get(4));
    assertThat(layers.subList(5, 7)).isEqualTo(firstLayers.subList(5, 7));
    assertThat(Files.readString(work.resolve("app/target/apkimg-image.digest"))).isNotEqualTo(firstDigest);
  }

  @Test
  @Order(6)
  void buildPushesTheSameLayersToARegistry() throws Exception {
    Path registryCommand = Prerequisites.requireCommand("docker-registry");
    Path htpasswd = Prerequisites.requireCommand("htpasswd");
    // The registry wants a login; the credentials come from settings.xml's <server>, as in jib.
    String user = "ci-pusher";
    String password = "s3cret-" + System.nanoTime();
    int port = startRegistry(registryCommand, htpasswd, user, password);
    String registryHost = "127.0.0.1:" + port;
    String image = registryHost + "/it/app";
    Path plainSettings = settings;
    settings = withServer(plainSettings, registryHost, user, "not-" + password);
    Run refused = mvn("app", "package", "apkimg:build", "-Dapkimg.to.image=" + image + ":1.0",
        "-Dapkimg.allowInsecureRegistries=true");
    assertThat(refused.exit()).as(refused.output()).isNotZero();
    assertThat(refused.output()).contains(registryHost).doesNotContain(password);

    settings = withServer(plainSettings, registryHost, user, password);
    Run run;
    try {
      run = mvn("app", "package", "apkimg:build", "-Dapkimg.to.image=" + image + ":1.0",
          "-Dapkimg.to.tags=latest", "-Dapkimg.allowInsecureRegistries=true");
    } finally {
      settings = plainSettings;
    }
    assertThat(run.exit()).as(run.output()).isZero();
    assertThat(run.output()).contains("using the credentials of settings.xml server '" + registryHost + "'")
        .doesNotContain(password);
    String creds = user + ":" + password;

    JsonNode pushMetadata = JSON.readTree(work.resolve("app/target/apkimg-image.json").toFile());
    assertThat(strings(pushMetadata.path("pushed"))).containsExactly(image + ":1.0", image + ":latest");
    String pushedDigest = Files.readString(work.resolve("app/target/apkimg-image.digest")).trim();
    for (String tag : List.of("1.0", "latest")) {
      JsonNode inspect = JSON.readTree(skopeo("inspect", "--tls-verify=false", "--creds", creds,
          "docker://" + image + ":" + tag));
      assertThat(inspect.path("Digest").asText()).isEqualTo(pushedDigest);
    }
    JsonNode config = JSON.readTree(skopeo("inspect", "--tls-verify=false", "--creds", creds, "--config",
        "docker://" + image + ":1.0"));
    assertThat(strings(config.path("config").path("Entrypoint"))).isEqualTo(ENTRYPOINT);
    // build attaches the SBOMs: docker-registry has no referrers API, so they are listed under the tag sha256-HEX.
    JsonNode referrers = JSON.readTree(skopeo("inspect", "--tls-verify=false", "--creds", creds, "--raw",
        "docker://" + image + ":sha256-" + pushedDigest.substring("sha256:".length())));
    assertThat(referrers.path("manifests").findValuesAsText("artifactType"))
        .containsExactlyInAnyOrder("application/spdx+json", "application/vnd.cyclonedx+json",
            "application/vnd.in-toto+json");

    // Same sources as the last buildTar: the registry has the very same layers.
    Run tarAgain = mvn("app", "apkimg:buildTar");
    assertThat(tarAgain.exit()).as(tarAgain.output()).isZero();
    List<String> tarLayers = layerDigests(work.resolve("app/target/apkimg.tar"));
    JsonNode manifest = JSON.readTree(skopeo("inspect", "--tls-verify=false", "--creds", creds, "--raw",
        "docker://" + image + ":1.0"));
    assertThat(manifest.path("layers").findValuesAsText("digest")).isEqualTo(tarLayers);

    // No <auth>, no settings.xml server: docker's config.json (DOCKER_CONFIG), as the CLI reads it.
    Path dockerConfig = Files.createDirectories(work.resolve("docker-config"));
    Files.writeString(dockerConfig.resolve("config.json"), "{\"auths\": {\"" + registryHost + "\": {\"auth\": \""
        + java.util.Base64.getEncoder().encodeToString(creds.getBytes(StandardCharsets.UTF_8)) + "\"}}}");
    environment = java.util.Map.of("DOCKER_CONFIG", dockerConfig.toString());
    Run fromDockerConfig;
    try {
      fromDockerConfig = mvn("app", "apkimg:build", "-Dapkimg.to.image=" + image + ":docker-config",
          "-Dapkimg.allowInsecureRegistries=true");
    } finally {
      environment = java.util.Map.of();
    }
    assertThat(fromDockerConfig.exit()).as(fromDockerConfig.output()).isZero();
    assertThat(fromDockerConfig.output()).doesNotContain("settings.xml server").doesNotContain(password);
    assertThat(JSON.readTree(skopeo("inspect", "--tls-verify=false", "--creds", creds,
        "docker://" + image + ":docker-config")).path("Digest").asText())
        .isEqualTo(Files.readString(work.resolve("app/target/apkimg-image.digest")).trim());

    // A registry on plain HTTP without <allowInsecureRegistries>: the message names the parameter, not a CLI flag.
    settings = withServer(plainSettings, registryHost, user, password);
    Run plain;
    try {
      plain = mvn("app", "apkimg:build", "-Dapkimg.to.image=" + image + ":2.0");
    } finally {
      settings = plainSettings;
    }
    assertFailsWith(plain, "<allowInsecureRegistries>");
    assertThat(plain.output()).doesNotContain("--allow-insecure-registry");
  }

  @Test
  @Order(7)
  void misconfigurationFailsWithOneClearMessage() throws Exception {
    // Sources, but not compiled yet (a project without sources, like apkimg-image, needs no classes folder).
    assertFailsWith(mvn("no-main", "apkimg:buildTar"),
        work.resolve("no-main/target/classes") + " does not exist: compile the project first");
    assertFailsWith(mvn("no-main", "package", "apkimg:buildTar"),
        "no main class: set <container><mainClass> (or -Dapkimg.container.mainClass)");
    assertFailsWith(mvn("app", "apkimg:buildTar", "-Dapkimg.profile=missing.yaml"),
        "profile " + work.resolve("app/missing.yaml") + " does not exist");
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    assertFailsWith(mvn("app", "apkimg:buildTar", "-Dapkimg.repositories=http://127.0.0.1:" + closed + "/v3.20/main"),
        "is the mirror reachable?");
    assertFailsWith(mvn("app", "-o", "apkimg:buildTar"), "Maven is offline (-o) but the base image needs repository http://");
    assertFailsWith(mvn("app", "apkimg:buildTar", "-Dapkimg.container.creationTime=yesterday"),
        "<container><creationTime> is 'yesterday': use EPOCH, USE_CURRENT_TIMESTAMP or an ISO-8601 time");
    assertFailsWith(mvn("app", "apkimg:buildTar", "-Dapkimg.extraDirectories.permissions=/opt/tools/run.sh=rwx"),
        "mode 'rwx' of /opt/tools/run.sh is not three octal digits");
    assertFailsWith(mvn("app", "apkimg:buildTar", "-Dapkimg.sbom=true", "-Dapkimg.container.format=Docker"),
        "a Docker-format tar (<container><format>Docker) has no place for them");
  }

  @Test
  @Order(8)
  void archsGiveOneImageIndexWithTheAppOnEveryPlatform() throws Exception {
    TestRepository repo = new TestRepository(TestKeys.primary());
    for (String arch : List.of("x86_64", "armv7")) {
      repo.add(TestPackage.builder("hello", "1.0-r0").arch(arch).builddate(1_700_000_000L)
          .dir("usr").dir("usr/bin").file("usr/bin/hello", ("hello on " + arch + "\n").getBytes(StandardCharsets.UTF_8), 0755)
          .build());
    }
    repo.write(work.resolve("multi-mirror/main"));
    Path key = TestKeys.primary().writePublicKey(work.resolve("multi-keys"));
    Path profile = work.resolve("app/multi.yaml");
    Files.writeString(profile, "contents:\n  packages: [hello]\nstop-signal: SIGQUIT\n");
    Run run = mvn("app", "apkimg:buildTar", "-Dapkimg.profile=multi.yaml", "-Dapkimg.archs=x86_64,armv7",
        "-Dapkimg.repositories=" + work.resolve("multi-mirror/main"), "-Dapkimg.keyring=" + key,
        "-Dapkimg.outputPaths.tar=target/multi.tar", "-Dapkimg.outputPaths.imageJson=target/multi.json");
    assertThat(run.exit()).as(run.output()).isZero();

    Path tar = work.resolve("app/target/multi.tar");
    JsonNode index;
    List<JsonNode> manifests = new ArrayList<>();
    try (TarFile oci = new TarFile(tar)) {
      index = readJson(oci, blob(readJson(oci, "index.json").path("manifests").path(0).path("digest").asText()));
      for (JsonNode m : index.path("manifests")) {
        manifests.add(readJson(oci, blob(m.path("digest").asText())));
      }
    }
    assertThat(index.path("mediaType").asText()).isEqualTo("application/vnd.oci.image.index.v1+json");
    assertThat(index.path("manifests").findValuesAsText("architecture")).containsExactly("amd64", "arm");
    assertThat(index.path("manifests").path(1).path("platform").path("variant").asText()).isEqualTo("v7");
    assertThat(index.path("annotations").path("org.opencontainers.image.created").isMissingNode()).isFalse();
    // The application's layers are the same bytes on both platforms; only the base differs.
    List<String> amd64 = manifests.get(0).path("layers").findValuesAsText("digest");
    List<String> arm = manifests.get(1).path("layers").findValuesAsText("digest");
    assertThat(amd64).hasSize(7);
    assertThat(arm.subList(1, 7)).isEqualTo(amd64.subList(1, 7));
    assertThat(arm.get(0)).isNotEqualTo(amd64.get(0));

    JsonNode metadata = JSON.readTree(work.resolve("app/target/multi.json").toFile());
    assertThat(metadata.path("mediaType").asText()).isEqualTo("application/vnd.oci.image.index.v1+json");
    assertThat(metadata.path("images").findValuesAsText("platform")).containsExactly("linux/amd64", "linux/arm/v7");
  }

  @Test
  @Order(9)
  void packagesWithoutAProfileBuildFromAProfileInMemory() throws Exception {
    Run run = mvn("app", "package", "apkimg:buildTar", "-Dapkimg.profile=", "-Dapkimg.packages=busybox",
        "-Dapkimg.outputPaths.tar=target/inline.tar", "-Dapkimg.outputPaths.digest=target/inline.digest");
    assertThat(run.exit()).as(run.output()).isZero();
    Path tar = work.resolve("app/target/inline.tar");
    assertThat(layerContents(tar).get(0)).contains("bin/busybox");
    // The inline packages, not base.yaml's (which adds alpine-baselayout).
    JsonNode metadata = JSON.readTree(work.resolve("app/target/apkimg-image.json").toFile());
    assertThat(metadata.path("images").path(0).path("packages").findValuesAsText("name"))
        .contains("busybox", "musl").doesNotContain("alpine-baselayout");
    assertThat(Files.readString(work.resolve("app/target/inline.digest")).trim()).isEqualTo(indexDigest(tar));
    try (Stream<Path> files = Files.list(work.resolve("app/target"))) {
      assertThat(files.map(f -> f.getFileName().toString())).as("no profile file written").noneMatch(n -> n.endsWith(".yaml"));
    }
  }

  @Test
  @Order(10)
  void layeringPackagesPutsEachPackageInALayerByItsDatahashUnderTheSameAppLayers() throws Exception {
    // The same project twice: as it is (one base layer), and with <layering>packages</layering> in its pom.
    Path layeredProject = work.resolve("app-layered");
    try (Stream<Path> files = Files.walk(work.resolve("app"))) {
      for (Path source : files.sorted().collect(Collectors.toList())) {
        Path relative = work.resolve("app").relativize(source);
        if (relative.startsWith("target")) {
          continue;
        }
        Path target = layeredProject.resolve(relative.toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target);
        }
      }
    }
    Path pom = layeredProject.resolve("pom.xml");
    String withLayering = Files.readString(pom).replace("<profile>base.yaml</profile>",
        "<profile>base.yaml</profile>\n          <layering>packages</layering>");
    assertThat(withLayering).as("the sample pom names its profile").contains("<layering>packages</layering>");
    Files.writeString(pom, withLayering);

    Run single = mvn("app", "package", "apkimg:buildTar");
    assertThat(single.exit()).as(single.output()).isZero();
    Run layered = mvn("app-layered", "package", "apkimg:buildTar");
    assertThat(layered.exit()).as(layered.output()).isZero();
    Path singleTar = work.resolve("app/target/apkimg.tar");
    Path layeredTar = layeredProject.resolve("target/apkimg.tar");

    // The installed packages' datahashes, read from the fixture mirror's signed .apk files.
    JsonNode metadata = JSON.readTree(layeredProject.resolve("target/apkimg-image.json").toFile());
    List<String> datahashes = new ArrayList<>();
    for (JsonNode p : metadata.path("images").path(0).path("packages")) {
      Path apk = fixtures.resolve("mirror/v3.20/main/x86_64/" + p.path("name").asText() + "-"
          + p.path("version").asText() + ".apk");
      try (InputStream in = Files.newInputStream(apk)) {
        datahashes.add("sha256:" + dev.apkimg.apk.ApkPackageReader.read(in, name -> java.util.Optional.empty(),
            apk.toString(), (e, c) -> { }).dataHash());
      }
    }
    assertThat(datahashes).as("packages of the base").hasSizeGreaterThan(2);
    List<String> singleLayers = layerDigests(singleTar);
    List<String> layers = layerDigests(layeredTar);
    int packages = datahashes.size();
    int appLayers = singleLayers.size() - 1;
    // Bottom up: one layer per package, its digest the package's datahash; the top layer of the
    // base (what apk and the profile write); then the application's layers, the single build's.
    assertThat(layers).hasSize(packages + 1 + appLayers);
    assertThat(layers.subList(0, packages)).containsExactlyInAnyOrderElementsOf(datahashes);
    assertThat(layers.get(packages)).isNotIn(datahashes).isNotEqualTo(singleLayers.get(0));
    assertThat(layers.subList(packages + 1, layers.size())).isEqualTo(singleLayers.subList(1, singleLayers.size()));
    assertThat(layerContents(layeredTar).get(layers.size() - 1)).contains("opt/tools/run.sh");

    // Unpacked, the two images are the same tree: base and application.
    Prerequisites.requireRoot(); // umoci keeps owners only as root
    java.util.Map<String, String> a = unpackedTree(singleTar, "single");
    java.util.Map<String, String> b = unpackedTree(layeredTar, "layered");
    java.util.TreeSet<String> paths = new java.util.TreeSet<>(a.keySet());
    paths.addAll(b.keySet());
    List<String> differences = paths.stream().filter(p -> !java.util.Objects.equals(a.get(p), b.get(p)))
        .map(p -> p + ": single=" + a.get(p) + " layered=" + b.get(p)).collect(Collectors.toList());
    assertThat(differences).as("paths whose unpacked state differs (type mode uid:gid link size sha256)").isEmpty();
  }

  /**
   * {@code umoci unpack} of the OCI tar, then each path of its rootfs (GNU tar's walk, sorted by
   * name, numeric owners) as "type mode uid:gid link size sha256"; hardlinks name their first path.
   * Times are left out: umoci sets a folder's time when it extracts into it.
   */
  private java.util.Map<String, String> unpackedTree(Path tar, String name) throws Exception {
    Prerequisites.requireCommand("umoci");
    Path dir = Files.createDirectories(work.resolve("unpacked-" + name));
    skopeo("copy", "-q", "oci-archive:" + tar, "oci:" + dir.resolve("oci") + ":latest");
    Run unpack = exec(List.of(Prerequisites.requireCommand("umoci").toString(), "unpack", "--image",
        dir.resolve("oci") + ":latest", dir.resolve("bundle").toString()));
    assertThat(unpack.exit()).as(unpack.output()).isZero();
    Path archive = dir.resolve("rootfs.tar");
    Run archived = exec(List.of("tar", "--numeric-owner", "--sort=name", "--format=posix", "-C",
        dir.resolve("bundle/rootfs").toString(), "-cf", archive.toString(), "."));
    assertThat(archived.exit()).as(archived.output()).isZero();
    java.util.Map<String, String> tree = new java.util.TreeMap<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(archive))) {
      java.security.MessageDigest sha256 = java.security.MessageDigest.getInstance("SHA-256");
      for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
        String hash = e.isFile() && !e.isLink() ? java.util.HexFormat.of().formatHex(sha256.digest(in.readAllBytes())) : "-";
        tree.put(e.getName(), (e.isDirectory() ? "dir" : e.isSymbolicLink() ? "symlink" : e.isLink() ? "hardlink"
            : e.isFile() ? "file" : "special") + String.format(" %04o %d:%d ", e.getMode() & 07777, e.getLongUserId(),
            e.getLongGroupId()) + e.getLinkName() + " " + e.getSize() + " " + hash
            + (e.isCharacterDevice() || e.isBlockDevice() ? " dev " + e.getDevMajor() + ":" + e.getDevMinor() : ""));
      }
    }
    assertThat(tree).as("unpacked " + name).containsKeys("./bin/busybox", "./app/classes/it/app/Main.class");
    return tree;
  }

  private void assertFailsWith(Run run, String message) {
    assertThat(run.exit()).as(run.output()).isNotZero();
    List<String> errors = run.output().lines().filter(l -> l.startsWith("[ERROR] Failed to execute goal"))
        .collect(Collectors.toList());
    assertThat(errors).as(run.output()).hasSize(1);
    assertThat(errors.get(0)).contains(message);
    assertThat(run.output()).as("no stack trace").doesNotContain("\tat ", "    at ");
  }

  private Run mvn(String project, String... args) throws IOException, InterruptedException {
    return builds.mvn(settings, environment, project, args);
  }

  private Run exec(List<String> command) throws IOException, InterruptedException {
    return SampleBuilds.exec(command, 60);
  }

  private String skopeo(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Prerequisites.requireCommand("skopeo").toString());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
    Run run = SampleBuilds.run(pb, 60);
    assertThat(run.exit()).as(String.join(" ", command) + "\n" + run.output()).isZero();
    return run.output();
  }

  /** settings.xml as {@code base}, plus a {@code <server>} whose id is the registry host. */
  private Path withServer(Path base, String id, String user, String password) throws IOException {
    Path out = work.resolve("settings-" + System.nanoTime() + ".xml");
    Files.writeString(out, Files.readString(base).replace("</settings>", """
          <servers>
            <server><id>%s</id><username>%s</username><password>%s</password></server>
          </servers>
        </settings>""".formatted(id, user, password)));
    return out;
  }

  private int startRegistry(Path command, Path htpasswd, String user, String password) throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Path dir = Files.createDirectories(work.resolve("registry"));
    Run hash = exec(List.of(htpasswd.toString(), "-Bbn", user, password));
    assertThat(hash.exit()).as(hash.output()).isZero();
    Path users = dir.resolve("htpasswd");
    Files.writeString(users, hash.output());
    Path config = dir.resolve("config.yml");
    Files.writeString(config, """
        version: 0.1
        log:
          level: warn
        storage:
          filesystem:
            rootdirectory: %s
        http:
          addr: 127.0.0.1:%d
        auth:
          htpasswd:
            realm: apkimg-it
            path: %s
        """.formatted(dir.resolve("data"), port, users));
    registry = new ProcessBuilder(command.toString(), "serve", config.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    URI v2 = URI.create("http://127.0.0.1:" + port + "/v2/");
    for (int i = 0; i < 100; i++) {
      try {
        int status = http.send(HttpRequest.newBuilder(v2).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status == 200 || status == 401) { // 401: up, and asking for the login
          return port;
        }
      } catch (IOException e) {
        // not listening yet
      }
      if (!registry.isAlive()) {
        break;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("docker-registry did not start: " + Files.readString(dir.resolve("registry.log")));
  }

  /** Entry names of every layer of the OCI tar, in manifest order. */
  private static List<List<String>> layerContents(Path tar) throws IOException {
    List<List<String>> layers = new ArrayList<>();
    try (TarFile oci = new TarFile(tar)) {
      for (JsonNode layer : manifest(oci).path("layers")) {
        List<String> names = new ArrayList<>();
        try (InputStream blob = oci.getInputStream(entry(oci, blob(layer.path("digest").asText())));
            TarArchiveInputStream in = new TarArchiveInputStream(new GzipCompressorInputStream(blob))) {
          for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
            names.add(e.getName().replaceFirst("^\\./", "").replaceFirst("^/", "") + (e.isDirectory() ? "/" : ""));
          }
        }
        layers.add(names);
      }
    }
    return layers;
  }

  private static List<String> layerDigests(Path tar) throws IOException {
    try (TarFile oci = new TarFile(tar)) {
      return manifest(oci).path("layers").findValuesAsText("digest");
    }
  }

  /** Mode of each file of one layer of the OCI tar. */
  private static java.util.Map<String, Integer> modes(Path tar, int layerIndex) throws IOException {
    java.util.Map<String, Integer> modes = new java.util.TreeMap<>();
    try (TarFile oci = new TarFile(tar)) {
      JsonNode layer = manifest(oci).path("layers").path(layerIndex);
      try (InputStream blob = oci.getInputStream(entry(oci, blob(layer.path("digest").asText())));
          TarArchiveInputStream in = new TarArchiveInputStream(new GzipCompressorInputStream(blob))) {
        for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
          if (e.isFile()) {
            modes.put(e.getName().replaceFirst("^\\./", "").replaceFirst("^/", ""), e.getMode() & 07777);
          }
        }
      }
    }
    return modes;
  }

  private static List<String> files(List<String> entries) {
    return entries.stream().filter(e -> !e.endsWith("/")).collect(Collectors.toList());
  }

  private static String indexDigest(Path tar) throws IOException {
    try (TarFile oci = new TarFile(tar)) {
      return readJson(oci, "index.json").path("manifests").path(0).path("digest").asText();
    }
  }

  private static JsonNode manifest(TarFile oci) throws IOException {
    return readJson(oci, blob(readJson(oci, "index.json").path("manifests").path(0).path("digest").asText()));
  }

  private static JsonNode readJson(TarFile oci, String name) throws IOException {
    try (InputStream in = oci.getInputStream(entry(oci, name))) {
      return JSON.readTree(in);
    }
  }

  private static TarArchiveEntry entry(TarFile oci, String name) {
    return oci.getEntries().stream().filter(e -> e.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " in the OCI tar"));
  }

  private static String blob(String digest) {
    return "blobs/sha256/" + digest.substring("sha256:".length());
  }

  private static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(v -> values.add(v.asText()));
    return values;
  }
}
