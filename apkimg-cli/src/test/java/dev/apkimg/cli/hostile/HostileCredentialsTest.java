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
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user and password in a repository or key URL (apko's CVE-2024-36127 class, issue #9): sent as
 * HTTP Basic auth to that host only, never after a redirect to another host, and written to no
 * output: stdout, stderr with {@code --verbose} (progress, errors and stack traces),
 * {@code resolve --json}, the lockfile, the metadata and digest files, the image and every layer
 * in it ({@code etc/apk/repositories} names the URL without them, as apko writes it), the cache.
 */
@Timeout(120)
class HostileCredentialsTest {
  private static final String USER = "ci-bot";
  private static final String PASSWORD = "Hunter2-s3cr3t";
  private static final String WRONG_PASSWORD = "Wr0ng-pa55word";
  private static final String EXTRA = "/alpine/main/x86_64/extra-1.0-r0.apk";

  @TempDir Path tmp;

  @Test
  void aPasswordInARepositoryOrKeyUrlIsSentToThatHostOnlyAndAppearsInNoOutput() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp)) {
      Path dir = Files.createTempDirectory(b.root(), "mirror");
      new TestRepository(TestKeys.primary()).add(HostileBuild.pkg("busybox"), HostileBuild.pkg("extra"))
          .write(dir.resolve("alpine/main"));
      TestKeys.primary().writePublicKey(dir.resolve("keys"));
      try (LoopbackHttpServer mirror = LoopbackHttpServer.serve(dir).requireBasicAuth(USER, PASSWORD);
          LoopbackHttpServer elsewhere = LoopbackHttpServer.serve(dir)) {
        // The mirror sends one package to another host: the credentials must not follow it there.
        String moved = elsewhere.url().replace("127.0.0.1", "localhost") + EXTRA.substring(1);
        for (int i = 0; i < 2; i++) { // the plain build and the locked one
          mirror.script(EXTRA, LoopbackHttpServer.redirect(302, moved));
        }
        String plainRepo = mirror.url() + "alpine/main";
        String repo = withUser(mirror, PASSWORD) + "alpine/main";
        String key = withUser(mirror, PASSWORD) + "keys/" + TestKeys.primary().name();
        Path profile = b.profile(profileYaml(repo, key));
        Path out = b.out();
        List<HostileBuild.Result> runs = new ArrayList<>();

        HostileBuild.Result build = b.run("build", profile.toString(), "-o", b.image().toString(), "--cache-dir",
            b.cache().toString(), "--verbose", "--metadata-file", out.resolve("metadata.json").toString(),
            "--digest-file", out.resolve("digest").toString());
        runs.add(build);
        assertThat(build.code()).as(build.toString()).isZero();
        assertThat(build.err()).contains("fetching " + plainRepo + "/x86_64/busybox-1.0-r0.apk");

        HostileBuild.Result resolve = b.run("resolve", profile.toString(), "--json", "--verbose", "--cache-dir",
            b.cache().toString());
        runs.add(resolve);
        assertThat(resolve.code()).as(resolve.toString()).isZero();
        assertThat(resolve.out()).contains("\"repository\" : \"" + plainRepo + "\"");

        Path lockfile = out.resolve("app.lock.json");
        HostileBuild.Result lock = b.run("lock", profile.toString(), "-o", lockfile.toString(), "--verbose",
            "--cache-dir", b.cache().toString());
        runs.add(lock);
        assertThat(lock.code()).as(lock.toString()).isZero();
        assertThat(Files.readString(lockfile)).contains("\"" + plainRepo + "\"", plainRepo + "/x86_64/busybox-1.0-r0.apk");

        // A locked build reads the pinned URLs with the credentials of the profile's repository.
        HostileBuild.Result locked = b.run("build", profile.toString(), "--lockfile", lockfile.toString(), "-o",
            out.resolve("locked.tar").toString(), "--cache-dir", b.cache().resolve("fresh").toString(), "--verbose");
        runs.add(locked);
        assertThat(locked.code()).as(locked.toString()).isZero();

        // Failures name URLs too: a repository path the mirror lacks, a key it lacks, a password it refuses.
        Path missing = b.profile(profileYaml(repo + "/nowhere", key));
        runs.add(assertFails(b.run("build", missing.toString(), "-o", out.resolve("x.tar").toString(), "--cache-dir",
            b.cache().toString(), "--verbose"), "cannot download " + plainRepo + "/nowhere/x86_64/APKINDEX.tar.gz: HTTP 404"));
        Path noKey = b.profile(profileYaml(repo, withUser(mirror, PASSWORD) + "nokeys/" + TestKeys.primary().name()));
        runs.add(assertFails(b.run("resolve", noKey.toString(), "--cache-dir", b.cache().resolve("nokey").toString(),
            "--verbose"), "cannot fetch key " + mirror.url() + "nokeys/" + TestKeys.primary().name() + ": cannot download "));
        Path wrong = b.profile(profileYaml(withUser(mirror, WRONG_PASSWORD) + "alpine/main", key));
        runs.add(assertFails(b.run("build", wrong.toString(), "-o", out.resolve("x.tar").toString(), "--cache-dir",
            b.cache().toString(), "--verbose"), "cannot download " + plainRepo
            + "/x86_64/APKINDEX.tar.gz: HTTP 401 (the user and password in the URL were refused)"));
        runs.add(b.run("build", wrong.toString(), "-o", out.resolve("x.tar").toString(), "-r", withUser(mirror, WRONG_PASSWORD) + "x y"));

        for (HostileBuild.Result r : runs) {
          assertThat(r.out() + r.err()).as(r.toString()).doesNotContain(PASSWORD).doesNotContain(WRONG_PASSWORD)
              .doesNotContain(USER);
        }
        List<String> scanned = assertSecretsAbsent(b.out(), b.cache());
        assertThat(scanned).contains("out/image.tar", "out/locked.tar", "out/app.lock.json", "out/metadata.json",
            "out/digest");
        assertThat(ImageReader.read(b.image()).get("etc/apk/repositories").text()).isEqualTo(plainRepo + "\n");
        assertThat(ImageReader.read(out.resolve("locked.tar")).get("etc/apk/repositories").text()).isEqualTo(plainRepo + "\n");

        String basic = "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        List<LoopbackHttpServer.Received> toMirror = mirror.received().stream()
            .filter(r -> !basic.equals(r.authorization())).toList();
        assertThat(toMirror).as("requests to the mirror without its credentials")
            .allSatisfy(r -> assertThat(r.authorization()).isEqualTo("Basic "
                + Base64.getEncoder().encodeToString((USER + ":" + WRONG_PASSWORD).getBytes(StandardCharsets.UTF_8))));
        assertThat(mirror.requestedPaths()).contains("/keys/" + TestKeys.primary().name(), EXTRA);
        assertThat(elsewhere.received()).as("requests redirected to another host").hasSize(2)
            .allSatisfy(r -> assertThat(r.authorization()).isNull());
      }
    }
  }

  private static HostileBuild.Result assertFails(HostileBuild.Result r, String message) {
    assertThat(r.code()).as(r.toString()).isEqualTo(1);
    assertThat(r.err().lines().filter(l -> l.startsWith("apkimg: error: ")).toList()).as(r.toString())
        .singleElement().asString().startsWith("apkimg: error: " + message);
    assertThat(r.err()).as("--verbose prints the stack trace").contains("\tat ");
    return r;
  }

  private static String withUser(LoopbackHttpServer server, String password) {
    return server.url().replace("http://", "http://" + USER + ":" + password + "@");
  }

  private static String profileYaml(String repo, String key) {
    return "contents:\n  repositories:\n    - " + repo + "\n  keyring:\n    - " + key
        + "\n  packages: [busybox, extra]\narchs: [x86_64]\n";
  }

  /** Every file under the folders (names and bytes, gzip and tar members opened), none holding a secret; returns the names. */
  private static List<String> assertSecretsAbsent(Path... roots) throws IOException {
    List<String> scanned = new ArrayList<>();
    for (Path root : roots) {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          String name = root.getParent().relativize(f).toString();
          scanned.add(name);
          assertThat(name).doesNotContain(PASSWORD).doesNotContain(WRONG_PASSWORD);
          assertNoSecret(name, Files.readAllBytes(f), 0);
        }
      }
    }
    return scanned;
  }

  private static void assertNoSecret(String where, byte[] data, int depth) throws IOException {
    String text = new String(data, StandardCharsets.ISO_8859_1);
    assertThat(text).as(where).doesNotContain(PASSWORD).doesNotContain(WRONG_PASSWORD);
    if (depth > 3) {
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
