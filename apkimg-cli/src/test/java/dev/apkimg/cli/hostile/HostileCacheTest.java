package dev.apkimg.cli.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.cli.ImageReader;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A hostile or damaged package cache (issue #9): a cached .apk replaced by another validly
 * signed package, truncated or garbage is verified on use, evicted with one warning and fetched
 * again, and the image holds the right files; cache paths never come from index text.
 */
class HostileCacheTest {
  @TempDir Path tmp;

  /** Ways a cached .apk goes wrong. */
  enum Damage {
    /** Another package, validly signed by the trusted key, same name and version, other content. */
    SWAPPED,
    /** Cut short in its data stream. */
    TRUNCATED,
    /** Not a package at all. */
    GARBAGE,
    /** Zero bytes, as a full disk leaves it. */
    EMPTY
  }

  private static TestPackage busybox(String content) {
    return TestPackage.builder("busybox", "1.0-r0").arch("x86_64")
        .dir("usr").dir("usr/share").file("usr/share/busybox.txt", content).build();
  }

  private static TestRepository good() {
    return new TestRepository(TestKeys.primary()).add(busybox("busybox content\n"));
  }

  @ParameterizedTest
  @EnumSource(Damage.class)
  void aDamagedCachedPackageIsEvictedAndFetchedAgainWithOneWarning(Damage damage) throws IOException {
    try (HostileBuild b = new HostileBuild(tmp)) {
      Path profile = b.profile(b.serve(good()), "busybox");
      b.assertGoodBuildSucceeds(profile);
      Path cached = onlyCachedApk(b);
      damage(cached, damage);

      HostileBuild.Result r = b.assertGoodBuildSucceeds(profile);
      assertThat(r.err().lines().map(HostileBuild::withoutElapsed).toList()).as(r.toString()).singleElement().asString()
          .startsWith("apkimg: warning: cached package busybox-1.0-r0 (" + cached + ")")
          .contains("fetched it again");
      assertThat(ImageReader.read(b.image()).get("usr/share/busybox.txt").text()).isEqualTo("busybox content\n");

      // Fetched again and verified: the next build uses it without a word.
      HostileBuild.Result quiet = b.assertGoodBuildSucceeds(profile);
      assertThat(quiet.err()).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(value = Damage.class, names = {"TRUNCATED", "GARBAGE", "EMPTY"})
  void damagedScanAndLayerRecordsAreNotUsedAndTheImageIsRight(Damage damage) throws IOException {
    try (HostileBuild b = new HostileBuild(tmp)) {
      Path profile = b.profile(b.serve(good()), "busybox");
      b.assertGoodBuildSucceeds(profile);
      byte[] image = Files.readAllBytes(b.image());
      List<Path> records;
      try (Stream<Path> s = Files.walk(b.cache())) {
        records = s.filter(Files::isRegularFile).filter(p -> p.startsWith(b.cache().resolve("layers"))
            || p.startsWith(b.cache().resolve("rootfs"))).toList();
      }
      assertThat(records).as("a scan record and a layer (with its meta file)").hasSize(3);
      for (Path r : records) {
        damage(r, damage);
      }

      HostileBuild.Result r = b.assertGoodBuildSucceeds(profile);
      assertThat(r.err()).as("derived records are rewritten without a word").isEmpty();
      assertThat(Files.readAllBytes(b.image())).isEqualTo(image);
      assertThat(ImageReader.read(b.image()).get("usr/share/busybox.txt").text()).isEqualTo("busybox content\n");
    }
  }

  @Test
  void aLockedBuildVerifiesTheCacheToo() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp)) {
      Path profile = b.profile(b.serve(good()), "busybox");
      HostileBuild.Result lock = b.run("lock", profile.toString(), "--cache-dir", b.cache().toString(), "-q",
          "-k", b.keyFile().toString());
      assertThat(lock.code()).as(lock.toString()).isZero();
      damage(onlyCachedApk(b), Damage.SWAPPED);

      HostileBuild.Result r = b.assertGoodBuildSucceeds(profile);
      assertThat(r.err().lines().map(HostileBuild::withoutElapsed).toList()).as(r.toString()).singleElement().asString()
          .startsWith("apkimg: warning: cached package busybox-1.0-r0 (");
      assertThat(ImageReader.read(b.image()).get("usr/share/busybox.txt").text()).isEqualTo("busybox content\n");
    }
  }

  @Test
  void whenTheRefetchFailsTheErrorNamesTheCacheFileAndTheNextGoodBuildSucceeds() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp)) {
      Path dir = Files.createTempDirectory(tmp, "mirror");
      good().write(dir.resolve("alpine/main"));
      Path profile = b.profile(b.serveDir(dir) + "alpine/main", "busybox");
      b.assertGoodBuildSucceeds(profile);
      Files.delete(b.image());
      Path cached = onlyCachedApk(b);
      damage(cached, Damage.TRUNCATED);
      Files.delete(dir.resolve("alpine/main/x86_64/busybox-1.0-r0.apk"));

      b.assertRefused(b.build(profile)).contains("busybox-1.0-r0.apk").contains("HTTP 404")
          .contains(cached.toString()).contains("removed from the cache");
      assertThat(cached).doesNotExist();
      b.assertGoodBuildSucceeds(b.profile(b.serve(good()), "busybox"));
    }
  }

  @Test
  void cachePathsAreDigestsWhateverTheIndexSays() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp)) {
      b.assertGoodBuildSucceeds(b.profile(b.serve(good()), "busybox"));
      String rel = b.cache().relativize(onlyCachedApk(b)).toString();
      assertThat(rel).matches("packages/[0-9a-f]{2}/[0-9a-f]{40}\\.apk").doesNotContain("busybox");
    }
  }

  private static void damage(Path cached, Damage how) throws IOException {
    byte[] bytes = Files.readAllBytes(cached);
    switch (how) {
      case SWAPPED -> Files.write(cached, busybox("evil content\n").build(TestKeys.primary()).bytes());
      case TRUNCATED -> Files.write(cached, Arrays.copyOf(bytes, bytes.length - 200));
      case GARBAGE -> Files.writeString(cached, "<html>mirror maintenance</html>\n");
      case EMPTY -> Files.write(cached, new byte[0]);
      default -> throw new IllegalStateException();
    }
  }

  private static Path onlyCachedApk(HostileBuild b) throws IOException {
    try (Stream<Path> s = Files.walk(b.cache().resolve("packages"))) {
      List<Path> apks = s.filter(p -> p.toString().endsWith(".apk")).toList();
      assertThat(apks).hasSize(1);
      return apks.get(0);
    }
  }

  private static byte[] blob(Map<String, byte[]> files, String digest) {
    byte[] b = files.get("blobs/" + digest.replace(':', '/'));
    assertThat(b).as("blob " + digest).isNotNull();
    return b;
  }
}
