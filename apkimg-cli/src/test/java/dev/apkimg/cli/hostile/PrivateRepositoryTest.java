package dev.apkimg.cli.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.cli.ImageReader;
import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestRepository;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 4: a repository behind HTTP Basic auth (its index, packages and key) builds with
 * each source of credentials, in a real process with its own environment: {@code HTTP_AUTH}
 * (apko's form), {@code ~/.netrc}, and a user and password in the profile's URL. Missing or wrong
 * credentials fail in one line naming the host and the source, not the password; no stdout or
 * stderr (with {@code --verbose}), metadata file, SBOM, lockfile, cache file, image or layer holds
 * the password or its base64.
 */
@Timeout(300)
class PrivateRepositoryTest {
  private static final String USER = "apk-reader";
  private static final String PASSWORD = "Pr1vate-Repo-Pa55";
  private static final String BASE64 = Base64.getEncoder()
      .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));

  @TempDir Path tmp;

  @Test
  void eachCredentialSourceBuildsAndNoOutputHoldsThePassword() throws Exception {
    Path site = Files.createDirectories(tmp.resolve("site"));
    new TestRepository(TestKeys.primary()).add(HostileBuild.pkg("busybox"), HostileBuild.pkg("extra"))
        .write(site.resolve("alpine/main"));
    TestKeys.primary().writePublicKey(site.resolve("keys"));
    Path out = Files.createDirectories(tmp.resolve("out"));
    Path cache = tmp.resolve("cache");
    Path home = Files.createDirectories(tmp.resolve("home"));
    ChildApkimg apkimg = new ChildApkimg(Files.createDirectories(tmp.resolve("sandbox")));
    List<ChildApkimg.Result> runs = new ArrayList<>();
    try (LoopbackHttpServer mirror = LoopbackHttpServer.serve(site).requireBasicAuth(USER, PASSWORD)) {
      String repo = mirror.url() + "alpine/main";
      Path profile = profile(tmp.resolve("profile.yaml"), repo, mirror.url() + "keys/" + TestKeys.primary().name());
      Map<String, String> httpAuth = Map.of("HTTP_AUTH", "basic:127.0.0.1:" + USER + ":" + PASSWORD);

      // HTTP_AUTH: a build with every output, a lockfile, and a locked build with a fresh cache.
      ChildApkimg.Result build = apkimg.run(httpAuth, "build", profile.toString(), "-o", out.resolve("env.tar").toString(),
          "--cache-dir", cache.resolve("env").toString(), "--verbose", "--metadata-file", out.resolve("env.json").toString(),
          "--sbom-dir", out.resolve("sbom").toString(), "--digest-file", out.resolve("digest").toString());
      runs.add(build);
      assertThat(build.code()).as(build.toString()).isZero();
      assertThat(build.err()).contains("fetching " + repo + "/x86_64/busybox-1.0-r0.apk");
      Path lockfile = out.resolve("app.lock.json");
      ChildApkimg.Result lock = apkimg.run(httpAuth, "lock", profile.toString(), "-o", lockfile.toString(), "--verbose",
          "--cache-dir", cache.resolve("lock").toString());
      runs.add(lock);
      assertThat(lock.code()).as(lock.toString()).isZero();
      ChildApkimg.Result locked = apkimg.run(httpAuth, "build", profile.toString(), "--lockfile", lockfile.toString(),
          "-o", out.resolve("locked.tar").toString(), "--cache-dir", cache.resolve("locked").toString(), "--verbose");
      runs.add(locked);
      assertThat(locked.code()).as(locked.toString()).isZero();
      ChildApkimg.Result resolve = apkimg.run(httpAuth, "resolve", profile.toString(), "--json", "--verbose",
          "--cache-dir", cache.resolve("resolve").toString());
      runs.add(resolve);
      assertThat(resolve.code()).as(resolve.toString()).isZero();

      // ~/.netrc (HOME's), with a default entry that must not win over the machine's.
      Files.writeString(home.resolve(".netrc"), "default login nobody password nothing\nmachine 127.0.0.1\n  login "
          + USER + "\n  password " + PASSWORD + "\n");
      ChildApkimg.Result netrc = apkimg.run(Map.of("HOME", home.toString()), "build", profile.toString(), "-o",
          out.resolve("netrc.tar").toString(), "--cache-dir", cache.resolve("netrc").toString(), "--verbose");
      runs.add(netrc);
      assertThat(netrc.code()).as(netrc.toString()).isZero();

      // user:password@ in the profile's URLs.
      String withUser = mirror.url().replace("http://", "http://" + USER + ":" + PASSWORD + "@");
      Path inUrl = profile(tmp.resolve("in-url.yaml"), withUser + "alpine/main", withUser + "keys/" + TestKeys.primary().name());
      ChildApkimg.Result url = apkimg.run(Map.of(), "build", inUrl.toString(), "-o", out.resolve("url.tar").toString(),
          "--cache-dir", cache.resolve("url").toString(), "--verbose");
      runs.add(url);
      assertThat(url.code()).as(url.toString()).isZero();

      // None: one line naming the host and how to give credentials. Wrong: one line naming the source.
      ChildApkimg.Result none = apkimg.run(Map.of(), "build", profile.toString(), "-o", out.resolve("none.tar").toString(),
          "--cache-dir", cache.resolve("none").toString());
      runs.add(none);
      assertThat(none.code()).as(none.toString()).isEqualTo(1);
      assertThat(none.err().lines().toList()).as(none.toString()).singleElement().asString()
          .startsWith("apkimg: error: ").contains("HTTP 401 (127.0.0.1 wants a user and password: set HTTP_AUTH=");
      ChildApkimg.Result wrong = apkimg.run(Map.of("HTTP_AUTH", "basic:127.0.0.1:" + USER + ":not-" + PASSWORD),
          "build", profile.toString(), "-o", out.resolve("wrong.tar").toString(), "--cache-dir", cache.resolve("wrong").toString());
      runs.add(wrong);
      assertThat(wrong.code()).as(wrong.toString()).isEqualTo(1);
      assertThat(wrong.err().lines().toList()).as(wrong.toString()).singleElement().asString()
          .contains(mirror.url()).endsWith("HTTP 401 (the user and password from HTTP_AUTH were refused)");
    }

    for (ChildApkimg.Result r : runs) {
      assertThat(r.out() + r.err()).as(r.toString()).doesNotContain(PASSWORD).doesNotContain(BASE64);
    }
    List<String> scanned = new ArrayList<>();
    for (Path root : List.of(out, cache)) {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          String name = tmp.relativize(f).toString();
          scanned.add(name);
          assertNoSecret(name, Files.readAllBytes(f), 0);
        }
      }
    }
    assertThat(scanned).contains("out/env.tar", "out/env.json", "out/app.lock.json", "out/locked.tar", "out/netrc.tar",
        "out/url.tar", "out/digest").anyMatch(n -> n.startsWith("out/sbom/"));
    for (String image : List.of("env.tar", "locked.tar", "netrc.tar", "url.tar")) {
      ImageReader read = ImageReader.read(out.resolve(image));
      assertThat(read.get("etc/apk/repositories").text()).as(image).doesNotContain(USER).endsWith("/alpine/main\n");
      assertThat(read.get("usr/share/extra.txt")).as(image).isNotNull();
    }
  }

  private static Path profile(Path file, String repo, String key) throws IOException {
    Files.writeString(file, "contents:\n  repositories:\n    - " + repo + "\n  keyring:\n    - " + key
        + "\n  packages: [busybox, extra]\narchs: [x86_64]\n");
    return file;
  }

  /** Neither the password nor its base64 in the bytes, nor in any gzip or tar member within (names too). */
  private static void assertNoSecret(String where, byte[] data, int depth) throws IOException {
    String text = new String(data, StandardCharsets.ISO_8859_1);
    assertThat(text).as(where).doesNotContain(PASSWORD).doesNotContain(BASE64);
    if (depth > 4) {
      return;
    }
    if (data.length > 2 && (data[0] & 0xff) == 0x1f && (data[1] & 0xff) == 0x8b) {
      try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(data))) {
        assertNoSecret(where + " (gunzipped)", in.readAllBytes(), depth + 1);
      }
    } else if (data.length >= 512 && text.startsWith("ustar", 257)) {
      try (TarArchiveInputStream tar = new TarArchiveInputStream(new ByteArrayInputStream(data))) {
        for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
          assertThat(e.getName() + " " + e.getLinkName()).as(where).doesNotContain(PASSWORD);
          assertNoSecret(where + "!" + e.getName(), tar.readAllBytes(), depth + 1);
        }
      }
    }
  }
}
