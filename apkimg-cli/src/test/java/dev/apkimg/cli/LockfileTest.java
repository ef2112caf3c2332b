package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code apkimg lock}, and {@code apkimg build} with a lockfile, against a Java-made mirror. */
class LockfileTest {
  @TempDir Path tmp;

  private Path mirror;
  private LoopbackHttpServer server;
  private Path keyFile;
  private Path profile;

  @BeforeEach
  void setUp() throws IOException {
    keyFile = TestKeys.primary().writePublicKey(tmp.resolve("keys"));
    mirror = tmp.resolve("mirror");
    new TestRepository(TestKeys.primary())
        .add(TestPackage.builder("libfoo", "1.2-r0").builddate(1_700_000_000L)
            .dir("usr").dir("usr/lib").file("usr/lib/libfoo.so.1", "libfoo\n".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0755)
            .provides("so:libfoo.so.1=1").build())
        .add(TestPackage.builder("app", "2.0-r1").builddate(1_700_000_100L)
            .depends("so:libfoo.so.1")
            .dir("usr").dir("usr/bin").file("usr/bin/app", "#!/bin/sh\necho app\n".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0755).build())
        .write(mirror.resolve("alpine/main"));
    server = LoopbackHttpServer.serve(mirror);
    profile = tmp.resolve("app.yaml");
    Files.writeString(profile, """
        contents:
          repositories:
            - %salpine/main
          keyring:
            - %s
          packages: [app]
        archs: [x86_64]
        cmd: /usr/bin/app
        """.formatted(server.url(), keyFile));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void lockThenBuildGivesTheSameImageAsAPlainBuild() throws IOException {
    Result plain = run("build", profile.toString(), "-o", tmp.resolve("plain.tar").toString(), "--cache-dir", cache("a"));
    assertThat(plain.code).as(plain.err).isZero();

    Result lock = run("lock", profile.toString(), "--cache-dir", cache("b"));
    assertThat(lock.code).as(lock.err).isZero();
    Path lockfile = tmp.resolve("app.lock.json");
    assertThat(lock.out.trim()).isEqualTo(lockfile.toString());
    String json = Files.readString(lockfile);
    assertThat(json).contains("\"libfoo\"", "\"app\"", "\"2.0-r1\"", "alpine/main/x86_64/app-2.0-r1.apk",
        "\"checksum\" : \"Q1", "dataSha256", "BEGIN PUBLIC KEY");

    server.clearLog();
    Result locked = run("build", profile.toString(), "-o", tmp.resolve("locked.tar").toString(), "--cache-dir", cache("c"));
    assertThat(locked.code).as(locked.err).isZero();
    assertThat(locked.out).isEqualTo(plain.out); // the manifest digest
    assertThat(Files.readAllBytes(tmp.resolve("locked.tar"))).isEqualTo(Files.readAllBytes(tmp.resolve("plain.tar")));
    // Installed exactly what was pinned, without reading any index.
    assertThat(server.requestedPaths()).noneMatch(p -> p.contains("APKINDEX"))
        .anyMatch(p -> p.endsWith("/app-2.0-r1.apk"));
  }

  @Test
  void lockRecordsTheSizeOfEachApkFile() throws IOException {
    Result lock = run("lock", profile.toString(), "--cache-dir", cache("a"));
    assertThat(lock.code).as(lock.err).isZero();
    com.fasterxml.jackson.databind.JsonNode packages = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(tmp.resolve("app.lock.json").toFile()).path("archs").path("x86_64").path("packages");
    assertThat(packages).hasSize(2);
    for (com.fasterxml.jackson.databind.JsonNode p : packages) {
      Path apk = mirror.resolve("alpine/main/x86_64/" + p.path("name").asText() + "-" + p.path("version").asText()
          + ".apk");
      assertThat(p.path("size").isIntegralNumber()).as(p.toString()).isTrue();
      assertThat(p.path("size").asLong()).as(p.toString()).isEqualTo(Files.size(apk));
    }
  }

  @Test
  void anEditedProfileMakesTheLockfileStale() throws IOException {
    assertThat(run("lock", profile.toString(), "--cache-dir", cache("a")).code).isZero();
    Files.writeString(profile, Files.readString(profile).replace("cmd: /usr/bin/app", "cmd: /usr/bin/app --verbose"));

    Result r = run("build", profile.toString(), "-o", tmp.resolve("out.tar").toString(), "--cache-dir", cache("a"), "-q");
    assertThat(r.code).isEqualTo(1);
    assertThat(r.err).startsWith("apkimg: error: lockfile ").contains("is stale")
        .contains("apkimg lock " + profile).contains("--no-lockfile");
    assertThat(tmp.resolve("out.tar")).doesNotExist();

    Result ignored = run("build", profile.toString(), "-o", tmp.resolve("out.tar").toString(), "--cache-dir",
        cache("a"), "-q", "--no-lockfile");
    assertThat(ignored.code).as(ignored.err).isZero();
  }

  @Test
  void commentsAndFormattingDoNotMakeTheLockfileStale() throws IOException {
    assertThat(run("lock", profile.toString(), "--cache-dir", cache("a")).code).isZero();
    String edited = "# the app image\r\n" + Files.readString(profile).replace("\n", "   \r\n")
        .replace("packages: [app]", "packages:\r\n    - app  # the only one");
    Files.writeString(profile, edited);

    Result r = run("build", profile.toString(), "-o", tmp.resolve("out.tar").toString(), "--cache-dir", cache("b"));
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.err).contains("pinned by");
  }

  @Test
  void aPinnedPackageGoneFromTheMirrorIsAClearError() throws IOException {
    assertThat(run("lock", profile.toString(), "--cache-dir", cache("a")).code).isZero();
    Files.delete(mirror.resolve("alpine/main/x86_64/libfoo-1.2-r0.apk"));

    Result r = run("build", profile.toString(), "-o", tmp.resolve("out.tar").toString(), "--cache-dir", cache("b"), "-q");
    assertThat(r.code).isEqualTo(1);
    assertThat(r.err.lines().toList()).hasSize(1);
    assertThat(r.err).contains("libfoo-1.2-r0.apk").contains("HTTP 404").contains("pinned by")
        .contains("apkimg lock");
    assertThat(tmp.resolve("out.tar")).doesNotExist();
  }

  @Test
  void anExplicitLockfileIsUsedAndAMissingOneIsAnError() throws IOException {
    Path elsewhere = tmp.resolve("locks/app.json");
    assertThat(run("lock", profile.toString(), "-o", elsewhere.toString(), "--cache-dir", cache("a")).code).isZero();
    assertThat(tmp.resolve("app.lock.json")).doesNotExist();

    Result r = run("build", profile.toString(), "-o", tmp.resolve("out.tar").toString(), "--cache-dir", cache("a"),
        "--lockfile", elsewhere.toString());
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.err).contains("pinned by " + elsewhere);

    Result missing = run("build", profile.toString(), "-o", tmp.resolve("out2.tar").toString(), "--cache-dir",
        cache("a"), "--lockfile", tmp.resolve("nope.json").toString());
    assertThat(missing.code).isEqualTo(1);
    assertThat(missing.err).contains("lockfile " + tmp.resolve("nope.json") + " does not exist");
  }

  @Test
  void aLockfileForAnotherArchSaysSo() throws IOException {
    assertThat(run("lock", profile.toString(), "--cache-dir", cache("a")).code).isZero();
    Result r = run("build", profile.toString(), "-o", tmp.resolve("out.tar").toString(), "--cache-dir", cache("a"),
        "--arch", "aarch64", "-q");
    assertThat(r.code).isEqualTo(1);
    assertThat(r.err).contains("has no packages for aarch64").contains("x86_64");
  }

  private String cache(String name) {
    return tmp.resolve("cache-" + name).toString();
  }

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  record Result(int code, String out, String err) {}
}
