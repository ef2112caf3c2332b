package dev.apkimg.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.tools.jib.api.Credential;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The referrers tag schema of the OCI distribution spec 1.1: a registry without the referrers API
 * (Debian's docker-registry 2.8) lists a manifest's referrers in an image index tagged {@code
 * sha256-<hex>} of the subject's digest, which each client that pushes a referrer fetches, extends and
 * pushes back. The spec lets clients keep the tag even where the API exists, so apkimg always does.
 */
final class ReferrersTagIndex {
  /** More than any referrers list; bounds what a registry can make us read. */
  static final int MAX_INDEX_BYTES = 4 << 20;

  private ReferrersTagIndex() {}

  /** The tag listing the referrers of {@code subjectDigest}. */
  static String tag(String subjectDigest) {
    return subjectDigest.replace(':', '-');
  }

  /**
   * {@code existing} (the tagged index as the registry has it, or {@code null}) with {@code added}
   * (referrer descriptors) appended: others' entries are kept as they are and where they are, an entry
   * whose digest is already listed is not added again. Same inputs, same bytes.
   *
   * @throws IOException when {@code existing} is not an image index
   */
  static byte[] merge(byte[] existing, List<ObjectNode> added) throws IOException {
    ObjectNode index = PlatformImage.JSON.createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", ImagePublisher.OCI_INDEX);
    ArrayNode manifests = index.putArray("manifests");
    Set<String> listed = new LinkedHashSet<>();
    if (existing != null) {
      JsonNode old;
      try {
        old = PlatformImage.JSON.readTree(existing);
      } catch (IOException e) {
        throw new IOException("the referrers index is not JSON: " + RegistryPush.oneLine(e), e);
      }
      if (old == null || !old.isObject() || !old.path("manifests").isArray()
          || (old.has("mediaType") && !ImagePublisher.OCI_INDEX.equals(old.path("mediaType").asText()))) {
        throw new IOException("the referrers tag names something that is not an OCI image index");
      }
      for (JsonNode entry : old.path("manifests")) {
        if (entry.isObject() && entry.path("digest").isTextual() && listed.add(entry.path("digest").asText())) {
          manifests.add(entry);
        }
      }
      if (old.path("annotations").isObject()) {
        index.set("annotations", old.path("annotations"));
      }
    }
    for (ObjectNode entry : added) {
      if (listed.add(entry.path("digest").asText())) {
        manifests.add(entry);
      }
    }
    return ImagePublisher.json(index);
  }

  /**
   * The index tagged {@code tag} in {@code repository}, or empty when there is none (404). jib's
   * registry client reads an index into its own template, which drops {@code artifactType}, so this one
   * GET is ours: anonymous, or with Basic credentials when some were found; over HTTPS, and over plain
   * HTTP when insecure registries are allowed.
   */
  static Optional<byte[]> fetch(String registry, String repository, String tag, Optional<Credential> credential,
      boolean insecure) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(
        Duration.ofMillis(RegistryPush.REGISTRY_CONNECT_TIMEOUT_MILLIS)).build();
    List<String> schemes = insecure ? List.of("https", "http") : List.of("https");
    IOException failed = null;
    for (String scheme : schemes) {
      URI uri = URI.create(scheme + "://" + registry + "/v2/" + repository + "/manifests/" + tag);
      HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
          .header("Accept", ImagePublisher.OCI_INDEX).header("User-Agent", "apkimg").GET();
      credential.filter(c -> !c.isOAuth2RefreshToken()).ifPresent(c -> request.header("Authorization", "Basic "
          + Base64.getEncoder().encodeToString((c.getUsername() + ":" + c.getPassword())
              .getBytes(StandardCharsets.UTF_8))));
      HttpResponse<InputStream> response;
      try {
        response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      } catch (IOException e) {
        failed = e;
        continue;
      }
      try (InputStream body = response.body()) {
        if (response.statusCode() == 404) {
          return Optional.empty();
        }
        if (response.statusCode() != 200) {
          throw new IOException("GET " + uri + " answered HTTP " + response.statusCode()
              + (response.statusCode() == 401 ? " (apkimg reads the referrers tag anonymously or with Basic"
                  + " credentials only)" : ""));
        }
        byte[] bytes = body.readNBytes(MAX_INDEX_BYTES + 1);
        if (bytes.length > MAX_INDEX_BYTES) {
          throw new IOException("the referrers index " + uri + " is larger than " + MAX_INDEX_BYTES + " bytes");
        }
        return Optional.of(bytes);
      }
    }
    throw new IOException("cannot read the referrers tag " + tag + ": " + RegistryPush.oneLine(failed), failed);
  }

  /** The descriptors of {@code referrers}, as the index lists them. */
  static List<ObjectNode> descriptors(List<Referrer> referrers) {
    List<ObjectNode> d = new ArrayList<>();
    referrers.forEach(r -> d.add(r.descriptor()));
    return d;
  }
}
