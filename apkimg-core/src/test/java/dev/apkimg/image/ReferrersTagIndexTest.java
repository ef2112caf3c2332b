package dev.apkimg.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The referrers tag schema's index: what a push adds to the index another client may have pushed. */
class ReferrersTagIndexTest {
  private static ObjectNode referrer(char hex, String artifactType) {
    ObjectNode d = PlatformImage.JSON.createObjectNode();
    d.put("mediaType", PlatformImage.OCI_MANIFEST);
    d.put("digest", "sha256:" + String.valueOf(hex).repeat(64));
    d.put("size", 400);
    d.put("artifactType", artifactType);
    d.putObject("annotations").put("org.opencontainers.image.created", "2024-01-01T00:00:00Z");
    return d;
  }

  private static List<String> digests(byte[] index) throws IOException {
    List<String> digests = new ArrayList<>();
    PlatformImage.JSON.readTree(index).get("manifests").forEach(m -> digests.add(m.get("digest").asText()));
    return digests;
  }

  @Test
  void theTagIsTheSubjectDigestWithADash() {
    assertThat(ReferrersTagIndex.tag("sha256:" + "ab".repeat(32))).isEqualTo("sha256-" + "ab".repeat(32));
  }

  @Test
  void withoutAnIndexTheReferrersBecomeAnOciIndexWithTheirArtifactTypesAndAnnotations() throws IOException {
    byte[] index = ReferrersTagIndex.merge(null, List.of(referrer('a', "application/spdx+json"),
        referrer('b', "application/vnd.cyclonedx+json")));
    JsonNode json = PlatformImage.JSON.readTree(index);
    assertThat(json.get("schemaVersion").asInt()).isEqualTo(2);
    assertThat(json.get("mediaType").asText()).isEqualTo("application/vnd.oci.image.index.v1+json");
    assertThat(json.get("manifests")).hasSize(2);
    assertThat(json.get("manifests").get(0)).isEqualTo(referrer('a', "application/spdx+json"));
    assertThat(json.get("manifests").get(1).get("artifactType").asText()).isEqualTo("application/vnd.cyclonedx+json");
  }

  @Test
  void othersEntriesAreKeptInPlaceAndOursAreNotListedTwice() throws IOException {
    byte[] first = ReferrersTagIndex.merge(null, List.of(referrer('c', "application/vnd.in-toto+json")));
    // Another client's signature entry, with a field apkimg does not know, listed before ours.
    ObjectNode old = (ObjectNode) PlatformImage.JSON.readTree(first);
    ObjectNode signature = referrer('0', "application/vnd.dev.cosign.artifact.sig.v1+json");
    signature.put("x-unknown", true);
    old.withArray("manifests").insert(0, signature);
    byte[] existing = PlatformImage.JSON.writeValueAsBytes(old);

    List<ObjectNode> ours = List.of(referrer('a', "application/spdx+json"), referrer('c', "application/vnd.in-toto+json"),
        referrer('b', "application/vnd.cyclonedx+json"));
    byte[] merged = ReferrersTagIndex.merge(existing, ours);
    assertThat(digests(merged)).containsExactly("sha256:" + "0".repeat(64), "sha256:" + "c".repeat(64),
        "sha256:" + "a".repeat(64), "sha256:" + "b".repeat(64));
    assertThat(PlatformImage.JSON.readTree(merged).get("manifests").get(0)).isEqualTo(signature);

    // Pushing the same again changes nothing, byte for byte; merging twice gives the same bytes.
    assertThat(ReferrersTagIndex.merge(merged, ours)).isEqualTo(merged);
    assertThat(ReferrersTagIndex.merge(existing, ours)).isEqualTo(merged);
  }

  @Test
  void aTagThatIsNotAnImageIndexIsRefusedRatherThanOverwritten() {
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + PlatformImage.OCI_MANIFEST
        + "\",\"config\":{},\"layers\":[]}").getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> ReferrersTagIndex.merge(manifest, List.of(referrer('a', "application/spdx+json"))))
        .isInstanceOf(IOException.class).hasMessageContaining("not an OCI image index");
    assertThatThrownBy(() -> ReferrersTagIndex.merge("not json".getBytes(StandardCharsets.UTF_8), List.of()))
        .isInstanceOf(IOException.class).hasMessageContaining("not JSON");
  }
}
