package dev.apkimg.cli.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness itself: it must notice debris, or every hostile test could pass vacuously. */
class HostileBuildTest {
  @TempDir Path tmp;

  @Test
  void aGoodBuildPassesAndATamperedIndexIsRefusedCleanly() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp)) {
      String bad = b.serve(new TestRepository(TestKeys.primary()).add(HostileBuild.pkg("busybox"))
          .indexSignature(TestRepository.IndexSignature.CORRUPT));
      b.assertRefused(b.build(b.profile(bad, "busybox"))).contains("APKINDEX.tar.gz");
      String good = b.serve(new TestRepository(TestKeys.primary()).add(HostileBuild.pkg("busybox")));
      b.assertGoodBuildSucceeds(b.profile(good, "busybox"));
    }
  }

  @Test
  void debrisOutsideTheOutputAndCacheIsNoticed() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp)) {
      HostileBuild.Result r = b.run("--version");
      Files.writeString(b.root().resolve("escaped"), "x");
      assertThatThrownBy(b::assertNoDebris).hasMessageContaining("escaped");
    }
  }

  @Test
  void aPartFileInTheCacheIsNoticed() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp)) {
      b.run("--version");
      Files.createDirectories(b.cache().resolve("packages"));
      Files.writeString(b.cache().resolve("packages/x.apk.part"), "x");
      assertThatThrownBy(b::assertNoDebris).hasMessageContaining("x.apk.part");
      assertThat(b.out()).isDirectory();
    }
  }
}
