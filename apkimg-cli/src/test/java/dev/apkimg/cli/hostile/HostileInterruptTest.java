package dev.apkimg.cli.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.apkimg.testing.TestPackage;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #9, interrupts: the CLI in a child JVM, stopped by a signal while a mirror stalls in the
 * middle of a package. It must exit 130 (SIGINT) or 143 (SIGTERM) with one line, and leave no
 * work folder beside the output or in the temp folder, no {@code .part} file in the cache and no
 * output; the next build with the same cache succeeds.
 */
class HostileInterruptTest {
  @TempDir Path tmp;

  @ParameterizedTest(name = "SIG{0} -> exit {1}")
  @CsvSource({"INT, 130", "TERM, 143"})
  void aSignalDuringADownloadRemovesTheWorkFolderAndThePartFile(String signal, int exitCode) throws Exception {
    try (HostileBuild b = new HostileBuild(tmp.resolve("build"))) {
      Path mirror = b.root().resolve("mirror");
      new TestRepository(TestKeys.primary()).add(HostileBuild.pkg("busybox")).write(mirror.resolve("alpine/main"));
      Path profile;
      ChildApkimg child = new ChildApkimg(Files.createDirectories(tmp.resolve("child")));
      ChildApkimg.Result r;
      try (LoopbackHttpServer server = LoopbackHttpServer.serve(mirror).stallOn(p -> p.endsWith(".apk"))) {
        profile = b.profile(server.url() + "alpine/main", "busybox");
        ChildApkimg.Started started = child.start("build", profile.toString(), "-o", b.image().toString(),
            "--cache-dir", b.cache().toString(), "-q", "-k", b.keyFile().toString());
        // Mid-download: the partial file is in the cache and the work folder beside the output.
        awaitTrue(() -> !find(b.cache(), ".part").isEmpty() && !find(b.out(), ".apkimg-").isEmpty(), started);
        started.signal(signal);
        r = started.waitFor(30);
      }

      assertThat(r.code()).as(r.toString()).isEqualTo(exitCode);
      assertThat(r.out()).as(r.toString()).isEmpty();
      assertThat(r.err().lines().toList()).as(r.toString())
          .containsExactly("apkimg: error: interrupted; the temporary files of this run were removed");
      assertThat(HostileOutputsTest.list(b.out())).as("output folder: no archive, no work folder").isEmpty();
      assertThat(find(b.cache(), ".part")).as("partial downloads in the cache").isEmpty();
      assertThat(HostileOutputsTest.list(child.tmpDir())).as("work folders in the temp folder").isEmpty();

      String good = b.serve(new TestRepository(TestKeys.primary()).add(HostileBuild.pkg("busybox")));
      b.assertGoodBuildSucceeds(b.profile(good, "busybox"));
    }
  }

  @Test
  void aSignalWhileTheLayerIsWrittenRemovesTheWorkFolder() throws Exception {
    try (HostileBuild b = new HostileBuild(tmp.resolve("build"))) {
      // 48 MiB that do not compress: the layer takes a while to write, long enough to be caught.
      byte[] big = new byte[48 << 20];
      new Random(9).nextBytes(big);
      String url = b.serve(new TestRepository(TestKeys.primary()).add(TestPackage.builder("big", "1.0-r0")
          .arch("x86_64").dir("usr").dir("usr/share").file("usr/share/big.bin", big).build()));
      big = null;
      Path profile = b.profile(url, "big");
      ChildApkimg child = new ChildApkimg(Files.createDirectories(tmp.resolve("child")));
      ChildApkimg.Started started = child.start("build", profile.toString(), "-o", b.image().toString(),
          "--cache-dir", b.cache().toString(), "-q", "-k", b.keyFile().toString());
      // The package is in the cache and the layer is being written (its temporary file exists:
      // waiting for the finished layer instead raced with the end of the build on a busy machine).
      awaitTrue(() -> !find(b.out(), ".layer").isEmpty(), started);
      started.signal("INT");
      ChildApkimg.Result r = started.waitFor(30);

      assertThat(r.code()).as(r.toString()).isEqualTo(130);
      assertThat(r.err().lines().toList()).as(r.toString())
          .containsExactly("apkimg: error: interrupted; the temporary files of this run were removed");
      assertThat(HostileOutputsTest.list(b.out())).as("output folder: no archive, no work folder").isEmpty();
      assertThat(find(b.cache(), ".part")).isEmpty();
      assertThat(find(b.cache(), ".apk")).as("the finished download stays in the cache").hasSize(1);
      assertThat(HostileOutputsTest.list(child.tmpDir())).as("work folders in the temp folder").isEmpty();
    }
  }

  /** Waits (at most 60 s) until {@code condition} holds, failing early if the child has exited. */
  private static void awaitTrue(BooleanSupplier condition, ChildApkimg.Started started) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (!started.process().isAlive()) {
        throw new AssertionError("apkimg exited before the stall: " + started.waitFor(1));
      }
      if (System.nanoTime() > deadline) {
        started.process().destroyForcibly();
        throw new AssertionError("the build never reached the expected step");
      }
      Thread.sleep(5);
    }
  }

  /** Paths under {@code dir} whose file name contains {@code part}. */
  private static List<Path> find(Path dir, String part) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> p.getFileName().toString().contains(part)).toList();
    } catch (IOException | UncheckedIOException e) {
      return List.of(); // the build is creating and deleting files meanwhile
    }
  }
}
