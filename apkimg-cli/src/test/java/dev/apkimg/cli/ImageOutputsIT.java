package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.Prerequisites;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #5 end to end: the apkimg jar, run as a process, builds a three-arch image from packages
 * made here, writes OCI and Docker archives, and pushes to a real registry (Debian's
 * docker-registry with htpasswd auth on 127.0.0.1) with credentials from a docker config.json, a
 * credential helper, podman's auth file and --registry-username; skopeo reads every result.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageOutputsIT {
  static final String USER = "alice";
  static final String PASSWORD = "s3cret-Pa55";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;

  private LoopbackHttpServer mirror;
  private Process registryProcess;
  private String registry;
  private Path profile;
  private Path keyFile;
  private Path jar;
  private Path home;

  @BeforeAll
  void setUp() throws Exception {
    jar = Path.of("target/apkimg.jar").toAbsolutePath();
    Prerequisites.require(Files.isRegularFile(jar), jar + " (run mvn package first)");
    Path registryBin = Prerequisites.requireCommand("docker-registry");
    Path htpasswd = Prerequisites.requireCommand("htpasswd");
    Prerequisites.requireCommand("skopeo");

    keyFile = TestKeys.primary().writePublicKey(tmp.resolve("keys"));
    TestRepository repo = new TestRepository(TestKeys.primary());
    for (String arch : List.of("x86_64", "aarch64", "armv7")) {
      repo.add(TestPackage.builder("libhello", "1.0-r0").arch(arch).builddate(1_700_000_000L)
          .dir("usr").dir("usr/lib").file("usr/lib/libhello.so.1", ("libhello for " + arch + "\n").getBytes(StandardCharsets.UTF_8), 0755)
          .provides("so:libhello.so.1=1").build());
      repo.add(TestPackage.builder("hello", "2.1-r3").arch(arch).builddate(1_700_000_500L)
          .depends("so:libhello.so.1")
          .dir("usr").dir("usr/bin").file("usr/bin/hello", ("#!/bin/sh\necho hello from " + arch + "\n").getBytes(StandardCharsets.UTF_8), 0755)
          .build());
    }
    repo.write(tmp.resolve("mirror/main"));
    mirror = LoopbackHttpServer.serve(tmp.resolve("mirror"));
    profile = tmp.resolve("hello.yaml");
    Files.writeString(profile, """
        contents:
          repositories: [%smain]
          keyring: [%s]
          packages: [hello]
        archs: [x86_64, arm64, arm/v7]
        entrypoint:
          command: /usr/bin/hello
        cmd: --loud
        environment:
          GREETING: hi
        work-dir: /srv
        annotations:
          org.example.team: images
        labels:
          org.example.tier: base
        volumes: [/data]
        ports: [8080/tcp, 53/udp]
        stop-signal: SIGQUIT
        vcs-url: https://github.com/example/images@0123abcd
        """.formatted(mirror.url(), keyFile));

    // The registry: htpasswd (bcrypt) auth, plain HTTP on 127.0.0.1, storage in the temp dir.
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    registry = "127.0.0.1:" + port;
    Path auth = tmp.resolve("registry/htpasswd");
    Files.createDirectories(auth.getParent());
    Processes.Output hash = Processes.exec(tmp, htpasswd.toString(), "-Bbn", USER, PASSWORD).assertSuccess();
    Files.writeString(auth, hash.out());
    Path config = tmp.resolve("registry/config.yml");
    Files.writeString(config, """
        version: 0.1
        log:
          level: warn
        storage:
          filesystem:
            rootdirectory: %s
        http:
          addr: %s
        auth:
          htpasswd:
            realm: apkimg-test
            path: %s
        """.formatted(tmp.resolve("registry/storage"), registry, auth));
    registryProcess = new ProcessBuilder(registryBin.toString(), "serve", config.toString())
        .redirectErrorStream(true).redirectOutput(tmp.resolve("registry/log.txt").toFile()).start();
    waitForRegistry();
    home = Files.createDirectories(tmp.resolve("home"));
  }

  @AfterAll
  void tearDown() throws InterruptedException {
    if (registryProcess != null) {
      registryProcess.destroy();
      registryProcess.waitFor(10, TimeUnit.SECONDS);
    }
    if (mirror != null) {
      mirror.close();
    }
  }

  @Test
  void multiArchOciArchiveHoldsAnIndexOfEveryPlatformAndBuildsTwiceTheSame() throws Exception {
    Path archive = tmp.resolve("out/hello.tar");
    Path metadata = tmp.resolve("out/metadata.json");
    Path digestFile = tmp.resolve("out/digest");
    long start = System.nanoTime();
    Run r = apkimg(Map.of(), null, "build", profile.toString(), "-o", archive.toString(), "--tag", "example/hello:2.1",
        "--metadata-file", metadata.toString(), "--digest-file", digestFile.toString(), "--cache-dir", cache("a"));
    System.out.printf("ImageOutputsIT: 3-arch build to an OCI archive took %d ms (new JVM)%n", ms(start));
    r.assertSuccess();
    String digest = r.out.strip();
    assertThat(Files.readString(digestFile)).isEqualTo(digest + "\n");

    JsonNode meta = JSON.readTree(metadata.toFile());
    assertThat(meta.path("digest").asText()).isEqualTo(digest);
    assertThat(meta.path("mediaType").asText()).isEqualTo("application/vnd.oci.image.index.v1+json");
    assertThat(meta.path("tag").asText()).isEqualTo("example/hello:2.1");
    assertThat(meta.path("images")).hasSize(3);
    assertThat(meta.path("images").findValuesAsText("platform"))
        .containsExactly("linux/amd64", "linux/arm64", "linux/arm/v7");
    for (JsonNode image : meta.path("images")) {
      assertThat(image.path("packages").findValuesAsText("name")).containsExactlyInAnyOrder("libhello", "hello");
      assertThat(image.path("packages").findValuesAsText("version")).containsExactlyInAnyOrder("1.0-r0", "2.1-r3");
      assertThat(image.path("compressedSize").asLong()).isPositive();
      assertThat(image.path("uncompressedSize").asLong()).isPositive();
    }

    // The archive: index.json -> index blob -> one manifest per platform, layers as we wrote them.
    Map<String, byte[]> entries = readTar(archive);
    JsonNode top = JSON.readTree(entries.get("index.json"));
    assertThat(top.path("manifests")).hasSize(1);
    assertThat(top.path("manifests").get(0).path("digest").asText()).isEqualTo(digest);
    assertThat(top.path("manifests").get(0).path("annotations").path("org.opencontainers.image.ref.name").asText())
        .isEqualTo("example/hello:2.1");
    JsonNode index = JSON.readTree(blob(entries, digest));
    assertPlatforms(index);
    assertThat(index.path("annotations").path("org.opencontainers.image.source").asText())
        .isEqualTo("https://github.com/example/images");
    assertThat(index.path("annotations").path("org.opencontainers.image.revision").asText()).isEqualTo("0123abcd");
    assertThat(index.path("annotations").path("org.opencontainers.image.created").asText()).isEqualTo("2023-11-14T22:21:40Z");
    for (JsonNode image : meta.path("images")) {
      JsonNode manifest = JSON.readTree(blob(entries, image.path("manifestDigest").asText()));
      assertThat(manifest.path("annotations").path("org.example.team").asText()).isEqualTo("images");
      assertThat(manifest.path("layers")).hasSize(1);
      String layer = image.path("layerDigest").asText();
      assertThat(manifest.path("layers").get(0).path("digest").asText()).isEqualTo(layer);
      assertThat(sha256(blob(entries, layer))).as("layer blob bytes").isEqualTo(layer);
      JsonNode config = JSON.readTree(blob(entries, manifest.path("config").path("digest").asText()));
      assertThat(config.path("config").path("StopSignal").asText()).isEqualTo("SIGQUIT");
    }

    Processes.Output inspect = Processes.exec(tmp, "skopeo", "inspect", "--raw", "oci-archive:" + archive).assertSuccess();
    assertPlatforms(JSON.readTree(inspect.out()));
    Path layout = tmp.resolve("copied-layout");
    Processes.exec(tmp, "skopeo", "copy", "--all", "oci-archive:" + archive, "oci:" + layout + ":hello").assertSuccess();
    JsonNode copiedTop = JSON.readTree(layout.resolve("index.json").toFile());
    JsonNode copiedIndex = JSON.readTree(layout.resolve("blobs/sha256/"
        + copiedTop.path("manifests").get(0).path("digest").asText().substring(7)).toFile());
    assertPlatforms(copiedIndex);
    assertThat(copiedTop.path("manifests").get(0).path("digest").asText()).isEqualTo(digest);

    Path again = tmp.resolve("again/hello.tar");
    Run second = apkimg(Map.of(), null, "build", profile.toString(), "-o", again.toString(), "--tag", "example/hello:2.1",
        "--cache-dir", cache("b"), "-q");
    second.assertSuccess();
    assertThat(second.out.strip()).isEqualTo(digest);
    assertThat(Files.mismatch(archive, again)).as("first differing byte").isEqualTo(-1L);
  }

  @Test
  void dockerArchiveIsReadBySkopeoAndHoldsTheSameLayer() throws Exception {
    Path oci = tmp.resolve("x86.tar");
    Path docker = tmp.resolve("x86-docker.tar");
    Path meta = tmp.resolve("x86.json");
    apkimg(Map.of(), null, "build", profile.toString(), "--arch", "x86_64", "-o", oci.toString(),
        "--metadata-file", meta.toString(), "--cache-dir", cache("c"), "-q").assertSuccess();
    apkimg(Map.of(), null, "build", profile.toString(), "--arch", "amd64", "--format", "docker", "-o", docker.toString(),
        "--tag", "example/hello:docker", "--cache-dir", cache("c"), "-q").assertSuccess();
    JsonNode inspect = JSON.readTree(Processes.exec(tmp, "skopeo", "inspect", "docker-archive:" + docker).assertSuccess().out());
    JsonNode built = JSON.readTree(meta.toFile()).path("images").get(0);
    String layer = built.path("layerDigest").asText();
    // docker-archive: names layers by diff id; the gzipped bytes in the tar are ours.
    assertThat(inspect.path("Layers").get(0).asText()).isEqualTo(built.path("layerDiffId").asText());
    assertThat(sha256(readTar(docker).get(layer.substring(7) + ".tar.gz"))).isEqualTo(layer);
    assertThat(inspect.path("Architecture").asText()).isEqualTo("amd64");
    assertThat(JSON.readTree(readTar(docker).get("manifest.json")).get(0).path("RepoTags").toString())
        .isEqualTo("[\"example/hello:docker\"]");
    JsonNode config = JSON.readTree(Processes.exec(tmp, "skopeo", "inspect", "--config", "docker-archive:" + docker)
        .assertSuccess().out());
    assertConfig(config, "amd64", null);
    JsonNode ociInspect = JSON.readTree(Processes.exec(tmp, "skopeo", "inspect", "oci-archive:" + oci).assertSuccess().out());
    assertThat(ociInspect.path("Layers").get(0).asText()).isEqualTo(layer);

    Run multi = apkimg(Map.of(), null, "build", profile.toString(), "--format", "docker", "-o", tmp.resolve("m.tar").toString(),
        "--cache-dir", cache("c"), "-q");
    assertThat(multi.code).isEqualTo(1);
    assertThat(multi.err).contains("holds one platform").contains("--arch");
    assertThat(tmp.resolve("m.tar")).doesNotExist();
  }

  @Test
  void pushWithDockerConfigAuthsGivesAnIndexAndEveryConfiguredField() throws Exception {
    Path dockerConfig = Files.createDirectories(tmp.resolve("docker-auths"));
    Files.writeString(dockerConfig.resolve("config.json"), """
        {"auths": {"%s": {"auth": "%s"}}}
        """.formatted(registry, Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8))));
    String ref = registry + "/test/hello:auths";
    Path metadata = tmp.resolve("push-meta.json");
    long start = System.nanoTime();
    Run r = apkimg(Map.of("DOCKER_CONFIG", dockerConfig.toString()), null, "build", profile.toString(),
        "--push", ref, "--push", registry + "/test/hello:second", "--allow-insecure-registry",
        "--metadata-file", metadata.toString(), "--cache-dir", cache("d"));
    System.out.printf("ImageOutputsIT: 3-arch build and push to two tags took %d ms (new JVM)%n", ms(start));
    r.assertSuccess();
    assertThat(r.err).doesNotContain(PASSWORD);
    String digest = r.out.strip();
    JsonNode meta = JSON.readTree(metadata.toFile());
    assertThat(meta.path("pushed").toString()).contains(ref, registry + "/test/hello:second");

    JsonNode raw = JSON.readTree(skopeo("inspect", "--raw", "docker://" + ref).out());
    assertPlatforms(raw);
    assertThat(sha256(skopeo("inspect", "--raw", "docker://" + ref).out().getBytes(StandardCharsets.UTF_8))).isEqualTo(digest);
    assertThat(JSON.readTree(skopeo("inspect", "docker://" + registry + "/test/hello:second").out()).path("Digest").asText())
        .isNotEmpty();
    assertConfig(JSON.readTree(skopeo("inspect", "--config", "docker://" + ref).out()), "amd64", null);
    assertConfig(JSON.readTree(skopeo("inspect", "--override-arch", "arm", "--override-variant", "v7", "--config",
        "docker://" + ref).out()), "arm", "v7");
    for (JsonNode image : meta.path("images")) {
      String layer = image.path("layerDigest").asText();
      Path blob = tmp.resolve("pulled-" + layer.substring(7, 19));
      skopeo("copy", "--override-arch", image.path("platform").asText().split("/")[1],
          "docker://" + ref, "dir:" + blob);
      assertThat(sha256(Files.readAllBytes(blob.resolve(layer.substring(7))))).isEqualTo(layer);
    }

    // Pushing the same build again changes nothing.
    Run again = apkimg(Map.of("DOCKER_CONFIG", dockerConfig.toString()), null, "build", profile.toString(),
        "--push", ref, "--allow-insecure-registry", "--cache-dir", cache("e"), "-q");
    again.assertSuccess();
    assertThat(again.out.strip()).isEqualTo(digest);
  }

  @Test
  void pushWithACredentialHelper() throws Exception {
    Path bin = Files.createDirectories(tmp.resolve("helper-bin"));
    Path helper = bin.resolve("docker-credential-apkimgtest");
    Files.writeString(helper, """
        #!/bin/sh
        [ "$1" = get ] || exit 1
        read server
        printf '{"ServerURL":"%%s","Username":"%s","Secret":"%s"}\\n' "$server"
        """.formatted(USER, PASSWORD));
    Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path dockerConfig = Files.createDirectories(tmp.resolve("docker-helper"));
    Files.writeString(dockerConfig.resolve("config.json"), """
        {"credHelpers": {"%s": "apkimgtest"}}
        """.formatted(registry));
    String ref = registry + "/test/hello:helper";
    Run r = apkimg(Map.of("DOCKER_CONFIG", dockerConfig.toString(), "PATH", bin + ":" + System.getenv("PATH")), null,
        "build", profile.toString(), "--push", ref, "--allow-insecure-registry", "--cache-dir", cache("f"));
    r.assertSuccess();
    assertPlatforms(JSON.readTree(skopeo("inspect", "--raw", "docker://" + ref).out()));
  }

  @Test
  void pushWithUsernameAndPasswordFromStdinEnvironmentOrPodmanAuthFile() throws Exception {
    String ref = registry + "/test/hello:stdin";
    apkimg(Map.of(), PASSWORD + "\n", "build", profile.toString(), "--push", ref, "--allow-insecure-registry",
        "--registry-username", USER, "--password-stdin", "--cache-dir", cache("g")).assertSuccess();
    assertPlatforms(JSON.readTree(skopeo("inspect", "--raw", "docker://" + ref).out()));

    String envRef = registry + "/test/hello:env";
    apkimg(Map.of("APKIMG_REGISTRY_PASSWORD", PASSWORD), null, "build", profile.toString(), "--push", envRef,
        "--allow-insecure-registry", "--registry-username", USER, "--cache-dir", cache("g"), "-q").assertSuccess();
    assertPlatforms(JSON.readTree(skopeo("inspect", "--raw", "docker://" + envRef).out()));

    Path authFile = tmp.resolve("podman/auth.json");
    Files.createDirectories(authFile.getParent());
    Files.writeString(authFile, """
        {"auths": {"%s": {"auth": "%s"}}}
        """.formatted(registry, Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8))));
    String podmanRef = registry + "/test/hello:podman";
    apkimg(Map.of("REGISTRY_AUTH_FILE", authFile.toString()), null, "build", profile.toString(), "--push", podmanRef,
        "--allow-insecure-registry", "--cache-dir", cache("g"), "-q").assertSuccess();
    assertPlatforms(JSON.readTree(skopeo("inspect", "--raw", "docker://" + podmanRef).out()));
  }

  @Test
  void wrongPasswordIsOneLineNamingTheRegistryWithoutThePassword() throws Exception {
    String wrong = "not-the-Pa55word";
    Path archive = tmp.resolve("wrong/hello.tar");
    Path metadata = tmp.resolve("wrong/metadata.json");
    Run r = apkimg(Map.of(), wrong + "\n", "build", profile.toString(), "--push", registry + "/test/hello:wrong",
        "--allow-insecure-registry", "--registry-username", USER, "--password-stdin", "--cache-dir", cache("h"), "-q",
        "-o", archive.toString(), "--metadata-file", metadata.toString());
    assertThat(r.code).isEqualTo(1);
    assertThat(r.err.lines()).hasSize(1);
    // All or nothing: the archive, written before the push, is not left behind (issue #9).
    try (var left = Files.list(archive.getParent())) {
      assertThat(left.toList()).as("files left after a failed push").isEmpty();
    }
    assertThat(r.err).contains(registry).contains("user '" + USER + "'").doesNotContain(wrong).doesNotContain(PASSWORD);
    assertThat(r.out).isEmpty();

    Run none = apkimg(Map.of(), null, "build", profile.toString(), "--push", registry + "/test/hello:none",
        "--allow-insecure-registry", "--cache-dir", cache("h"), "-q");
    assertThat(none.code).isEqualTo(1);
    assertThat(none.err.lines()).hasSize(1);
    assertThat(none.err).contains(registry).contains("without credentials");
  }

  @Test
  void daemonWithoutDockerIsAClearError() throws Exception {
    // A daemon socket that is not there, whether or not a daemon runs on this machine (CI starts one).
    Path noSocket = tmp.resolve("no-docker.sock");
    Run r = apkimg(Map.of("DOCKER_HOST", "unix://" + noSocket, "DOCKER_CONTEXT", "default"), null, "build", profile.toString(), "--arch", "x86_64", "--daemon", "--cache-dir", cache("i"), "-q");
    assertThat(r.code).isEqualTo(1);
    assertThat(r.err.lines()).hasSize(1);
    assertThat(r.err).startsWith("apkimg: error: cannot load the image into Docker: ");
  }

  @Test
  void archsThatResolveToDifferentVersionsFailNamingThePackage() throws Exception {
    TestRepository repo = new TestRepository(TestKeys.primary());
    repo.add(TestPackage.builder("tool", "1.0-r0").arch("x86_64").dir("etc").file("etc/tool", "1\n").build());
    repo.add(TestPackage.builder("tool", "1.1-r0").arch("aarch64").dir("etc").file("etc/tool", "2\n").build());
    repo.write(tmp.resolve("mirror/skewed"));
    Path skewed = tmp.resolve("skewed.yaml");
    Files.writeString(skewed, """
        contents:
          repositories: [%sskewed]
          keyring: [%s]
          packages: [tool]
        archs: [x86_64, aarch64]
        """.formatted(mirror.url(), keyFile));
    Run r = apkimg(Map.of(), null, "build", skewed.toString(), "-o", tmp.resolve("skewed.tar").toString(),
        "--cache-dir", cache("j"), "-q");
    assertThat(r.code).isEqualTo(1);
    assertThat(r.err).contains("package tool differs between architectures: 1.0-r0 for x86_64, 1.1-r0 for aarch64");
    assertThat(tmp.resolve("skewed.tar")).doesNotExist();
  }

  // ---- helpers

  private void assertPlatforms(JsonNode index) {
    assertThat(index.path("mediaType").asText()).isEqualTo("application/vnd.oci.image.index.v1+json");
    List<String> platforms = new ArrayList<>();
    for (JsonNode m : index.path("manifests")) {
      JsonNode p = m.path("platform");
      platforms.add(p.path("os").asText() + "/" + p.path("architecture").asText()
          + (p.has("variant") ? "/" + p.path("variant").asText() : ""));
    }
    assertThat(platforms).containsExactly("linux/amd64", "linux/arm64", "linux/arm/v7");
  }

  private static void assertConfig(JsonNode image, String arch, String variant) {
    assertThat(image.path("architecture").asText()).isEqualTo(arch);
    if (variant != null) {
      assertThat(image.path("variant").asText()).isEqualTo(variant);
    }
    assertThat(image.path("created").asText()).isEqualTo("2023-11-14T22:21:40Z");
    JsonNode c = image.path("config");
    assertThat(c.path("Entrypoint").toString()).isEqualTo("[\"/usr/bin/hello\"]");
    assertThat(c.path("Cmd").toString()).isEqualTo("[\"--loud\"]");
    assertThat(c.path("Env").toString()).isEqualTo("[\"GREETING=hi\"]");
    assertThat(c.path("WorkingDir").asText()).isEqualTo("/srv");
    assertThat(c.path("Labels").path("org.example.tier").asText()).isEqualTo("base");
    assertThat(c.path("Volumes").has("/data")).isTrue();
    assertThat(c.path("ExposedPorts").has("8080/tcp")).isTrue();
    assertThat(c.path("ExposedPorts").has("53/udp")).isTrue();
    assertThat(c.path("StopSignal").asText()).isEqualTo("SIGQUIT");
    JsonNode history = image.path("history");
    assertThat(history).hasSize(1);
    assertThat(history.get(0).path("created_by").asText()).isEqualTo("apkimg: apk add hello");
    assertThat(history.get(0).path("comment").asText()).contains("libhello-1.0-r0", "hello-2.1-r3");
  }

  private Processes.Output skopeo(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("skopeo", args[0]));
    if (List.of(args).stream().anyMatch(a -> a.startsWith("docker://"))) {
      cmd.addAll(List.of(args[0].equals("copy") ? "--src-tls-verify=false" : "--tls-verify=false",
          args[0].equals("copy") ? "--src-creds" : "--creds", USER + ":" + PASSWORD));
    }
    cmd.addAll(List.of(args).subList(1, args.length));
    return Processes.exec(tmp, cmd.toArray(String[]::new)).assertSuccess();
  }

  private String cache(String name) {
    return tmp.resolve("cache-" + name).toString();
  }

  private static long ms(long start) {
    return (System.nanoTime() - start) / 1_000_000;
  }

  record Run(int code, String out, String err) {
    Run assertSuccess() {
      assertThat(code).as("exit code; stdout:\n" + out + "\nstderr:\n" + err).isZero();
      return this;
    }
  }

  /** The jar in a new JVM, with HOME in the temp dir so the host's docker credentials stay out. */
  private Run apkimg(Map<String, String> env, String stdin, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", jar.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> environment = pb.environment();
    environment.keySet().removeAll(List.of("DOCKER_CONFIG", "REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR",
        "APKIMG_REGISTRY_PASSWORD"));
    environment.put("HOME", home.toString());
    environment.putAll(env);
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    if (stdin == null) {
      pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    }
    Process p = pb.start();
    if (stdin != null) {
      try (var in = p.getOutputStream()) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + cmd);
    }
    return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  private void waitForRegistry() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://" + registry + "/v2/").toURL().openConnection();
        if (c.getResponseCode() == 401) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      if (!registryProcess.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError("docker-registry did not start: "
            + Files.readString(tmp.resolve("registry/log.txt")));
      }
      Thread.sleep(100);
    }
  }

  private static Map<String, byte[]> readTar(Path archive) throws IOException {
    Map<String, byte[]> entries = new HashMap<>();
    try (TarFile tar = new TarFile(archive)) {
      for (TarArchiveEntry e : tar.getEntries()) {
        try (InputStream in = tar.getInputStream(e)) {
          entries.put(e.getName(), in.readAllBytes());
        }
      }
    }
    return entries;
  }

  private static byte[] blob(Map<String, byte[]> entries, String digest) {
    byte[] b = entries.get("blobs/sha256/" + digest.substring("sha256:".length()));
    assertThat(b).as("blob " + digest).isNotNull();
    return b;
  }

  private static String sha256(byte[] bytes) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
