package dev.apkimg.cli;

import static dev.apkimg.cli.Processes.exec;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #2 end to end: the CLI builds an image from the real Alpine packages in
 * ../shared/fixtures/mirror served over HTTP, and the real tools read it: skopeo, umoci, and
 * apk-tools itself inside a chroot of the unpacked rootfs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BuildEndToEndIT {
  static final List<String> WORLD = List.of("alpine-baselayout", "busybox", "apk-tools", "musl-utils",
      "ca-certificates-bundle");
  static final List<String> INSTALLED = List.of("alpine-baselayout", "alpine-baselayout-data", "apk-tools", "busybox",
      "busybox-binsh", "ca-certificates-bundle", "libcrypto3", "libssl3", "musl", "musl-utils", "scanelf",
      "ssl_client", "zlib");

  @TempDir static Path tmp;

  private Path fixtures;
  private LoopbackHttpServer server;
  private Path profile;
  private Path image;
  private String digest;

  @BeforeAll
  void buildOnce() throws Exception {
    fixtures = Prerequisites.requireSharedFixtures();
    server = LoopbackHttpServer.serve(fixtures.resolve("mirror"));
    profile = tmp.resolve("base.yaml");
    Files.writeString(profile, """
        contents:
          repositories:
            - %sv3.20/main
          packages: [%s]
        archs: [x86_64]
        entrypoint:
          command: /bin/sh -c
        cmd: echo hello
        environment:
          GREETING: hello world
        work-dir: /srv
        """.formatted(server.url(), String.join(", ", WORLD)));
    image = tmp.resolve("out/image.tar");
    long start = System.nanoTime();
    digest = build(image, tmp.resolve("cache1"));
    // For information only: speed is measured by benchmarks, not asserted here.
    System.out.printf("BuildEndToEndIT: build of %d packages took %d ms (cold cache, in-process)%n",
        INSTALLED.size(), (System.nanoTime() - start) / 1_000_000);
  }

  @AfterAll
  void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void skopeoReadsPlatformLayerAndConfig() throws Exception {
    Prerequisites.requireCommand("skopeo");
    ObjectMapper json = new ObjectMapper();
    JsonNode inspect = json.readTree(exec(tmp, "skopeo", "inspect", "oci-archive:" + image).assertSuccess().out());
    assertThat(inspect.path("Architecture").asText()).isEqualTo("amd64");
    assertThat(inspect.path("Os").asText()).isEqualTo("linux");
    assertThat(inspect.path("Layers")).hasSize(1);
    assertThat(inspect.path("Digest").asText()).isEqualTo(digest);

    JsonNode config = json.readTree(exec(tmp, "skopeo", "inspect", "--config", "oci-archive:" + image)
        .assertSuccess().out()).path("config");
    assertThat(texts(config.path("Entrypoint"))).containsExactly("/bin/sh", "-c");
    assertThat(texts(config.path("Cmd"))).containsExactly("echo", "hello");
    assertThat(texts(config.path("Env"))).containsExactly("GREETING=hello world");
    assertThat(config.path("WorkingDir").asText()).isEqualTo("/srv");
  }

  @Test
  void unpackedRootfsRunsAndApkFindsItConsistent() throws Exception {
    Path rootfs = unpack(image);

    assertThat(exec(tmp, "chroot", rootfs.toString(), "/bin/sh", "-c", "echo ok").assertSuccess().out())
        .isEqualTo("ok\n");

    assertThat(exec(tmp, "chroot", rootfs.toString(), "/sbin/apk", "info").assertSuccess().out().lines())
        .containsExactlyInAnyOrderElementsOf(INSTALLED);

    // apk compares every file with its installed database; anything changed or missing is printed.
    Processes.Output audit = exec(tmp, "chroot", rootfs.toString(), "/sbin/apk", "audit", "--system").assertSuccess();
    assertThat(audit.out()).as("apk audit stdout").isEmpty();
    // etc/apk/repositories names the test server, whose index apk never cached: a network remark, not a file.
    assertThat(audit.err().lines()).as("apk audit stderr").allMatch(l -> l.startsWith("WARNING: opening from cache"));
  }

  @Test
  void sameProfileTwiceGivesTheSameBytes() throws Exception {
    Path again = tmp.resolve("again/image.tar");
    String digest2 = build(again, tmp.resolve("cache2"));
    assertThat(digest2).isEqualTo(digest);
    assertThat(Files.mismatch(image, again)).as("first differing byte").isEqualTo(-1L);
  }

  @Test
  void installedDatabaseEqualsApkOracles() throws Exception {
    Prerequisites.requireRoot();
    Path oracle = fixtures.getParent().resolve("tools/apk-oracle");
    Prerequisites.require(Files.isExecutable(oracle), oracle + " not executable");
    Path keys = Files.createDirectories(tmp.resolve("oracle-keys"));
    Files.copy(fixtures.resolve("keys/apkimg-test.rsa.pub"), keys.resolve("apkimg-test.rsa.pub"));
    Path oracleRoot = tmp.resolve("oracle-root");
    List<String> cmd = new ArrayList<>(List.of(oracle.toString(), "install",
        fixtures.resolve("mirror/v3.20/main").toString(), "x86_64", keys.toString(), oracleRoot.toString()));
    cmd.addAll(WORLD);
    exec(tmp, cmd.toArray(String[]::new)).assertSuccess();

    Path ours = unpack(image).resolve("lib/apk/db/installed");
    Path theirs = oracleRoot.resolve("lib/apk/db/installed");
    assertThat(Files.readString(ours)).isEqualTo(Files.readString(theirs));
  }

  private String build(Path out, Path cache) {
    Processes.Output r = Processes.apkimg(List.of("build", profile.toString(), "-o", out.toString(),
        "-k", fixtures.resolve("keys/apkimg-test.rsa.pub").toString(), "--cache-dir", cache.toString()));
    r.assertSuccess();
    assertThat(r.out()).matches("sha256:[0-9a-f]{64}\n");
    return r.out().strip();
  }

  /** skopeo copy to an OCI layout, then umoci unpack; returns the rootfs. */
  private Path unpack(Path archive) throws Exception {
    Prerequisites.requireRoot(); // umoci keeps owners and device nodes; chroot needs root anyway
    Prerequisites.requireCommand("skopeo");
    Prerequisites.requireCommand("umoci");
    Path work = Files.createTempDirectory(tmp, "unpack");
    Path layout = work.resolve("oci");
    Path bundle = work.resolve("bundle");
    exec(tmp, "skopeo", "copy", "-q", "oci-archive:" + archive, "oci:" + layout + ":latest").assertSuccess();
    exec(tmp, "umoci", "unpack", "--image", layout + ":latest", bundle.toString()).assertSuccess();
    return bundle.resolve("rootfs");
  }

  private static List<String> texts(JsonNode array) {
    List<String> r = new ArrayList<>();
    array.forEach(n -> r.add(n.asText()));
    return r;
  }
}
