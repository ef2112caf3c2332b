package dev.apkimg.cli.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.apkimg.testing.BuiltApk;
import dev.apkimg.testing.EndlessGzip;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Hostile indexes (issue #9): names that would become paths, packages for another architecture,
 * indexes and downloads without end. Each is refused with one line naming the culprit.
 */
class HostileIndexTest {
  private static final Duration QUICKLY = Duration.ofSeconds(60);
  private static final String EVIL_ENTRY = "P:evil\nV:6.6-r0\nA:x86_64\n";

  @TempDir Path tmp;

  /** {@code app} depends on {@code evil}; the index entry of evil is what the cases edit. */
  private static TestRepository appAndEvil() {
    return new TestRepository(TestKeys.primary()).add(
        TestPackage.builder("app", "1.0-r0").arch("x86_64").depends("evil").file("usr/share/app.txt", "app\n").build(),
        TestPackage.builder("evil", "6.6-r0").arch("x86_64").file("usr/share/evil.txt", "evil\n").build());
  }

  @ParameterizedTest(name = "{0} signed={3}")
  @CsvSource({
      "P:, 'P:../../../evil\nV:6.6-r0\nA:x86_64\n', '../../../evil', true",
      "P:, 'P:sub/evil\nV:6.6-r0\nA:x86_64\n', 'sub/evil', true",
      "V:, 'P:evil\nV:6.6-r0/../../../../x\nA:x86_64\n', '6.6-r0/../../../../x', true",
      "A:, 'P:evil\nV:6.6-r0\nA:../../x86_64\n', '../../x86_64', true",
      "P:, 'P:../../../evil\nV:6.6-r0\nA:x86_64\n', '../../../evil', false",
      "V:, 'P:evil\nV:6.6-r0/../../../../x\nA:x86_64\n', '6.6-r0/../../../../x', false",
      "A:, 'P:evil\nV:6.6-r0\nA:../../x86_64\n', '../../x86_64', false"})
  void indexFieldsThatWouldBecomePathsAreRefused(String field, String entry, String value, boolean signed)
      throws IOException {
    try (HostileBuild b = new HostileBuild(tmp)) {
      TestRepository repo = appAndEvil().editIndex(text -> text.replace(EVIL_ENTRY, entry)
          .replace("D:evil\n", entry.startsWith("P:evil\n") ? "D:evil\n" : "D:" + value + "\n"));
      if (!signed) {
        repo.indexSignature(TestRepository.IndexSignature.UNSIGNED);
      }
      String url = b.serve(repo);
      Path profile = b.profile(url, "app");
      HostileBuild.Result r = signed ? b.build(profile) : b.build(profile, "--allow-untrusted");
      String error = signed ? b.assertRefused(r).actual() : refusedAfterTheUntrustedWarning(b, r);
      assertThat(error).contains(field).contains("'" + value + "'").contains(url + "/x86_64/APKINDEX.tar.gz");
      if (!field.equals("P:")) {
        assertThat(error).contains("package evil");
      }
      b.assertGoodBuildSucceeds(b.profile(b.serve(appAndEvil()), "app"));
    }
  }

  @Test
  void aPackageTheIndexSaysIsForAnotherArchIsRefused() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp)) {
      String url = b.serve(appAndEvil().editIndex(text -> text.replace(EVIL_ENTRY, "P:evil\nV:6.6-r0\nA:aarch64\n")));
      b.assertRefused(b.build(b.profile(url, "app"))).contains("evil-6.6-r0").contains(url)
          .contains("aarch64").contains("x86_64").contains("index A:");
      b.assertGoodBuildSucceeds(b.profile(b.serve(appAndEvil()), "app"));
    }
  }

  @Test
  void aPackageBuiltForAnotherArchIsRefusedThoughTheIndexSaysOtherwise() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp)) {
      TestPackage arm = TestPackage.builder("evil", "6.6-r0").arch("aarch64").file("usr/share/evil.txt", "arm\n")
          .build();
      String url = serveMoved(b, new TestRepository(TestKeys.primary()).add(arm)
          .editIndex(text -> text.replace("A:aarch64\n", "A:x86_64\n")), "aarch64");
      b.assertRefused(b.build(b.profile(url, "evil"))).contains("evil-6.6-r0").contains("evil-6.6-r0.apk")
          .contains(".PKGINFO arch").contains("aarch64").contains("x86_64");
      // noarch is for every architecture, as in apk.
      TestPackage any = TestPackage.builder("evil", "6.6-r0").arch("noarch").file("usr/share/evil.txt", "any\n")
          .build();
      b.assertGoodBuildSucceeds(b.profile(serveMoved(b, new TestRepository(TestKeys.primary()).add(any), "noarch"),
          "evil"));
    }
  }

  @Test
  void anEndlessUnsignedIndexIsRefusedAtOnceAndAtTheSizeLimitWithAllowUntrusted() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp);
         StreamingMirror mirror = new StreamingMirror(Files.createDirectories(tmp.resolve("empty")))) {
      mirror.stream("/alpine/main/x86_64/APKINDEX.tar.gz",
          () -> EndlessGzip.tarEntry("APKINDEX", "T:" + "x".repeat(200) + "\n"));
      String url = mirror.url() + "alpine/main";
      Path profile = b.profile(url, "app");

      assertTimeoutPreemptively(QUICKLY, () -> b.assertRefused(b.build(profile))
          .contains(url + "/x86_64/APKINDEX.tar.gz").contains("is not signed"));
      assertThat(mirror.sent()).as("bytes read before refusing an unsigned index").isLessThan(16L << 20);

      HostileBuild.Result r = assertTimeoutPreemptively(QUICKLY, () -> b.build(profile, "--allow-untrusted"));
      assertThat(refusedAfterTheUntrustedWarning(b, r)).contains(url + "/x86_64/APKINDEX.tar.gz")
          .contains("larger than 256 MiB");
      b.assertGoodBuildSucceeds(b.profile(b.serve(appAndEvil()), "app"));
    }
  }

  @Test
  void aMirrorSendingMoreThanTheIndexDeclaresIsCutOff() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp)) {
      Path dir = Files.createTempDirectory(tmp, "mirror");
      TestRepository.Written w = appAndEvil().write(dir.resolve("alpine/main"));
      BuiltApk evil = w.apk("x86_64", "evil");
      try (StreamingMirror mirror = new StreamingMirror(dir)) {
        // The signed control part the index vouches for, then a data stream that never ends.
        byte[] head = concat(evil.signatureMember(), evil.controlMember());
        mirror.stream("/alpine/main/x86_64/evil-6.6-r0.apk", () -> new SequenceInputStream(
            new ByteArrayInputStream(head), EndlessGzip.tarEntry("usr/share/evil.txt", "z")));
        String url = mirror.url() + "alpine/main";
        assertTimeoutPreemptively(QUICKLY, () -> b.assertRefused(b.build(b.profile(url, "app")))
            .contains(url + "/x86_64/evil-6.6-r0.apk").contains("more than the " + evil.size() + " bytes")
            .contains("S:"));
      }
      b.assertGoodBuildSucceeds(b.profile(b.serve(appAndEvil()), "app"));
    }
  }

  /**
   * With {@code --allow-untrusted} the accepted index's warning comes first: exit 1, that one
   * warning and one error line, and none of the debris {@link HostileBuild#assertRefused} forbids.
   */
  static String refusedAfterTheUntrustedWarning(HostileBuild b, HostileBuild.Result r) {
    assertThat(r.code()).as(r.toString()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    List<String> lines = r.err().lines().map(HostileBuild::withoutElapsed).toList();
    assertThat(lines).as(r.toString()).hasSize(2);
    assertThat(lines.get(0)).startsWith("apkimg: warning: index ").contains("is not signed");
    assertThat(lines.get(1)).startsWith("apkimg: error: ");
    assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception");
    b.assertNoDebris();
    return lines.get(1);
  }

  /** Serves a repository written for {@code from}'s folder from x86_64's, as a lying mirror would. */
  private static String serveMoved(HostileBuild b, TestRepository repo, String from) throws IOException {
    Path dir = Files.createTempDirectory(b.root(), "mirror");
    repo.write(dir.resolve("alpine/main"));
    Files.move(dir.resolve("alpine/main/" + from), dir.resolve("alpine/main/x86_64"));
    return b.serveDir(dir) + "alpine/main";
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] r = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
