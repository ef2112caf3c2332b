package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.testing.Prerequisites;
import dev.apkimg.testing.SbomValidators;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #12: the fixture mirror's base image built with {@code --sbom} carries its SBOMs as OCI 1.1
 * referrers in the OCI archive, and the image itself is untouched: same digest on stdout, same
 * manifest through skopeo (by its name: with referrers listed, index.json has more than one entry), and
 * skopeo and umoci still copy and unpack it.
 */
class SbomReferrersIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REF = "alpine-base:3.20";
  @TempDir Path tmp;

  private Processes.Output build(Path fixtures, String name, String... more) {
    List<String> args = new ArrayList<>(List.of("build", ProfilesTest.PROFILES.resolve("alpine-base.yaml").toString(),
        "-o", tmp.resolve(name).toString(), "--tag", REF, "-r", fixtures.resolve("mirror/v3.20/main").toString(),
        "-k", fixtures.resolve("keys/apkimg-test.rsa.pub").toString(), "--cache-dir", tmp.resolve("cache").toString(),
        "-q"));
    args.addAll(List.of(more));
    return Processes.apkimg(args).assertSuccess();
  }

  @Test
  void skopeoAndUmociReadTheImageUnchangedBesideItsSbomReferrers() throws Exception {
    Path fixtures = Prerequisites.requireSharedFixtures();
    Prerequisites.requireCommand("skopeo");
    Prerequisites.requireCommand("umoci");
    String plainDigest = build(fixtures, "plain.tar").out().strip();
    String digest = build(fixtures, "sbom.tar", "--sbom", "--sbom-dir", tmp.resolve("sbom").toString()).out().strip();
    assertThat(digest).as("the image digest does not depend on its referrers").isEqualTo(plainDigest);

    // Named, skopeo finds the image as before: same digest, same manifest bytes.
    Path sbom = tmp.resolve("sbom.tar");
    JsonNode inspect = JSON.readTree(Processes.exec(tmp, "skopeo", "inspect", "oci-archive:" + sbom + ":" + REF)
        .assertSuccess().out());
    assertThat(inspect.get("Digest").asText()).isEqualTo(digest);
    String raw = Processes.exec(tmp, "skopeo", "inspect", "--raw", "oci-archive:" + sbom + ":" + REF).assertSuccess().out();
    String plainRaw = Processes.exec(tmp, "skopeo", "inspect", "--raw", "oci-archive:" + tmp.resolve("plain.tar"))
        .assertSuccess().out();
    assertThat(raw).isEqualTo(plainRaw);
    // What README says: unnamed, skopeo (containers/image) refuses an index.json of several entries.
    Processes.Output unnamed = Processes.exec(tmp, "skopeo", "inspect", "oci-archive:" + sbom);
    assertThat(unnamed.code()).isNotZero();
    assertThat(unnamed.err()).contains("more than one image");

    // skopeo copies it into a layout, umoci unpacks that into the same files as the plain image's.
    Processes.exec(tmp, "skopeo", "copy", "-q", "oci-archive:" + sbom + ":" + REF, "oci:" + tmp.resolve("layout") + ":a")
        .assertSuccess();
    Processes.exec(tmp, "skopeo", "copy", "-q", "oci-archive:" + tmp.resolve("plain.tar"),
        "oci:" + tmp.resolve("layout") + ":b").assertSuccess();
    Processes.exec(tmp, "umoci", "unpack", "--rootless", "--image", tmp.resolve("layout") + ":a",
        tmp.resolve("a").toString()).assertSuccess();
    Processes.exec(tmp, "umoci", "unpack", "--rootless", "--image", tmp.resolve("layout") + ":b",
        tmp.resolve("b").toString()).assertSuccess();
    Processes.exec(tmp, "diff", "-r", "--no-dereference", tmp.resolve("a/rootfs").toString(),
        tmp.resolve("b/rootfs").toString()).assertSuccess();
    assertThat(tmp.resolve("a/rootfs/lib/apk/db/installed")).exists();

    // The referrers, read back with tar and JSON as README shows: subject = the image, layer = the SBOM file.
    JsonNode manifests = JSON.readTree(Processes.exec(tmp, "tar", "-xOf", sbom.toString(), "index.json")
        .assertSuccess().out()).get("manifests");
    assertThat(manifests).hasSize(4);
    assertThat(manifests.get(0).get("digest").asText()).isEqualTo(digest);
    for (int i = 1; i < 4; i++) {
      JsonNode d = manifests.get(i);
      String type = d.get("artifactType").asText();
      JsonNode m = JSON.readTree(blob(sbom, d.get("digest").asText()));
      assertThat(m.get("subject").get("digest").asText()).isEqualTo(digest);
      String layer = blob(sbom, m.get("layers").get(0).get("digest").asText());
      Path copy = tmp.resolve("referrer-" + i + ".json");
      Files.writeString(copy, layer);
      if (type.equals("application/spdx+json")) {
        assertThat(copy).hasSameBinaryContentAs(tmp.resolve("sbom/x86_64.spdx.json"));
        assertThat(SbomValidators.spdxProblems(copy)).isEmpty();
      } else if (type.equals("application/vnd.in-toto+json")) {
        assertThat(copy).hasSameBinaryContentAs(tmp.resolve("sbom/x86_64.provenance.json"));
        assertThat(SbomValidators.provenanceProblems(Files.readAllBytes(copy))).isEmpty();
      } else {
        assertThat(type).isEqualTo("application/vnd.cyclonedx+json");
        assertThat(copy).hasSameBinaryContentAs(tmp.resolve("sbom/x86_64.cdx.json"));
        assertThat(SbomValidators.cycloneDxProblems(copy)).isEmpty();
      }
    }
  }

  private String blob(Path archive, String digest) throws Exception {
    return Processes.exec(tmp, "tar", "-xOf", archive.toString(), "blobs/sha256/" + digest.substring("sha256:".length()))
        .assertSuccess().out();
  }
}
