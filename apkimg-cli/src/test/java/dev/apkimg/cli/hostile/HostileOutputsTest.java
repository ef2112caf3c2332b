package dev.apkimg.cli.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #9, outputs: a failed push is one line, quickly, and leaves no archive or metadata; output
 * files never follow a planted symlink, never replace the profile or a device; {@code -o -}.
 */
class HostileOutputsTest {
  @TempDir Path tmp;

  @Test
  void pushToAClosedPortFailsFastInOneLineAndLeavesNoOutputs() throws Exception {
    try (HostileBuild b = new HostileBuild(tmp.resolve("build"))) {
      String url = b.serve(new TestRepository(TestKeys.primary()).add(HostileBuild.pkg("busybox")));
      Path profile = b.profile(url, "busybox");
      String registry = "127.0.0.1:" + closedPort();
      ChildApkimg child = new ChildApkimg(Files.createDirectories(tmp.resolve("child")));
      for (boolean insecure : new boolean[] {true, false}) {
        ChildApkimg.Result r = child.run(Stream.of("build", profile.toString(), "-o", b.image().toString(),
            "--cache-dir", b.cache().toString(), "-q", "-k", b.keyFile().toString(),
            "--metadata-file", b.out().resolve("meta.json").toString(),
            "--digest-file", b.out().resolve("digest").toString(),
            "--push", registry + "/test/busybox:1", insecure ? "--allow-insecure-registry" : "--no-lockfile")
            .toArray(String[]::new));
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).as(r.toString()).isEmpty();
        assertThat(r.err().lines().toList()).as(r.toString()).hasSize(1);
        assertThat(r.err()).as(r.toString()).startsWith("apkimg: error: ").contains(registry).contains("nothing answers at " + registry)
            .doesNotContain("\u001b[").doesNotContain("SEVERE").doesNotContain("Exception");
        assertThat(r.waitedMillis()).as("a closed port fails fast; " + r).isLessThan(20_000);
        assertThat(list(b.out())).as("no archive, metadata or digest file after a failed push").isEmpty();
        assertThat(list(child.tmpDir())).as("no work folder in the temp dir").isEmpty();
      }
    }
  }

  static int closedPort() throws IOException {
    // A port that was just free: nothing listens there once the socket is closed.
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static java.util.List<String> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
