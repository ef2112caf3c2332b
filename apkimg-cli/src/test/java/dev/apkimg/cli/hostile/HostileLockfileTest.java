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
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A build from a lockfile reads no index, so no {@code S:} bounds its downloads: the lockfile's
 * own {@code size} does, and a mirror that sends more (without end, or a padded file) is cut off
 * there, long before the pinned checksums could be compared. A lockfile without sizes (an older
 * apkimg's) still builds, capped at 1 GiB a package, with one warning.
 */
class HostileLockfileTest {
  private static final Duration QUICKLY = Duration.ofSeconds(60);
  private static final String EVIL = "/alpine/main/x86_64/evil-6.6-r0.apk";

  @TempDir Path tmp;

  /** {@code app} depends on {@code evil}, whose download the cases make hostile once it is locked. */
  private static TestRepository appAndEvil() {
    return new TestRepository(TestKeys.primary()).add(
        TestPackage.builder("app", "1.0-r0").arch("x86_64").depends("evil").file("usr/share/app.txt", "app\n").build(),
        TestPackage.builder("evil", "6.6-r0").arch("x86_64").file("usr/share/evil.txt", "evil\n").build());
  }

  /** A served mirror of app and evil, a profile for it, and that profile locked (with a cache of its own). */
  private record Locked(StreamingMirror mirror, String url, Path profile, Path lockfile, BuiltApk evil) {}

  private Locked lock(HostileBuild b) throws IOException {
    Path dir = Files.createTempDirectory(tmp, "mirror");
    TestRepository.Written w = appAndEvil().write(dir.resolve("alpine/main"));
    StreamingMirror mirror = new StreamingMirror(dir);
    String url = mirror.url() + "alpine/main";
    Path profile = b.profile(url, "app");
    HostileBuild.Result r = b.run("lock", profile.toString(), "--cache-dir", tmp.resolve("lock-cache").toString(),
        "-k", b.keyFile().toString());
    assertThat(r.code()).as(r.toString()).isZero();
    Path lockfile = Path.of(profile.toString().replaceFirst("\\.yaml$", ".lock.json"));
    assertThat(lockfile).isRegularFile();
    return new Locked(mirror, url, profile, lockfile, w.apk("x86_64", "evil"));
  }

  /** The signed control part the lockfile's checksum vouches for, then {@code rest}. */
  private static InputStream headThen(BuiltApk apk, InputStream rest) {
    return new SequenceInputStream(new ByteArrayInputStream(apk.signatureMember()),
        new SequenceInputStream(new ByteArrayInputStream(apk.controlMember()), rest));
  }

  @Test
  void aMirrorSendingAPinnedPackageWithoutEndIsCutOffAtThePinnedSize() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp)) {
      Locked l = lock(b);
      try (StreamingMirror mirror = l.mirror()) {
        assertThat(Files.readString(l.lockfile())).contains("\"size\" : " + l.evil().size());
        mirror.stream(EVIL, () -> headThen(l.evil(), EndlessGzip.tarEntry("usr/share/evil.txt", "z")));
        assertTimeoutPreemptively(QUICKLY, () -> b.assertRefused(b.build(l.profile())))
            .isEqualTo("apkimg: error: package evil-6.6-r0 from " + l.url() + "/x86_64/evil-6.6-r0.apk is invalid:"
                + " the mirror sent more than the " + l.evil().size() + " bytes that " + l.lockfile()
                + " pins for it (size)");
        assertThat(mirror.sent()).as("bytes sent before the download was cut off").isLessThan(16L << 20);
        assertThat(cachedEvil(b)).as("cache entries of evil").isEmpty();

        // The same mirror serving the package again: the same lockfile builds.
        mirror.stream(EVIL, () -> new ByteArrayInputStream(l.evil().bytes()));
        b.assertGoodBuildSucceeds(l.profile());
      }
    }
  }

  @Test
  void aPinnedPackagePaddedByOneByteIsRefused() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp)) {
      Locked l = lock(b);
      try (StreamingMirror mirror = l.mirror()) {
        byte[] padded = Arrays.copyOf(l.evil().bytes(), l.evil().bytes().length + 1);
        mirror.stream(EVIL, () -> new ByteArrayInputStream(padded));
        b.assertRefused(b.build(l.profile())).contains("evil-6.6-r0").contains(l.url() + "/x86_64/evil-6.6-r0.apk")
            .contains("more than the " + l.evil().size() + " bytes that " + l.lockfile() + " pins for it (size)");
        assertThat(cachedEvil(b)).isEmpty();
      }
    }
  }

  @Test
  void aLockfileWithoutSizesIsCappedAt1GiBAfterOneWarning() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp)) {
      Locked l = lock(b);
      try (StreamingMirror mirror = l.mirror()) {
        Files.writeString(l.lockfile(), Files.readString(l.lockfile()).replaceAll("\"size\" : \\d+,", ""));
        assertThat(Files.readString(l.lockfile())).doesNotContain("size");
        // Not gzip, not inflated: raw bytes, as fast as the loopback carries them, and never ending.
        mirror.stream(EVIL, () -> headThen(l.evil(), new Zeros()));
        HostileBuild.Result r = assertTimeoutPreemptively(Duration.ofSeconds(180), () -> b.build(l.profile()));
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines().map(HostileBuild::withoutElapsed).toList()).as(r.toString()).containsExactly(
            "apkimg: warning: " + unsizedWarning(l.lockfile()),
            "apkimg: error: package evil-6.6-r0 from " + l.url() + "/x86_64/evil-6.6-r0.apk is invalid: the mirror"
                + " sent more than the 1073741824 bytes (1024 MiB) apkimg accepts for a package whose size "
                + l.lockfile() + " does not record; run apkimg lock again to record sizes");
        assertThat(mirror.sent()).as("bytes sent before the download was cut off").isBetween(1L << 30, (1L << 30) + (64L << 20));
        b.assertNoDebris();
        assertThat(cachedEvil(b)).isEmpty();
      }
    }
  }

  @Test
  void aLockfileWithoutSizesStillBuildsWithOneWarning() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp)) {
      Locked l = lock(b);
      try (StreamingMirror mirror = l.mirror()) {
        Files.writeString(l.lockfile(), Files.readString(l.lockfile()).replaceAll("\"size\" : \\d+,", ""));
        HostileBuild.Result r = b.assertGoodBuildSucceeds(l.profile());
        assertThat(r.err().lines().map(HostileBuild::withoutElapsed).toList())
            .containsExactly("apkimg: warning: " + unsizedWarning(l.lockfile()));
      }
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "0 | size 0 is not a package size (1 to 4294967296 bytes); write it again with apkimg lock",
      "-1 | size -1 is not a package size (1 to 4294967296 bytes); write it again with apkimg lock",
      "4294967297 | size 4294967297 is not a package size (1 to 4294967296 bytes); write it again with apkimg lock",
      "1.5 | (at archs.x86_64.packages[0].size); write it again with apkimg lock",
      "'\"big\"' | (at archs.x86_64.packages[0].size); write it again with apkimg lock"})
  void aLockfileSizeThatIsNoPackageSizeIsRefusedInOneLine(String size, String message) throws IOException {
    try (HostileBuild b = new HostileBuild(tmp)) {
      Locked l = lock(b);
      try (StreamingMirror mirror = l.mirror()) {
        String json = Files.readString(l.lockfile());
        String evilSize = "\"size\" : " + l.evil().size() + ",";
        assertThat(json).contains(evilSize);
        Files.writeString(l.lockfile(), json.replace(evilSize, "\"size\" : " + size + ","));
        b.assertRefused(b.build(l.profile())).startsWith("apkimg: error: lockfile " + l.lockfile())
            .endsWith(message);
        assertThat(mirror.sent()).isZero();
      }
    }
  }

  private static String unsizedWarning(Path lockfile) {
    return "lockfile " + lockfile + " records no size for 2 of 2 packages (it was written by an older apkimg):"
        + " their downloads are capped at 1024 MiB each instead of their exact sizes; run apkimg lock again to record"
        + " them";
  }

  /** The cache's files for evil, whole or partial. */
  private static List<Path> cachedEvil(HostileBuild b) throws IOException {
    if (!Files.exists(b.cache())) {
      return List.of();
    }
    try (var s = Files.walk(b.cache())) {
      return s.filter(p -> p.getFileName().toString().contains("evil")).toList();
    }
  }

  /** Zero bytes without end. */
  private static final class Zeros extends InputStream {
    @Override
    public int read() {
      return 0;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      Arrays.fill(b, off, off + len, (byte) 0);
      return len;
    }
  }
}
