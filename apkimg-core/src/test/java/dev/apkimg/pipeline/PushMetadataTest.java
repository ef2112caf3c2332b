package dev.apkimg.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.api.BuildEvent;
import dev.apkimg.api.BuildResult;
import dev.apkimg.image.PushReport;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Where a push's counts reach a user: the metadata file, and the line printed for the push. */
class PushMetadataTest {
  private static final String DIGEST = "sha256:" + "a".repeat(64);

  @Test
  void metadataNamesEveryPushWithItsBlobCounts() throws Exception {
    BuildResult result = new BuildResult(DIGEST, "application/vnd.oci.image.manifest.v1+json", "base:latest", null,
        List.of("r.example/a:1", "r.example/b:1"), false, List.of(),
        List.of(new PushReport("r.example/a:1", 15, 3_482_000, 0, 0), new PushReport("r.example/b:1", 3, 9_100, 0, 13)));

    JsonNode json = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(BuildMetadata.toJson(result)));

    assertThat(json.path("pushed").toString()).isEqualTo("[\"r.example/a:1\",\"r.example/b:1\"]");
    assertThat(json.path("pushes")).hasSize(2);
    assertThat(json.path("pushes").get(1).toString()).isEqualTo(
        "{\"reference\":\"r.example/b:1\",\"blobs\":{\"uploaded\":3,\"uploadedBytes\":9100,\"reused\":0,\"mounted\":13}}");
  }

  @Test
  void metadataSaysHowEachRegistryListsTheSbomsAttached() throws Exception {
    BuildResult result = new BuildResult(DIGEST, "application/vnd.oci.image.manifest.v1+json", "base:latest", null,
        List.of("r.example/a:1", "old.example/a:1"), false, List.of(),
        List.of(new PushReport("r.example/a:1", 1, 10, 0, 0, PushReport.Referrers.API),
            new PushReport("old.example/a:1", 1, 10, 0, 0, PushReport.Referrers.TAG)));

    JsonNode json = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(BuildMetadata.toJson(result)));

    assertThat(json.path("pushes").findValuesAsText("referrers")).containsExactly("api", "tag");
  }

  @Test
  void aBuildThatPushedNothingHasNoPushes() throws Exception {
    BuildResult result = new BuildResult(DIGEST, "application/vnd.oci.image.manifest.v1+json", "base:latest", null,
        List.of(), false, List.of());
    assertThat(BuildMetadata.toJson(result).path("pushes")).isEmpty();
  }

  @Test
  void thePushLineSaysWhatWasUploadedReusedAndMounted() {
    BuildEvent.Pushed pushed = new BuildEvent.Pushed("r.example/b:1", DIGEST, new PushReport("r.example/b:1", 1, 9_100, 2, 13));
    assertThat(pushed.message()).isEqualTo("pushed r.example/b:1 (" + DIGEST + "): 1 blob uploaded (9100 bytes), "
        + "2 already there, 13 mounted from another repository");
    assertThat(pushed.message().lines()).hasSize(1);
    assertThat(new BuildEvent.Pushed("r.example/b:1", DIGEST).message()).isEqualTo("pushed r.example/b:1 (" + DIGEST + ")");
  }
}
