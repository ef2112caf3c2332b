package dev.apkimg.cli;

import static dev.apkimg.cli.Processes.exec;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.Prerequisites;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code build --daemon} and {@code -o - --format docker | docker load} against a real Docker
 * daemon (the one DOCKER_HOST names; .ci/run starts one): the image of the fixture base loads,
 * its shell runs in a container, and Docker reports the configuration and the ID apkimg wrote.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DockerDaemonIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long SOURCE_DATE_EPOCH = 1_700_000_000L; // 2023-11-14T22:13:20Z

  @TempDir static Path tmp;

  private Path docker;
  private Path fixtures;
  private LoopbackHttpServer server;
  private Path profile;
  private final String repository = "apkimg-it/daemon-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
  private final List<String> loadedTags = new ArrayList<>();

  @BeforeAll
  void setUp() throws Exception {
    docker = Prerequisites.requireDockerDaemon();
    fixtures = Prerequisites.requireSharedFixtures();
    server = LoopbackHttpServer.serve(fixtures.resolve("mirror"));
    profile = tmp.resolve("base.yaml");
    // The command prints what only a running container knows: the environment and the work dir.
    Files.writeString(profile, """
        contents:
          repositories:
            - %sv3.20/main
          packages: [alpine-baselayout, busybox]
        archs: [x86_64]
        entrypoint:
          command: /bin/sh -c
        cmd: "'echo $GREETING in $(pwd)'"   # one word: the shell's script
        environment:
          GREETING: hello from apkimg
        work-dir: /srv
        labels:
          org.example.tier: base
        stop-signal: SIGQUIT
        """.formatted(server.url()));
  }

  @AfterAll
  void tearDown() throws Exception {
    try {
      for (String tag : loadedTags) {
        exec(tmp, docker.toString(), "image", "rm", "--force", tag); // best effort: a failed test may not have loaded it
      }
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  @Test
  void daemonLoadsTheImageAndItsShellRunsInAContainer() throws Exception {
    String tag = repository + ":daemon";
    loadedTags.add(tag);
    Path archive = tmp.resolve("daemon/image.tar");
    Path metadata = tmp.resolve("daemon/build.json");
    Processes.Output build = Processes.apkimg(List.of("build", profile.toString(), "--daemon", "--tag", tag,
        "-o", archive.toString(), "--metadata-file", metadata.toString(),
        "-k", fixtures.resolve("keys/apkimg-test.rsa.pub").toString(), "--cache-dir", tmp.resolve("cache").toString(),
        "--source-date-epoch", Long.toString(SOURCE_DATE_EPOCH)));
    build.assertSuccess();
    String digest = build.out().strip();
    assertThat(digest).matches("sha256:[0-9a-f]{64}");

    // The same build wrote an OCI archive: Docker's image ID is the digest of its configuration.
    String configDigest = configDigest(archive, digest);

    JsonNode inspect = inspect(tag);
    assertThat(inspect.path("Id").asText()).isEqualTo(configDigest);
    assertThat(Files.readString(metadata)).as("the metadata file names the loaded image's ID").contains(configDigest);
    assertThat(texts(inspect.path("RepoTags"))).contains(tag);
    assertThat(inspect.path("Architecture").asText()).isEqualTo("amd64");
    assertThat(inspect.path("Os").asText()).isEqualTo("linux");
    assertThat(Instant.parse(inspect.path("Created").asText())).isEqualTo(Instant.ofEpochSecond(SOURCE_DATE_EPOCH));
    JsonNode config = inspect.path("Config");
    assertThat(texts(config.path("Entrypoint"))).containsExactly("/bin/sh", "-c");
    assertThat(texts(config.path("Cmd"))).containsExactly("echo $GREETING in $(pwd)");
    assertThat(texts(config.path("Env"))).contains("GREETING=hello from apkimg");
    assertThat(config.path("WorkingDir").asText()).isEqualTo("/srv");
    assertThat(config.path("Labels").path("org.example.tier").asText()).isEqualTo("base");
    assertThat(config.path("StopSignal").asText()).isEqualTo("SIGQUIT");

    // The image's own entrypoint and command, then a shell of our own.
    assertThat(dockerRun(tag).assertSuccess().out()).isEqualTo("hello from apkimg in /srv\n");
    assertThat(dockerRun("--entrypoint", "/bin/sh", tag, "-c", "echo ok").assertSuccess().out()).isEqualTo("ok\n");
    assertThat(dockerRun("--entrypoint", "/bin/sh", tag, "-c", "id -u; ls /etc/apk/world; cat /etc/apk/world")
        .assertSuccess().out()).isEqualTo("0\n/etc/apk/world\nalpine-baselayout\nbusybox\n");
  }

  @Test
  void dockerArchiveOnStdoutPipesIntoDockerLoad() throws Exception {
    String tag = repository + ":piped";
    loadedTags.add(tag);
    Path digestFile = tmp.resolve("piped/digest.txt");
    Path metadata = tmp.resolve("piped/build.json");
    Files.createDirectories(digestFile.getParent());
    List<String> apkimg = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "build", profile.toString(), "-o", "-", "--format", "docker", "--tag", tag, "-q",
        "--digest-file", digestFile.toString(), "--metadata-file", metadata.toString(),
        "-k", fixtures.resolve("keys/apkimg-test.rsa.pub").toString(), "--cache-dir", tmp.resolve("cache").toString(),
        "--source-date-epoch", Long.toString(SOURCE_DATE_EPOCH)));
    Path apkimgErr = tmp.resolve("piped/apkimg.err");
    Path loadOut = tmp.resolve("piped/load.out");
    // A real pipe between the two processes, as a shell's `apkimg ... -o - | docker load`.
    List<Process> pipeline = ProcessBuilder.startPipeline(List.of(
        new ProcessBuilder(apkimg).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectError(apkimgErr.toFile()),
        new ProcessBuilder(docker.toString(), "load").redirectErrorStream(true).redirectOutput(loadOut.toFile())));
    for (Process p : pipeline) {
      if (!p.waitFor(5, TimeUnit.MINUTES)) {
        pipeline.forEach(Process::destroyForcibly);
        throw new AssertionError("apkimg | docker load did not finish in 5 minutes");
      }
    }
    assertThat(pipeline.get(0).exitValue()).as("apkimg: " + Files.readString(apkimgErr)).isZero();
    assertThat(pipeline.get(1).exitValue()).as("docker load: " + Files.readString(loadOut)).isZero();
    assertThat(Files.readString(loadOut)).contains("Loaded image: " + tag);

    JsonNode inspect = inspect(tag);
    String id = inspect.path("Id").asText();
    assertThat(id).matches("sha256:[0-9a-f]{64}");
    assertThat(Files.readString(metadata)).as("the metadata file names the loaded image's ID").contains(id);
    assertThat(Files.readString(digestFile).strip()).matches("sha256:[0-9a-f]{64}").isNotEqualTo(id);
    assertThat(Instant.parse(inspect.path("Created").asText())).isEqualTo(Instant.ofEpochSecond(SOURCE_DATE_EPOCH));
    assertThat(dockerRun("--entrypoint", "/bin/sh", tag, "-c", "echo ok").assertSuccess().out()).isEqualTo("ok\n");
  }

  private Processes.Output dockerRun(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(docker.toString(), "run", "--rm", "--network", "none"));
    command.addAll(List.of(args));
    return exec(tmp, command.toArray(String[]::new));
  }

  private JsonNode inspect(String tag) throws Exception {
    JsonNode all = JSON.readTree(exec(tmp, docker.toString(), "image", "inspect", tag).assertSuccess().out());
    assertThat(all).hasSize(1);
    return all.get(0);
  }

  /**
   * The configuration digest of the OCI archive's image whose digest is {@code digest}: index.json
   * names it, and an image index is followed to its one manifest.
   */
  private static String configDigest(Path archive, String digest) throws Exception {
    try (TarFile oci = new TarFile(archive)) {
      JsonNode top = readJson(oci, "index.json").path("manifests");
      assertThat(top).hasSize(1);
      assertThat(top.get(0).path("digest").asText()).as("the digest apkimg printed").isEqualTo(digest);
      JsonNode node = readJson(oci, blob(digest));
      while (node.has("manifests")) {
        assertThat(node.path("manifests")).hasSize(1);
        node = readJson(oci, blob(node.path("manifests").get(0).path("digest").asText()));
      }
      return node.path("config").path("digest").asText();
    }
  }

  private static JsonNode readJson(TarFile tar, String name) throws Exception {
    try (InputStream in = tar.getInputStream(entry(tar, name))) {
      return JSON.readTree(in);
    }
  }

  private static TarArchiveEntry entry(TarFile tar, String name) {
    return tar.getEntries().stream().filter(e -> e.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " in the archive"));
  }

  private static String blob(String digest) {
    return "blobs/sha256/" + digest.substring("sha256:".length());
  }

  private static List<String> texts(JsonNode array) {
    List<String> r = new ArrayList<>();
    array.forEach(n -> r.add(n.asText()));
    return r;
  }
}
