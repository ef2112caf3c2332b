package dev.apkimg.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.tools.jib.api.Credential;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The referrers tag schema of the OCI distribution spec 1.1: a registry without the referrers API
 * (Debian's docker-registry 2.8) lists a manifest's referrers in an image index tagged {@code
 * sha256-<hex>} of the subject's digest, which each client that pushes a referrer fetches, extends and
 * pushes back. Where the registry has the API, it lists the referrers by their {@code subject} and a push
 * leaves the tag alone ({@link RegistryPush}).
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
   * GET is ours ({@link RegistryStore}'s, as {@code apkimg sbom} reads): anonymous first, then with Basic
   * credentials or a Bearer token as the registry's challenge asks; over HTTPS, and over plain HTTP when
   * insecure registries are allowed.
   */
  static Optional<byte[]> fetch(String registry, String repository, String tag, Optional<Credential> credential,
      boolean insecure) throws IOException, InterruptedException {
    return fetch(RegistryStore.forRepository(registry, repository, credential, insecure), tag);
  }

  /** As above, from a store already open on the repository (its authorization settled). */
  static Optional<byte[]> fetch(RegistryStore store, String tag) throws IOException {
    return store.tagged(tag, ImagePublisher.OCI_INDEX, MAX_INDEX_BYTES);
  }

  /** The descriptors of {@code referrers}, as the index lists them. */
  static List<ObjectNode> descriptors(List<Referrer> referrers) {
    List<ObjectNode> d = new ArrayList<>();
    referrers.forEach(r -> d.add(r.descriptor()));
    return d;
  }
}
