package dev.apkimg.cli.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hung, stalling, flaky and redirecting mirrors (issue #9): a mirror that does not answer or
 * stalls fails within the read timeout with one line naming the URL; transient failures (503,
 * a connection dropped before any byte) are tried again and the build succeeds; redirects are
 * bounded. Timeouts are set short ({@code --read-timeout 1}), so no test waits long.
 */
@Timeout(60)
class HostileNetworkTest {
  private static final String INDEX = "/alpine/main/x86_64/APKINDEX.tar.gz";
  private static final String PACKAGE = "/alpine/main/x86_64/busybox-1.0-r0.apk";

  @TempDir Path tmp;

  /** A mirror of busybox served by a scriptable server, closed by the test. */
  private static LoopbackHttpServer mirror(HostileBuild b) throws IOException {
    Path dir = Files.createTempDirectory(b.root(), "mirror");
    new TestRepository(TestKeys.primary()).add(HostileBuild.pkg("busybox")).write(dir.resolve("alpine/main"));
    return LoopbackHttpServer.serve(dir);
  }

  private static String repo(LoopbackHttpServer server) {
    return server.url() + "alpine/main";
  }

  private static Duration since(long start) {
    return Duration.ofNanos(System.nanoTime() - start);
  }

  @Test
  void aMirrorThatNeverAnswersFailsAfterTheReadTimeoutNamingTheUrl() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp); LoopbackHttpServer server = mirror(b)) {
      server.script(INDEX, LoopbackHttpServer.noAnswer());
      Path profile = b.profile(repo(server), "busybox");
      long start = System.nanoTime();
      b.assertRefused(b.build(profile, "--read-timeout", "1"))
          .isEqualTo("apkimg: error: cannot download " + repo(server) + "/x86_64/APKINDEX.tar.gz: no response within 1 s"
              + " (is the mirror reachable? point the build at another mirror)");
      assertThat(since(start)).isLessThan(Duration.ofSeconds(10));
      b.assertGoodBuildSucceeds(profile, "--read-timeout", "1");
    }
  }

  @Test
  void aMirrorThatStallsMidPackageFailsAfterTheReadTimeoutNamingTheUrl() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp); LoopbackHttpServer server = mirror(b)) {
      server.script(PACKAGE, LoopbackHttpServer.stallAfter(300));
      Path profile = b.profile(repo(server), "busybox");
      long start = System.nanoTime();
      b.assertRefused(b.build(profile, "--read-timeout", "1"))
          .startsWith("apkimg: error: ")
          .contains(repo(server) + "/x86_64/busybox-1.0-r0.apk")
          .contains("no data for 1 s after 300 bytes");
      assertThat(since(start)).isLessThan(Duration.ofSeconds(10));
      b.assertGoodBuildSucceeds(profile, "--read-timeout", "1");
    }
  }

  @Test
  void aMirrorThatStallsMidIndexFailsAfterTheReadTimeoutNamingTheUrl() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp); LoopbackHttpServer server = mirror(b)) {
      server.script(INDEX, LoopbackHttpServer.stallAfter(100));
      Path profile = b.profile(repo(server), "busybox");
      long start = System.nanoTime();
      b.assertRefused(b.build(profile, "--read-timeout", "1"))
          .contains(repo(server) + "/x86_64/APKINDEX.tar.gz")
          .contains("no data for 1 s after 100 bytes");
      assertThat(since(start)).isLessThan(Duration.ofSeconds(10));
    }
  }

  @Test
  void theTimeoutsAreDocumentedInTheHelpAndNonsenseIsRefused() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp); LoopbackHttpServer server = mirror(b)) {
      HostileBuild.Result help = b.run("build", "--help");
      assertThat(help.out()).contains("--read-timeout=SECONDS", "--connect-timeout=SECONDS", "APKIMG_READ_TIMEOUT");
      HostileBuild.Result bad = b.run("build", b.profile(repo(server), "busybox").toString(), "-o", b.image().toString(),
          "--read-timeout", "0");
      assertThat(bad.code()).isEqualTo(2);
      assertThat(bad.err()).contains("--read-timeout (or $APKIMG_READ_TIMEOUT) must be more than 0");
    }
  }

  @Test
  void aMirrorThatAnswers503TwiceThenServesGivesASuccessfulBuild() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp); LoopbackHttpServer server = mirror(b)) {
      server.script(INDEX, LoopbackHttpServer.status(503), LoopbackHttpServer.status(503));
      server.script(PACKAGE, LoopbackHttpServer.status(502), LoopbackHttpServer.status(504));
      HostileBuild.Result r = b.assertGoodBuildSucceeds(b.profile(repo(server), "busybox"));
      assertThat(r.err()).isEmpty();
      assertThat(server.requestedPaths()).containsExactly(INDEX, INDEX, INDEX, PACKAGE, PACKAGE, PACKAGE);
    }
  }

  @Test
  void aMirrorThatKeepsAnswering503FailsAfterThreeAttemptsNamingTheUrl() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp); LoopbackHttpServer server = mirror(b)) {
      server.script(INDEX, LoopbackHttpServer.status(503), LoopbackHttpServer.status(503), LoopbackHttpServer.status(503));
      Path profile = b.profile(repo(server), "busybox");
      b.assertRefused(b.build(profile)).isEqualTo("apkimg: error: cannot download " + repo(server)
          + "/x86_64/APKINDEX.tar.gz: HTTP 503 (tried 3 times) (is the mirror reachable? point the build at another mirror)");
      assertThat(server.requests()).hasSize(3);
      b.assertGoodBuildSucceeds(profile);
    }
  }

  @Test
  void aConnectionDroppedBeforeAnyByteOfThePackageIsTriedAgain() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp); LoopbackHttpServer server = mirror(b)) {
      server.script(PACKAGE, LoopbackHttpServer.dropAfter(0));
      b.assertGoodBuildSucceeds(b.profile(repo(server), "busybox"));
      assertThat(server.requestedPaths()).containsExactly(INDEX, PACKAGE, PACKAGE);
    }
  }

  @Test
  void aConnectionDroppedMidPackageFailsNamingTheUrlAndTheNextBuildSucceeds() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp); LoopbackHttpServer server = mirror(b)) {
      server.script(PACKAGE, LoopbackHttpServer.dropAfter(300));
      Path profile = b.profile(repo(server), "busybox");
      b.assertRefused(b.build(profile)).contains(repo(server) + "/x86_64/busybox-1.0-r0.apk")
          .contains("the connection broke after 300 bytes");
      b.assertGoodBuildSucceeds(profile);
    }
  }

  @Test
  void aMirrorThatRefusesConnectionsIsTriedThreeTimesThenNamed() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    try (HostileBuild b = new HostileBuild(tmp)) {
      String url = "http://127.0.0.1:" + port + "/alpine/main";
      b.assertRefused(b.build(b.profile(url, "busybox"))).isEqualTo("apkimg: error: cannot download " + url
          + "/x86_64/APKINDEX.tar.gz: connection refused (tried 3 times) (is the mirror reachable? point the build at another mirror)");
    }
  }

  @Test
  void aRedirectToAnotherMirrorIsFollowedButARedirectLoopIsRefused() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp); LoopbackHttpServer server = mirror(b);
        LoopbackHttpServer front = LoopbackHttpServer.serve(Files.createTempDirectory(b.root(), "front"))) {
      front.script(INDEX, LoopbackHttpServer.redirect(302, server.url() + INDEX.substring(1)));
      front.script(PACKAGE, LoopbackHttpServer.redirect(301, server.url() + PACKAGE.substring(1)));
      Path profile = b.profile(repo(front), "busybox");
      b.assertGoodBuildSucceeds(profile);
      assertThat(server.requestedPaths()).containsExactly(INDEX, PACKAGE);

      for (int i = 0; i < 10; i++) {
        front.script(INDEX, LoopbackHttpServer.redirect(307, INDEX));
      }
      Files.delete(b.image());
      b.assertRefused(b.build(profile)).isEqualTo("apkimg: error: cannot download " + repo(front)
          + "/x86_64/APKINDEX.tar.gz: more than 5 redirects (the last to " + repo(front) + "/x86_64/APKINDEX.tar.gz)"
          + " (is the mirror reachable? point the build at another mirror)");
    }
  }
}
