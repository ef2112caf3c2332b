package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.testing.Prerequisites;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code apkimg why}: the dependency paths, with known answers from the fixture mirror's Alpine
 * 3.20 packages (their index's D:, p: and i: lines, as apk info -r reads them) and from a
 * repository made here.
 */
class WhyCommandTest {
  @TempDir Path tmp;

  /** The packages of Alpine's minirootfs, from the fixture mirror (a path: no download but the index). */
  private Path alpineBase() throws IOException {
    Path fixtures = Prerequisites.requireSharedFixtures();
    Path profile = tmp.resolve("base.yaml");
    Files.writeString(profile, """
        contents:
          repositories: [%s]
          keyring: [%s]
          packages: [alpine-baselayout, alpine-keys, apk-tools, busybox, musl-utils, ca-certificates-bundle, ssl_client]
        archs: [x86_64]
        """.formatted(fixtures.resolve("mirror/v3.20/main"), fixtures.resolve("keys/apkimg-test.rsa.pub")));
    return profile;
  }

  @Test
  void aPackageBroughtInByAProvidedFileNamesTheProvider() throws IOException {
    Result r = run("why", alpineBase().toString(), "busybox-binsh", "--cache-dir", cache());
    assertThat(r.code).as(r.err).isZero();
    // alpine-baselayout depends on /bin/sh, which busybox-binsh provides.
    assertThat(r.out.lines().toList()).containsExactly("world -> alpine-baselayout -> /bin/sh (busybox-binsh)");
  }

  @Test
  void everyRequirerGetsAPathFromTheWorld() throws IOException {
    Result r = run("why", alpineBase().toString(), "libcrypto3", "--cache-dir", cache());
    assertThat(r.code).as(r.err).isZero();
    // libssl3, ssl_client and apk-tools need it, in install order (as apkimg resolve lists them);
    // libssl3 comes in through apk-tools.
    assertThat(r.out.lines().toList()).containsExactly(
        "world -> apk-tools -> so:libssl.so.3 (libssl3) -> libcrypto3",
        "world -> ssl_client -> so:libcrypto.so.3 (libcrypto3)",
        "world -> apk-tools -> so:libcrypto.so.3 (libcrypto3)");
  }

  @Test
  void muslIsRequiredByEveryLinkedPackage() throws IOException {
    Result r = run("why", alpineBase().toString(), "musl", "--cache-dir", cache());
    assertThat(r.code).as(r.err).isZero();
    List<String> lines = r.out.lines().toList();
    assertThat(lines).hasSize(8) // apk-tools, busybox, libcrypto3, libssl3, musl-utils, scanelf, ssl_client, zlib
        .contains("world -> busybox -> so:libc.musl-x86_64.so.1 (musl)",
            "world -> apk-tools -> musl",
            "world -> musl-utils -> scanelf -> so:libc.musl-x86_64.so.1 (musl)",
            "world -> apk-tools -> so:libz.so.1 (zlib) -> so:libc.musl-x86_64.so.1 (musl)");
  }

  @Test
  void aWorldPackageAndItsInstallIfAreBothShownAndJsonHasThePaths() throws IOException {
    Result r = run("why", alpineBase().toString(), "ssl_client", "--cache-dir", cache(), "--json");
    assertThat(r.code).as(r.err).isZero();
    JsonNode json = new ObjectMapper().readTree(r.out);
    assertThat(json.path("arch").asText()).isEqualTo("x86_64");
    assertThat(json.path("installed").asText()).isEqualTo("ssl_client");
    assertThat(json.path("version").asText()).isEqualTo("1.36.1-r29");
    List<String> paths = new ArrayList<>();
    json.path("paths").forEach(p -> paths.add(p.toString()));
    assertThat(paths).containsExactly("[\"world\",\"ssl_client\"]",
        "[\"world\",\"install_if busybox=1.36.1-r29 libssl3 (ssl_client)\"]");
  }

  @Test
  void aProvidedNameFindsItsProvider() throws IOException {
    Result r = run("why", alpineBase().toString(), "so:libz.so.1", "--cache-dir", cache());
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out.lines().toList()).containsExactly("world -> apk-tools -> so:libz.so.1 (zlib)");
  }

  @Test
  void aPackageNotInstalledIsOneLineAndExitCode1() throws IOException {
    Result r = run("why", alpineBase().toString(), "openssl", "--cache-dir", cache(), "-q");
    assertThat(r.code).isEqualTo(1);
    assertThat(r.out).isEmpty();
    assertThat(r.err.lines().toList()).containsExactly(
        "apkimg: error: openssl is not installed by " + tmp.resolve("base.yaml") + " (x86_64)");
  }

  @Test
  void aCycleIsNotFollowedAndTheRepositoryOptionIsUsed() throws IOException {
    // a and b need each other; the world names app only. Built here, given with -r and -k.
    Path keys = TestKeys.primary().writePublicKey(tmp.resolve("keys"));
    new TestRepository(TestKeys.primary())
        .add(TestPackage.builder("app", "1.0-r0").depends("a").build())
        .add(TestPackage.builder("a", "1.0-r0").depends("b").build())
        .add(TestPackage.builder("b", "1.0-r0").depends("a").provides("cmd:b=1.0-r0").build())
        .write(tmp.resolve("repo"));
    Path profile = tmp.resolve("app.yaml");
    Files.writeString(profile, """
        contents:
          repositories: [https://example.invalid/alpine/main]
          packages: [app]
        archs: [x86_64]
        """);
    Result r = run("why", profile.toString(), "b", "-r", tmp.resolve("repo").toString(), "-k", keys.toString(),
        "--cache-dir", cache());
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out.lines().toList()).containsExactly("world -> app -> a -> b");
    Result a = run("why", profile.toString(), "a", "-r", tmp.resolve("repo").toString(), "-k", keys.toString(),
        "--cache-dir", cache());
    assertThat(a.out.lines().toList()).containsExactly("world -> app -> a");
  }

  private String cache() {
    return tmp.resolve("cache").toString();
  }

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  record Result(int code, String out, String err) {}
}
