package dev.apkimg.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.apkimg.ApkimgException;
import dev.apkimg.testing.LoopbackHttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ReferrerReader} against hand-made layouts and registries that do what a build never writes: names
 * that are no digest, sizes beyond the bounds, artifacts of other images, Basic challenges, redirects of
 * blobs to another host, referrers lists in pages.
 */
class ReferrerReaderTest {
  private static final String SPDX = "application/spdx+json";
  private static final byte[] DOCUMENT = "{\"spdxVersion\":\"SPDX-2.3\"}\n".getBytes(StandardCharsets.UTF_8);

  @TempDir Path tmp;
  private Path layout;
  private String imageDigest;
  private String referrerDigest;
  private ObjectNode imageEntry;
  private ObjectNode referrerEntry;
  private final RegistryCredentials noCredentials = RegistryCredentials.of(Map.of(), Path.of("/nonexistent"));

  /** A layout of one linux/amd64 image with one SPDX document attached, as apkimg writes it. */
  @BeforeEach
  void layout() throws IOException {
    layout = tmp.resolve("layout");
    byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
    ObjectNode manifest = PlatformImage.JSON.createObjectNode().put("schemaVersion", 2)
        .put("mediaType", PlatformImage.OCI_MANIFEST);
    manifest.set("config", descriptor(PlatformImage.OCI_CONFIG, put(config)));
    manifest.putArray("layers");
    byte[] image = ImagePublisher.json(manifest);
    imageEntry = descriptor(PlatformImage.OCI_MANIFEST, put(image));
    imageDigest = imageEntry.get("digest").asText();
    ObjectNode referrer = PlatformImage.JSON.createObjectNode().put("schemaVersion", 2)
        .put("mediaType", PlatformImage.OCI_MANIFEST).put("artifactType", SPDX);
    referrer.set("config", descriptor(Referrer.EMPTY_MEDIA_TYPE, put(Referrer.EMPTY)));
    referrer.putArray("layers").add(descriptor(SPDX, put(DOCUMENT)));
    referrer.set("subject", imageEntry.deepCopy());
    referrer.putObject("annotations").put(ReferrerReader.CREATED, "2024-01-01T00:00:00Z");
    byte[] referrerBytes = ImagePublisher.json(referrer);
    referrerEntry = descriptor(PlatformImage.OCI_MANIFEST, put(referrerBytes)).put("artifactType", SPDX);
    referrerDigest = referrerEntry.get("digest").asText();
    writeIndex(imageEntry.deepCopy(), referrerEntry);
  }

  private byte[] put(byte[] bytes) throws IOException {
    Path blob = layout.resolve("blobs/sha256/" + PlatformImage.digest(bytes).substring(7));
    Files.createDirectories(blob.getParent());
    Files.write(blob, bytes);
    return bytes;
  }

  private static ObjectNode descriptor(String mediaType, byte[] bytes) {
    return PlatformImage.JSON.createObjectNode().put("mediaType", mediaType)
        .put("digest", PlatformImage.digest(bytes)).put("size", bytes.length);
  }

  private void writeIndex(ObjectNode... entries) throws IOException {
    ObjectNode index = PlatformImage.JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", ImagePublisher.OCI_INDEX);
    for (ObjectNode e : entries) {
      index.withArray("manifests").add(e);
    }
    Files.write(layout.resolve("index.json"), ImagePublisher.json(index));
  }

  private ReferrerReader.Document read(String image) {
    try (ReferrerReader reader = ReferrerReader.open(image, noCredentials, true)) {
      return reader.document(null, SPDX, null);
    }
  }

  @Test
  void aHandMadeLayoutIsReadAndItsArtifactListed() {
    assertThat(read(layout.toString()).bytes()).isEqualTo(DOCUMENT);
    try (ReferrerReader reader = ReferrerReader.open("oci:" + layout, noCredentials, false)) {
      assertThat(reader.platforms()).containsExactly("linux/amd64");
      assertThat(reader.list(null)).containsExactly(new ReferrerReader.Attached("linux/amd64", imageDigest, SPDX,
          referrerDigest, PlatformImage.digest(DOCUMENT), DOCUMENT.length, "2024-01-01T00:00:00Z"));
    }
  }

  @Test
  void aDescriptorWhoseDigestIsAPathIsRefusedBeforeAnyFileIsOpened() throws IOException {
    Files.writeString(tmp.resolve("secret"), "{}");
    writeIndex(imageEntry.deepCopy().put("digest", "sha256:../../secret"), referrerEntry);
    assertThatThrownBy(() -> read(layout.toString())).isInstanceOf(ApkimgException.class)
        .hasMessageContaining("'sha256:../../secret', not a sha256 digest");
  }

  @Test
  void aManifestBeyondFourMebibytesIsNotRead() throws IOException {
    byte[] huge = new byte[(4 << 20) + 1];
    java.util.Arrays.fill(huge, (byte) ' ');
    ObjectNode entry = descriptor(PlatformImage.OCI_MANIFEST, put(huge));
    writeIndex(entry);
    assertThatThrownBy(() -> read(layout.toString())).isInstanceOf(ApkimgException.class)
        .hasMessageContaining("larger than 4 MiB");
  }

  @Test
  void anArtifactAttachedToAnotherImageIsNotThisImagesAndASizeThatLiesIsDamage() throws IOException {
    ObjectNode other = PlatformImage.JSON.createObjectNode().put("schemaVersion", 2)
        .put("mediaType", PlatformImage.OCI_MANIFEST).put("artifactType", SPDX);
    other.set("config", descriptor(Referrer.EMPTY_MEDIA_TYPE, Referrer.EMPTY));
    other.putArray("layers").add(descriptor(SPDX, DOCUMENT));
    other.putObject("subject").put("mediaType", PlatformImage.OCI_MANIFEST).put("digest", "sha256:" + "1".repeat(64))
        .put("size", 2);
    writeIndex(imageEntry.deepCopy(), descriptor(PlatformImage.OCI_MANIFEST, put(ImagePublisher.json(other)))
        .put("artifactType", SPDX));
    assertThatThrownBy(() -> read(layout.toString())).isInstanceOf(ReferrerReader.NotAttachedException.class)
        .hasMessageContaining("nothing is attached");

    writeIndex(imageEntry.deepCopy(), referrerEntry.deepCopy().put("size", referrerEntry.get("size").asLong() + 1));
    assertThatThrownBy(() -> read(layout.toString())).isInstanceOf(ApkimgException.class)
        .hasMessageContaining(referrerDigest).hasMessageContaining("tampered with");
  }

  /** The layout's blobs as a registry's paths under {@code root}; the image tagged 1, the referrers via the API. */
  private Path registry(String repository, boolean referrersApi) throws IOException {
    Path root = tmp.resolve("registry");
    Path base = Files.createDirectories(root.resolve("v2/" + repository));
    Files.createDirectories(base.resolve("blobs"));
    Files.createDirectories(base.resolve("manifests"));
    Files.createDirectories(base.resolve("referrers"));
    try (var blobs = Files.list(layout.resolve("blobs/sha256"))) {
      for (Path blob : blobs.toList()) {
        String digest = "sha256:" + blob.getFileName();
        Files.copy(blob, base.resolve("blobs/" + digest));
        Files.copy(blob, base.resolve("manifests/" + digest));
      }
    }
    Files.copy(layout.resolve("blobs/sha256/" + imageDigest.substring(7)), base.resolve("manifests/1"));
    ObjectNode list = PlatformImage.JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", ImagePublisher.OCI_INDEX);
    list.putArray("manifests").add(referrerEntry);
    Files.write(base.resolve(referrersApi ? "referrers/" + imageDigest : "manifests/" + imageDigest.replace(':', '-')),
        ImagePublisher.json(list));
    return root;
  }

  @Test
  void aBasicChallengeIsAnsweredWithTheLoginAndRefusedWithoutOne() throws IOException {
    try (LoopbackHttpServer server = LoopbackHttpServer.serve(registry("team/app", true)).requireBasicAuth("ann", "pw")) {
      String ref = "127.0.0.1:" + server.port() + "/team/app:1";
      try (ReferrerReader reader = ReferrerReader.open(ref, noCredentials.withLogin("ann", "pw", "a test"), true)) {
        assertThat(reader.document(null, SPDX, null).bytes()).isEqualTo(DOCUMENT);
        assertThat(reader.usedReferrersApi()).isTrue();
      }
      assertThatThrownBy(() -> read(ref)).isInstanceOf(ApkimgException.class)
          .hasMessageContaining("refused to let anonymous users read team/app (HTTP 401");
    }
  }

  @Test
  void aBlobRedirectedToAnotherHostIsFollowedWithoutTheCredentialsAndCheckedThere() throws IOException {
    Path storage = Files.createDirectories(tmp.resolve("storage"));
    Files.write(storage.resolve("doc"), DOCUMENT);
    try (LoopbackHttpServer store = LoopbackHttpServer.serve(storage);
        LoopbackHttpServer server = LoopbackHttpServer.serve(registry("app", false))) {
      // Another origin: the same loopback address under the name localhost.
      String location = "http://localhost:" + store.port() + "/doc";
      server.script("/v2/app/blobs/" + PlatformImage.digest(DOCUMENT), LoopbackHttpServer.redirect(307, location));
      String ref = "127.0.0.1:" + server.port() + "/app:1";
      try (ReferrerReader reader = ReferrerReader.open(ref, noCredentials.withLogin("ann", "pw", "a test"), true)) {
        assertThat(reader.document("linux/amd64", SPDX, null).bytes()).isEqualTo(DOCUMENT);
        assertThat(reader.usedReferrersApi()).as("the tag schema, after the API's 404").isFalse();
      }
      assertThat(store.received()).singleElement().satisfies(r -> assertThat(r.authorization()).isNull());

      Files.write(storage.resolve("doc"), "{\"spdxVersion\":\"SPDX-2.2\"}\n".getBytes(StandardCharsets.UTF_8));
      server.script("/v2/app/blobs/" + PlatformImage.digest(DOCUMENT), LoopbackHttpServer.redirect(307, location));
      assertThatThrownBy(() -> read(ref)).isInstanceOf(ApkimgException.class)
          .hasMessageContaining(PlatformImage.digest(DOCUMENT)).hasMessageContaining("registry is damaged");
    }
  }

  @Test
  void aReferrersListInPagesIsReadToTheEnd() throws IOException {
    Path root = registry("app", true);
    String path = "/v2/app/referrers/" + imageDigest;
    byte[] empty = ("{\"schemaVersion\":2,\"mediaType\":\"" + ImagePublisher.OCI_INDEX + "\",\"manifests\":[]}")
        .getBytes(StandardCharsets.UTF_8);
    try (LoopbackHttpServer server = LoopbackHttpServer.serve(root)) {
      // Page one lists nothing and links to page two, the file with the SPDX artifact.
      server.script(path, (exchange, file) -> {
        exchange.getResponseHeaders().set("Link", "<" + path + "?last=x>; rel=\"next\"");
        exchange.sendResponseHeaders(200, empty.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(empty);
        }
      });
      assertThat(read("127.0.0.1:" + server.port() + "/app:1").bytes()).isEqualTo(DOCUMENT);
      assertThat(server.requestedPaths()).filteredOn(p -> p.equals(path)).hasSize(2);
    }
  }

  @Test
  void aRegistryNamedByDigestMustServeThatManifest() throws IOException {
    try (LoopbackHttpServer server = LoopbackHttpServer.serve(registry("app", true))) {
      String wrong = "sha256:" + "2".repeat(64);
      Files.copy(server.root().resolve("v2/app/manifests/1"), server.root().resolve("v2/app/manifests/" + wrong));
      assertThatThrownBy(() -> read("127.0.0.1:" + server.port() + "/app@" + wrong))
          .isInstanceOf(ApkimgException.class).hasMessageContaining(wrong).hasMessageContaining("tampered with");
      assertThat(List.of(read("127.0.0.1:" + server.port() + "/app@" + imageDigest).bytes())).hasSize(1);
    }
  }
}
