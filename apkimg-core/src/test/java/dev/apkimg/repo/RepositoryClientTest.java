package dev.apkimg.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.LoopbackHttpServer.Received;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP rules of issue #9: bounded waits, bounded retries, safe redirects, credentials to their host only. */
@Timeout(30)
class RepositoryClientTest {
  private static final Duration SHORT = Duration.ofMillis(700);

  @TempDir Path dir;
  private byte[] content;

  /** Short timeouts and pauses, so no test waits long. */
  private static RepositoryClient client() {
    return new RepositoryClient(RepositoryClient.Settings.defaults().withConnectTimeout(SHORT).withReadTimeout(SHORT)
        .withAttempts(3, Duration.ofMillis(50), Duration.ofMillis(200)));
  }

  @BeforeEach
  void writeFile() throws IOException {
    content = new byte[200_000];
    new Random(9).nextBytes(content);
    Files.write(dir.resolve("file.bin"), content);
  }

  private static byte[] readAll(RepositoryClient client, URI uri) throws IOException {
    try (InputStream in = client.open(uri)) {
      return in.readAllBytes();
    }
  }

  @Test
  void theDefaultsAreTenSecondsToConnectAndThirtyWithoutData() {
    RepositoryClient.Settings s = new RepositoryClient().settings();
    assertThat(s.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.readTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.attempts()).isEqualTo(3);
  }

  @Test
  void aServerThatNeverAnswersFailsAfterTheReadTimeoutNamingTheUrl() throws IOException {
    try (LoopbackHttpServer server = LoopbackHttpServer.serve(dir)) {
      server.script("/file.bin", LoopbackHttpServer.noAnswer());
      URI uri = URI.create(server.url() + "file.bin");
      long start = System.nanoTime();
      assertThatThrownBy(() -> readAll(client(), uri)).isInstanceOf(RepositoryException.class)
          .hasMessage("cannot download " + uri + ": no response within 0.7 s");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      assertThat(server.requests()).hasSize(1); // a hung mirror is not asked again
    }
  }

  @Test
  void aServerThatNeverAcceptsTheConnectionFailsAfterTheConnectTimeout() throws IOException {
    // A listening socket whose accept queue is full: further connection attempts get no answer.
    try (ServerSocket full = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      List<Socket> queued = new ArrayList<>();
      try {
        for (int i = 0; i < 8; i++) {
          Socket s = new Socket();
          try {
            s.connect(full.getLocalSocketAddress(), 200);
            queued.add(s);
          } catch (IOException e) {
            s.close(); // the queue is full: what the client will meet
            break;
          }
        }
        URI uri = URI.create("http://127.0.0.1:" + full.getLocalPort() + "/x86_64/APKINDEX.tar.gz");
        long start = System.nanoTime();
        assertThatThrownBy(() -> readAll(client(), uri)).isInstanceOf(RepositoryException.class)
            .hasMessage("cannot download " + uri + ": no connection within 0.7 s");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      } finally {
        for (Socket s : queued) {
          s.close();
        }
      }
    }
  }

  @Test
  void aServerThatStallsMidBodyFailsTheReadAfterTheReadTimeout() throws IOException {
    try (LoopbackHttpServer server = LoopbackHttpServer.serve(dir)) {
      server.script("/file.bin", LoopbackHttpServer.stallAfter(100_000));
      URI uri = URI.create(server.url() + "file.bin");
      long start = System.nanoTime();
      try (InputStream in = client().open(uri)) {
        assertThatThrownBy(in::readAllBytes).isInstanceOf(RepositoryException.class)
            .hasMessageStartingWith("cannot download " + uri + ": no data for 0.7 s after ")
            .hasMessageEndingWith("(the server stalled)");
      }
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
  }

  @Test
  void aSlowButSteadyBodyIsNotAStallEvenWhenItTakesLongerThanTheTimeout() throws IOException {
    try (LoopbackHttpServer server = LoopbackHttpServer.serve(dir)) {
      server.script("/file.bin", LoopbackHttpServer.slowly(40_000, Duration.ofMillis(350)));
      assertThat(readAll(client(), URI.create(server.url() + "file.bin"))).isEqualTo(content); // ~1.4 s in all
    }
  }

  @Test
  void http503TwiceThenTheFileIsServed() throws IOException {
    try (LoopbackHttpServer server = LoopbackHttpServer.serve(dir)) {
      server.script("/file.bin", LoopbackHttpServer.status(503), LoopbackHttpServer.status(503));
      assertThat(readAll(client(), URI.create(server.url() + "file.bin"))).isEqualTo(content);
      assertThat(server.requestedPaths()).containsExactly("/file.bin", "/file.bin", "/file.bin");
    }
  }

  @Test
  void everyTransientStatusIsTriedAgain() throws IOException {
    try (LoopbackHttpServer server = LoopbackHttpServer.serve(dir)) {
      server.script("/file.bin", LoopbackHttpServer.status(500), LoopbackHttpServer.status(502));
      assertThat(readAll(client(), URI.create(server.url() + "file.bin"))).isEqualTo(content);
      server.script("/file.bin", LoopbackHttpServer.status(504), LoopbackHttpServer.status(429, Duration.ofSeconds(0)));
      assertThat(readAll(client(), URI.create(server.url() + "file.bin"))).isEqualTo(content);
      assertThat(server.requests()).hasSize(6);
    }
  }

  @Test
  void attemptsAreBoundedAndTheErrorSaysHowOftenItWasTried() throws IOException {
    try (LoopbackHttpServer server = LoopbackHttpServer.serve(dir)) {
      server.script("/file.bin", LoopbackHttpServer.status(503), LoopbackHttpServer.status(503),
          LoopbackHttpServer.status(503), LoopbackHttpServer.status(503));
      URI uri = URI.create(server.url() + "file.bin");
      RepositoryException e = catchThrowableOfType(() -> readAll(client(), uri), RepositoryException.class);
      assertThat(e).hasMessage("cannot download " + uri + ": HTTP 503 (tried 3 times)");
      assertThat(e.isTransient()).isTrue();
      assertThat(e.isNotFound()).isFalse();
      assertThat(server.requests()).hasSize(3);
    }
  }

  @Test
  void notFoundIsNotTriedAgain() throws IOException {
    try (LoopbackHttpServer server = LoopbackHttpServer.serve(dir)) {
      URI uri = URI.create(server.url() + "missing.bin");
      RepositoryException e = catchThrowableOfType(() -> readAll(client(), uri), RepositoryException.class);
      assertThat(e).hasMessage("cannot download " + uri + ": HTTP 404");
      assertThat(e.isNotFound()).isTrue();
      assertThat(server.requests()).hasSize(1);
    }
  }

  @Test
  void aConnectionDroppedBeforeAnyByteReachedTheCallerIsTriedAgain() throws IOException {
    try (LoopbackHttpServer server = LoopbackHttpServer.serve(dir)) {
      server.script("/file.bin", LoopbackHttpServer.dropAfter(0), LoopbackHttpServer.dropAfter(0));
      assertThat(readAll(client(), URI.create(server.url() + "file.bin"))).isEqualTo(content);
      assertThat(server.requests()).hasSize(3);
    }
  }

  @Test
  void aConnectionDroppedAfterTheCallerReadPartOfTheBodyFailsTheReadNamingTheUrl() throws IOException {
    try (LoopbackHttpServer server = LoopbackHttpServer.serve(dir)) {
      server.script("/file.bin", LoopbackHttpServer.dropAfter(120_000));
      URI uri = URI.create(server.url() + "file.bin");
      try (InputStream in = client().open(uri)) {
        assertThatThrownBy(in::readAllBytes).isInstanceOf(RepositoryException.class)
            .hasMessageStartingWith("cannot download " + uri + ": the connection ");
      }
      assertThat(server.requests()).hasSize(1);
    }
  }

  @Test
  void aRefusedConnectionIsTriedAgainThenNamed() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    URI uri = URI.create("http://127.0.0.1:" + port + "/x86_64/APKINDEX.tar.gz");
    RepositoryException e = catchThrowableOfType(() -> readAll(client(), uri), RepositoryException.class);
    assertThat(e).hasMessage("cannot download " + uri + ": connection refused (tried 3 times)");
  }

  @Test
  void redirectsAreFollowedAFewTimesButNotForever() throws IOException {
    try (LoopbackHttpServer server = LoopbackHttpServer.serve(dir)) {
      server.script("/a", LoopbackHttpServer.redirect(301, "/b"));
      server.script("/b", LoopbackHttpServer.redirect(302, server.url() + "file.bin"));
      assertThat(readAll(client(), URI.create(server.url() + "a"))).isEqualTo(content);

      for (int i = 0; i < 10; i++) {
        server.script("/loop", LoopbackHttpServer.redirect(307, "/loop"));
      }
      server.clearLog();
      URI loop = URI.create(server.url() + "loop");
      assertThatThrownBy(() -> readAll(client(), loop)).isInstanceOf(RepositoryException.class)
          .hasMessage("cannot download " + loop + ": more than 5 redirects (the last to " + loop + ")");
      assertThat(server.requests()).hasSize(6);
    }
  }

  @Test
  void aRedirectFromHttpsToPlainHttpIsRefused() {
    URI from = URI.create("https://mirror.example/alpine/main/x86_64/APKINDEX.tar.gz");
    assertThatThrownBy(() -> RepositoryClient.redirectTarget(from, from, 302, java.util.Optional.of("http://mirror.example/x")))
        .isInstanceOf(RepositoryException.class)
        .hasMessage("cannot download " + from + ": redirect to http://mirror.example/x refused: it would leave https for plain http");
    assertThatThrownBy(() -> RepositoryClient.redirectTarget(from, from, 302, java.util.Optional.of("file:///etc/passwd")))
        .hasMessageContaining("only http(s) URLs are followed");
  }

  @Test
  void credentialsInTheUrlAreSentAsBasicAuthAndNeverShown() throws IOException {
    try (LoopbackHttpServer server = LoopbackHttpServer.serve(dir)) {
      server.requireBasicAuth("ci", "s3cr3t:p@ss");
      URI withCredentials = URI.create(server.url().replace("http://", "http://ci:s3cr3t%3Ap%40ss@") + "file.bin");
      assertThat(readAll(client(), withCredentials)).isEqualTo(content);
      assertThat(server.received().get(0).authorization()).isEqualTo("Basic Y2k6czNjcjN0OnBAc3M="); // ci:s3cr3t:p@ss

      URI wrong = URI.create(server.url().replace("http://", "http://ci:wrong-password@") + "missing.bin");
      RepositoryException e = catchThrowableOfType(() -> readAll(client(), wrong), RepositoryException.class);
      assertThat(e).hasMessage("cannot download " + server.url() + "missing.bin: HTTP 401 (the user and password in the URL were refused)");
      assertThat(e.uri().toString()).doesNotContain("wrong-password");
    }
  }

  @Test
  void credentialsAreNotForwardedAfterARedirectToAnotherHost() throws IOException {
    try (LoopbackHttpServer mirror = LoopbackHttpServer.serve(dir); LoopbackHttpServer other = LoopbackHttpServer.serve(dir)) {
      String elsewhere = other.url().replace("127.0.0.1", "localhost") + "file.bin";
      mirror.script("/file.bin", LoopbackHttpServer.redirect(302, elsewhere));
      Credentials credentials = new Credentials("ci", "s3cr3t");
      assertThat(readAll(client(), URI.create(mirror.url() + "file.bin"))).isEqualTo(content);
      mirror.script("/file.bin", LoopbackHttpServer.redirect(302, elsewhere));
      try (InputStream in = client().open(URI.create(mirror.url() + "file.bin"), credentials)) {
        assertThat(in.readAllBytes()).isEqualTo(content);
      }
      assertThat(mirror.received()).last().extracting(Received::authorization).isEqualTo("Basic Y2k6czNjcjN0");
      assertThat(other.received()).hasSize(2).allSatisfy(r -> assertThat(r.authorization()).isNull());

      other.requireBasicAuth("ci", "s3cr3t");
      mirror.script("/file.bin", LoopbackHttpServer.redirect(302, elsewhere));
      URI uri = URI.create(mirror.url() + "file.bin");
      assertThatThrownBy(() -> client().open(uri, credentials)).isInstanceOf(RepositoryException.class)
          .hasMessage("cannot download " + uri + ": redirected to " + elsewhere + ": HTTP 401 (the user and password are not sent to "
              + "http://localhost:" + other.port() + ", only to http://127.0.0.1:" + mirror.port() + "; name the repository by its final URL)");
    }
  }

  @Test
  void aRedirectLocationsOwnCredentialsAreNeitherUsedNorShown() throws IOException {
    try (LoopbackHttpServer mirror = LoopbackHttpServer.serve(dir)) {
      mirror.script("/a", LoopbackHttpServer.redirect(302, mirror.url().replace("http://", "http://evil:pw@") + "missing"));
      URI uri = URI.create(mirror.url() + "a");
      assertThatThrownBy(() -> readAll(client(), uri)).isInstanceOf(RepositoryException.class)
          .hasMessage("cannot download " + uri + ": redirected to " + mirror.url() + "missing: HTTP 404");
      assertThat(mirror.received()).last().extracting(Received::authorization).isNull();
    }
  }
}
