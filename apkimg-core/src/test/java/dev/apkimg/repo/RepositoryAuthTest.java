package dev.apkimg.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.apkimg.ApkimgException;
import dev.apkimg.testing.LoopbackHttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 4: credentials for private repositories from HTTP_AUTH (apko's form) and the
 * netrc file, offered only to their host, over https or to this machine, never shown.
 */
class RepositoryAuthTest {
  private static final String PASSWORD = "n3trc-S3cret";
  @TempDir Path tmp;
  private Path dir;

  @BeforeEach
  void files() throws IOException {
    dir = Files.createDirectories(tmp.resolve("www"));
    Files.writeString(dir.resolve("file.bin"), "content");
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private static String read(RepositoryClient client, URI uri) throws IOException {
    try (InputStream in = client.open(uri)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static RepositoryClient client(Map<String, String> env) {
    return new RepositoryClient(RepositoryClient.Settings.defaults().withAttempts(1, java.time.Duration.ZERO,
        java.time.Duration.ZERO), RepositoryAuth.of(env));
  }

  @Test
  void httpAuthInApkosFormIsSentToItsHostOnAnyPort() throws IOException {
    try (LoopbackHttpServer server = LoopbackHttpServer.serve(dir).requireBasicAuth("ci", "pa:ss")) {
      RepositoryClient client = client(Map.of("HTTP_AUTH", "basic:127.0.0.1:ci:pa:ss"));
      assertThat(read(client, URI.create(server.url() + "file.bin"))).isEqualTo("content");
      assertThat(server.received()).extracting(LoopbackHttpServer.Received::authorization).containsOnly(basic("ci", "pa:ss"));
    }
  }

  @Test
  void netrcMachineThenDefaultAreUsedAndHttpAuthComesFirst() throws IOException {
    Path home = Files.createDirectories(tmp.resolve("home"));
    Files.writeString(home.resolve(".netrc"), """
        default login anyone password "any one"
        macdef init
        machine 127.0.0.1 login ignored password ignored

        machine 127.0.0.1
          login netrc-user
          password %s
        """.formatted(PASSWORD));
    try (LoopbackHttpServer server = LoopbackHttpServer.serve(dir).requireBasicAuth("netrc-user", PASSWORD)) {
      URI uri = URI.create(server.url() + "file.bin");
      assertThat(read(client(Map.of("HOME", home.toString())), uri)).isEqualTo("content");
      // localhost has no machine entry: the default one goes there.
      RepositoryAuth auth = RepositoryAuth.of(Map.of("HOME", home.toString()));
      assertThat(auth.forUri(URI.create("http://localhost:1/x"))).extracting(Credentials::user, Credentials::password)
          .containsExactly("anyone", "any one");
      // HTTP_AUTH wins over the netrc file; its wrong password is refused, named by source only.
      RepositoryClient both = client(Map.of("HOME", home.toString(), "HTTP_AUTH", "basic:127.0.0.1:ci:wrong-one"));
      Throwable e = catchThrowable(() -> read(both, uri));
      assertThat(e).isInstanceOf(RepositoryException.class)
          .hasMessage("cannot download " + uri + ": HTTP 401 (the user and password from HTTP_AUTH were refused)");
      // NETRC names another file.
      Path other = tmp.resolve("other-netrc");
      Files.writeString(other, "machine 127.0.0.1 login netrc-user password wrong-two\n");
      Throwable f = catchThrowable(() -> read(client(Map.of("HOME", home.toString(), "NETRC", other.toString())), uri));
      assertThat(f).hasMessage("cannot download " + uri + ": HTTP 401 (the user and password from netrc " + other
          + " were refused)");
    }
  }

  @Test
  void aServerAskingForCredentialsNoSourceHasIsNamedWithTheWaysToGiveThem() throws IOException {
    try (LoopbackHttpServer server = LoopbackHttpServer.serve(dir).requireBasicAuth("ci", "x")) {
      URI uri = URI.create(server.url() + "file.bin");
      assertThat(catchThrowable(() -> read(client(Map.of()), uri))).hasMessage("cannot download " + uri
          + ": HTTP 401 (127.0.0.1 wants a user and password: set HTTP_AUTH=basic:127.0.0.1:USER:PASSWORD,"
          + " add a machine 127.0.0.1 to ~/.netrc, or write them in the URL)");
    }
  }

  @Test
  void credentialsAreOfferedOverHttpsOrToThisMachineOnlyAndNeverFollowARedirect() throws IOException {
    RepositoryAuth auth = RepositoryAuth.of(Map.of("HTTP_AUTH", "basic:apk.example.com:ci:" + PASSWORD));
    assertThat(auth.forUri(URI.create("https://apk.example.com:8443/main"))).isNotNull();
    assertThat(auth.forUri(URI.create("http://apk.example.com/main"))).as("plain http to another host").isNull();
    assertThat(auth.forUri(URI.create("https://other.example.com/main"))).isNull();
    // Written in the URL, they are refused over plain http to another host before anything is sent.
    URI clear = URI.create("http://ci:" + PASSWORD + "@apk.example.com/main/x86_64/APKINDEX.tar.gz");
    assertThatThrownBy(() -> new RepositoryClient().open(clear)).isInstanceOf(RepositoryException.class)
        .hasMessage("cannot download http://apk.example.com/main/x86_64/APKINDEX.tar.gz: a user and password are sent"
            + " over https only (or plain http to this machine), not in the clear to apk.example.com: use https");

    try (LoopbackHttpServer mirror = LoopbackHttpServer.serve(dir); LoopbackHttpServer other = LoopbackHttpServer.serve(dir)) {
      mirror.script("/file.bin", LoopbackHttpServer.redirect(302, other.url().replace("127.0.0.1", "localhost") + "file.bin"));
      assertThat(read(client(Map.of("HTTP_AUTH", "basic:127.0.0.1:ci:" + PASSWORD)), URI.create(mirror.url() + "file.bin")))
          .isEqualTo("content");
      assertThat(mirror.received()).singleElement().extracting(LoopbackHttpServer.Received::authorization)
          .isEqualTo(basic("ci", PASSWORD));
      assertThat(other.received()).singleElement().extracting(LoopbackHttpServer.Received::authorization).isNull();
    }
  }

  @Test
  void aMalformedHttpAuthOrNetrcIsRefusedWithoutItsContent() throws IOException {
    for (String bad : new String[] {"bearer:host:u:" + PASSWORD, "basic:host" + PASSWORD, "basic::u:" + PASSWORD}) {
      Throwable e = catchThrowable(() -> RepositoryAuth.of(Map.of("HTTP_AUTH", bad)).forUri(URI.create("https://h/x")));
      assertThat(e).isInstanceOf(ApkimgException.class).hasMessageStartingWith("HTTP_AUTH is not of the form basic:HOST:USER:PASSWORD")
          .hasMessageNotContaining(PASSWORD);
    }
    Path netrc = tmp.resolve("netrc");
    Files.writeString(netrc, "password " + PASSWORD + " machine");
    assertThat(catchThrowable(() -> RepositoryAuth.of(Map.of("NETRC", netrc.toString())).forUri(URI.create("https://h/x"))))
        .hasMessage("netrc file " + netrc + ": 'machine' without a host name at the end");
    // A missing netrc file is no netrc file; a local build reads none.
    assertThat(RepositoryAuth.of(Map.of("HOME", tmp.resolve("nobody").toString())).forUri(URI.create("https://h/x"))).isNull();
    assertThat(RepositoryAuth.of(Map.of("HTTP_AUTH", "garbage")).forUri(URI.create("file:///x"))).isNull();
    assertThat(new Credentials("u", PASSWORD, "HTTP_AUTH").toString()).doesNotContain(PASSWORD);
  }
}
