package dev.apkimg.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.tools.jib.api.Credential;
import dev.apkimg.testing.LoopbackHttpServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The referrers tag a push reads before it extends it: from a registry that wants a Bearer token (as
 * Docker Hub, GHCR, Harbor do) as well as from an open or a Basic one, with the push's credentials.
 */
class ReferrersTagFetchTest {
  private static final String TAG = "sha256-" + "ab".repeat(32);
  private static final byte[] INDEX = ("{\"schemaVersion\":2,\"mediaType\":\"" + ImagePublisher.OCI_INDEX
      + "\",\"manifests\":[]}").getBytes(StandardCharsets.UTF_8);

  @TempDir Path tmp;

  private LoopbackHttpServer registry() throws IOException {
    Path manifests = Files.createDirectories(tmp.resolve("v2/team/app/manifests"));
    Files.write(manifests.resolve(TAG), INDEX);
    return LoopbackHttpServer.serve(tmp);
  }

  private static Optional<byte[]> fetch(LoopbackHttpServer server, String tag, Optional<Credential> credential)
      throws Exception {
    return ReferrersTagIndex.fetch("127.0.0.1:" + server.port(), "team/app", tag, credential, true);
  }

  @Test
  void aRegistryThatWantsABearerTokenGivesItForThePushsCredentials() throws Exception {
    try (LoopbackHttpServer server = registry().requireBearerToken("ann", "pw", "tok")) {
      assertThat(fetch(server, TAG, Optional.of(Credential.from("ann", "pw")))).hasValue(INDEX);
      assertThat(server.received()).anyMatch(r -> r.path().equals("/token"))
          .filteredOn(r -> r.path().endsWith(TAG)).last().satisfies(r -> assertThat(r.authorization()).isEqualTo("Bearer tok"));
      assertThat(fetch(server, "sha256-" + "cd".repeat(32), Optional.of(Credential.from("ann", "pw")))).isEmpty();
      assertThatThrownBy(() -> fetch(server, TAG, Optional.of(Credential.from("ann", "wrong"))))
          .isInstanceOf(IOException.class).hasMessageContaining("token server").hasMessageContaining("HTTP 401");
    }
  }

  @Test
  void anOpenOrBasicRegistryIsReadAsBefore() throws Exception {
    try (LoopbackHttpServer server = registry()) {
      assertThat(fetch(server, TAG, Optional.empty())).hasValue(INDEX);
    }
    try (LoopbackHttpServer server = registry().requireBasicAuth("ann", "pw")) {
      assertThat(fetch(server, TAG, Optional.of(Credential.from("ann", "pw")))).hasValue(INDEX);
    }
  }
}
