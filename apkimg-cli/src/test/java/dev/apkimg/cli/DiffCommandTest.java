package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code apkimg diff} and {@code apkimg lock --update} on two versions of a repository made here:
 * libfoo and app upgraded, newdep added, oldtool removed.
 */
class DiffCommandTest {
  @TempDir Path tmp;

  private Path keyFile;

  /** The changes from version 1 to version 2, as both commands print them. */
  private static final List<String> CHANGES = List.of(
      "upgraded app 2.0-r1 -> 2.1-r0",
      "upgraded libfoo 1.2-r0 -> 1.10-r0", // apk's order: 10 > 2
      "added newdep 0.1-r0",
      "removed oldtool 1.0-r0");

  @BeforeEach
  void setUp() throws IOException {
    keyFile = TestKeys.primary().writePublicKey(tmp.resolve("keys"));
  }

  private static TestPackage libfoo(String version) {
    return TestPackage.builder("libfoo", version).builddate(1_700_000_000L)
        .file("usr/lib/libfoo.so.1", "libfoo " + version + "\n").provides("so:libfoo.so.1=1").build();
  }

  private void version1(Path dir) throws IOException {
    new TestRepository(TestKeys.primary())
        .add(libfoo("1.2-r0"))
        .add(TestPackage.builder("oldtool", "1.0-r0").builddate(1_700_000_000L).file("usr/bin/oldtool", "old\n").build())
        .add(TestPackage.builder("app", "2.0-r1").builddate(1_700_000_100L).depends("so:libfoo.so.1", "oldtool")
            .file("usr/bin/app", "app 2.0\n").build())
        .write(dir);
  }

  private void version2(Path dir) throws IOException {
    new TestRepository(TestKeys.primary())
        .add(libfoo("1.10-r0"))
        .add(TestPackage.builder("newdep", "0.1-r0").builddate(1_700_000_000L).file("usr/bin/newdep", "new\n").build())
        .add(TestPackage.builder("app", "2.1-r0").builddate(1_700_000_200L).depends("so:libfoo.so.1", "newdep")
            .file("usr/bin/app", "app 2.1 with a longer file, so the layer differs\n".repeat(40)).build())
        .write(dir);
  }

  private Path profile(String name, Path repository) throws IOException {
    Path profile = tmp.resolve(name + ".yaml");
    Files.writeString(profile, """
        contents:
          repositories: [%s]
          keyring: [%s]
          packages: [app]
        archs: [x86_64]
        cmd: /usr/bin/app
        """.formatted(repository, keyFile));
    return profile;
  }

  @Test
  void twoProfilesAndALockfileDifferByTheirResolvedPackages() throws IOException {
    version1(tmp.resolve("v1"));
    version2(tmp.resolve("v2"));
    Path one = profile("one", tmp.resolve("v1"));
    Path two = profile("two", tmp.resolve("v2"));

    Result r = run("diff", one.toString(), two.toString(), "--cache-dir", cache());
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out.lines().toList()).isEqualTo(CHANGES);
    assertThat(r.err).contains("4 package changes");

    Result back = run("diff", two.toString(), one.toString(), "--cache-dir", cache());
    assertThat(back.out.lines().toList()).containsExactly(
        "downgraded app 2.1-r0 -> 2.0-r1", "downgraded libfoo 1.10-r0 -> 1.2-r0", "removed newdep 0.1-r0",
        "added oldtool 1.0-r0");

    assertThat(run("lock", one.toString(), "--cache-dir", cache()).code).isZero();
    Result locked = run("diff", tmp.resolve("one.lock.json").toString(), two.toString(), "--cache-dir", cache());
    assertThat(locked.code).as(locked.err).isZero();
    assertThat(locked.out.lines().toList()).isEqualTo(CHANGES);

    // The same packages: nothing on stdout, exit code 0, and stderr says so.
    Result same = run("diff", tmp.resolve("one.lock.json").toString(), one.toString(), "--cache-dir", cache());
    assertThat(same.code).isZero();
    assertThat(same.out).isEmpty();
    assertThat(same.err).contains("the packages are the same");
  }

  @Test
  void twoImageArchivesDifferByTheirInstalledDatabaseAndShowTheirLayerSizes() throws IOException {
    version1(tmp.resolve("v1"));
    version2(tmp.resolve("v2"));
    Path a = tmp.resolve("a.tar");
    Path b = tmp.resolve("b.tar");
    Result built = run("build", profile("one", tmp.resolve("v1")).toString(), "-o", a.toString(), "--cache-dir", cache(), "-q");
    assertThat(built.code).as(built.err).isZero();
    built = run("build", profile("two", tmp.resolve("v2")).toString(), "-o", b.toString(), "--cache-dir", cache(), "-q");
    assertThat(built.code).as(built.err).isZero();

    Result r = run("diff", a.toString(), b.toString());
    assertThat(r.code).as(r.err).isZero();
    long sizeA = largestBlob(a);
    long sizeB = largestBlob(b);
    assertThat(sizeA).isNotEqualTo(sizeB);
    List<String> expected = new ArrayList<>(CHANGES);
    expected.add("layers A 1 " + sizeA + " bytes (" + sizeA + ")");
    expected.add("layers B 1 " + sizeB + " bytes (" + sizeB + ")");
    assertThat(r.out.lines().toList()).isEqualTo(expected);

    Result json = run("diff", a.toString(), b.toString(), "--json");
    assertThat(json.code).as(json.err).isZero();
    JsonNode root = new ObjectMapper().readTree(json.out);
    assertThat(root.path("a").path("kind").asText()).isEqualTo("archive");
    assertThat(root.path("a").path("arch").asText()).isEqualTo("x86_64");
    assertThat(root.path("a").path("layers").get(0).path("size").asLong()).isEqualTo(sizeA);
    assertThat(root.path("b").path("layers").get(0).path("digest").asText()).startsWith("sha256:");
    assertThat(root.path("changes")).hasSize(4);
    assertThat(root.path("changes").get(0).toString())
        .isEqualTo("{\"change\":\"upgraded\",\"name\":\"app\",\"from\":\"2.0-r1\",\"to\":\"2.1-r0\"}");
    assertThat(root.path("changes").get(2).path("from").isNull()).isTrue();
  }

  @Test
  void somethingThatIsNoImageArchiveIsOneLine() throws IOException {
    Path notAnArchive = tmp.resolve("notes.txt");
    Files.writeString(notAnArchive, "hello\n");
    version1(tmp.resolve("v1"));
    Result r = run("diff", notAnArchive.toString(), profile("one", tmp.resolve("v1")).toString(), "-q");
    assertThat(r.code).isEqualTo(1);
    assertThat(r.err.lines().toList()).hasSize(1);
    assertThat(r.err).startsWith("apkimg: error: image archive " + notAnArchive + ": ");
  }

  @Test
  void lockUpdatePrintsWhatChangedSinceTheLastLockThenSaysNothingDid() throws IOException {
    Path mirror = tmp.resolve("mirror");
    version1(mirror);
    Path profile = profile("app", mirror);
    Result first = run("lock", profile.toString(), "--cache-dir", cache(), "--update");
    assertThat(first.code).as(first.err).isZero();
    // No lockfile before: everything is added.
    assertThat(first.out.lines().toList()).containsExactly("added app 2.0-r1", "added libfoo 1.2-r0",
        "added oldtool 1.0-r0");

    deleteTree(mirror);
    version2(mirror);
    Result update = run("lock", profile.toString(), "--cache-dir", cache(), "--update");
    assertThat(update.code).as(update.err).isZero();
    assertThat(update.out.lines().toList()).isEqualTo(CHANGES);
    assertThat(Files.readString(tmp.resolve("app.lock.json"))).contains("app-2.1-r0.apk").doesNotContain("oldtool");

    Result again = run("lock", profile.toString(), "--cache-dir", cache(), "--update");
    assertThat(again.code).as(again.err).isZero();
    assertThat(again.out.lines().toList()).containsExactly(
        "no changes since the last lock (" + tmp.resolve("app.lock.json") + ")");
  }

  @Test
  void severalArchitecturesAreComparedOneAtATime() throws IOException {
    Path mirror = tmp.resolve("multi");
    new TestRepository(TestKeys.primary())
        .add(TestPackage.builder("app", "1.0-r0").arch("x86_64").file("usr/bin/app", "x86_64\n").build())
        .add(TestPackage.builder("app", "1.0-r0").arch("aarch64").depends("armlib").file("usr/bin/app", "aarch64\n").build())
        .add(TestPackage.builder("armlib", "1.0-r0").arch("aarch64").file("usr/lib/armlib", "aarch64\n").build())
        .write(mirror);
    Path profile = tmp.resolve("multi.yaml");
    Files.writeString(profile, """
        contents:
          repositories: [%s]
          keyring: [%s]
          packages: [app]
        archs: [x86_64, aarch64]
        cmd: /usr/bin/app
        """.formatted(mirror, keyFile));
    Path archive = tmp.resolve("multi.tar");
    Result built = run("build", profile.toString(), "-o", archive.toString(), "--cache-dir", cache(), "-q");
    assertThat(built.code).as(built.err).isZero();
    assertThat(run("lock", profile.toString(), "--cache-dir", cache()).code).isZero();
    Path lockfile = tmp.resolve("multi.lock.json");

    Result unchosen = run("diff", archive.toString(), lockfile.toString(), "-q");
    assertThat(unchosen.code).isEqualTo(1);
    assertThat(unchosen.err.lines().toList()).containsExactly("apkimg: error: image archive " + archive
        + ": it has the platforms linux/amd64, linux/arm64: choose one architecture with --arch");

    // Each architecture against the same one: the same packages (armlib only on aarch64).
    Result arm = run("diff", archive.toString(), lockfile.toString(), "--arch", "aarch64", "--json");
    assertThat(arm.code).as(arm.err).isZero();
    JsonNode json = new ObjectMapper().readTree(arm.out);
    assertThat(json.path("a").path("arch").asText()).isEqualTo("aarch64");
    assertThat(json.path("b").path("arch").asText()).isEqualTo("aarch64");
    assertThat(json.path("changes")).isEmpty();
    assertThat(json.path("a").path("packages").asInt()).isEqualTo(2);
    Result amd = run("diff", lockfile.toString(), archive.toString(), "--arch", "x86_64");
    assertThat(amd.code).as(amd.err).isZero();
    assertThat(amd.out.lines().filter(l -> !l.startsWith("layers ")).toList()).isEmpty();

    // lock --update names the architecture of each change when the lockfile pins several.
    new TestRepository(TestKeys.primary())
        .add(TestPackage.builder("app", "1.0-r1").arch("x86_64").file("usr/bin/app", "x86_64\n").build())
        .add(TestPackage.builder("app", "1.0-r1").arch("aarch64").file("usr/bin/app", "aarch64\n").build())
        .write(mirror);
    Result update = run("lock", profile.toString(), "--cache-dir", cache(), "--update");
    assertThat(update.code).as(update.err).isZero();
    assertThat(update.out.lines().toList()).containsExactly("aarch64: upgraded app 1.0-r0 -> 1.0-r1",
        "aarch64: removed armlib 1.0-r0", "x86_64: upgraded app 1.0-r0 -> 1.0-r1");
  }

  @Test
  void anArchiveWhoseManifestDoesNotMatchItsDigestIsRefused() throws IOException {
    version1(tmp.resolve("v1"));
    Path good = tmp.resolve("good.tar");
    Result built = run("build", profile("one", tmp.resolve("v1")).toString(), "-o", good.toString(), "--cache-dir", cache(), "-q");
    assertThat(built.code).as(built.err).isZero();
    // The manifest index.json names, with one more package written into its layer list's JSON.
    Path bad = tmp.resolve("bad.tar");
    String manifest;
    try (InputStream in = Files.newInputStream(good); TarArchiveInputStream tar = new TarArchiveInputStream(in);
        var out = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(Files.newOutputStream(bad))) {
      manifest = null;
      TarArchiveEntry e;
      List<TarArchiveEntry> entries = new ArrayList<>();
      List<byte[]> bodies = new ArrayList<>();
      while ((e = tar.getNextEntry()) != null) {
        entries.add(e);
        bodies.add(tar.readAllBytes());
      }
      for (int i = 0; i < entries.size(); i++) {
        if (entries.get(i).getName().equals("index.json")) {
          manifest = new ObjectMapper().readTree(bodies.get(i)).path("manifests").get(0).path("digest").asText();
        }
      }
      for (int i = 0; i < entries.size(); i++) {
        byte[] body = bodies.get(i);
        if (entries.get(i).getName().equals("blobs/sha256/" + manifest.substring("sha256:".length()))) {
          body = new String(body, java.nio.charset.StandardCharsets.UTF_8).replace("\"size\"", " \"size\"")
              .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        TarArchiveEntry copy = new TarArchiveEntry(entries.get(i).getName());
        copy.setSize(body.length);
        out.putArchiveEntry(copy);
        out.write(body);
        out.closeArchiveEntry();
      }
    }
    Result r = run("diff", good.toString(), bad.toString(), "-q");
    assertThat(r.code).isEqualTo(1);
    assertThat(r.err.lines().toList()).containsExactly(
        "apkimg: error: image archive " + bad + ": blob " + manifest + " does not match its digest");
  }

  /** The layer: the largest blob of a one-layer image archive made here. */
  private static long largestBlob(Path archive) throws IOException {
    long largest = 0;
    try (InputStream in = Files.newInputStream(archive); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        if (e.getName().startsWith("blobs/")) {
          largest = Math.max(largest, e.getSize());
        }
      }
    }
    return largest;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
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
