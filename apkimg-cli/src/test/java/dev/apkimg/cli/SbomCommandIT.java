package dev.apkimg.cli;

import static dev.apkimg.cli.Processes.exec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.testing.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #12, item 6: {@code apkimg sbom REF} reads back what {@code build --sbom --push} attached in Debian's
 * docker-registry 2.8 on loopback, which has no referrers API (it answers 404, so the referrers tag
 * sha256-HEX is read), byte for byte the files of {@code --sbom-dir}; and what skopeo makes of an archive's
 * referrers when it copies the image into a layout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SbomCommandIT {
  @TempDir static Path tmp;

  private LocalRegistry localRegistry;
  private String registry;
  private Path single;
  private Path multi;

  @BeforeAll
  void setUp() throws Exception {
    localRegistry = LocalRegistry.start(tmp.resolve("registry"), "127.0.0.1");
    registry = localRegistry.address();
    HelloProfiles hello = HelloProfiles.writeTo(tmp);
    single = hello.single();
    multi = hello.multi();
  }

  @AfterAll
  void tearDown() throws InterruptedException {
    if (localRegistry != null) {
      localRegistry.close();
    }
  }

  private String build(Path profile, String name, String... more) {
    List<String> args = new ArrayList<>(List.of("build", profile.toString(), "--cache-dir",
        tmp.resolve("cache").toString(), "--allow-insecure-registry", "-q"));
    args.addAll(List.of(more));
    return Processes.apkimg(args).assertSuccess().out().strip();
  }

  @Test
  void pushedSbomsAreReadBackThroughTheReferrersTagByteForByte() throws Exception {
    String reference = registry + "/sbom/hello:1";
    String digest = build(single, "single", "--sbom", "--sbom-dir", tmp.resolve("single").toString(), "--push", reference);
    byte[] spdx = Files.readAllBytes(tmp.resolve("single/x86_64.spdx.json"));
    byte[] cdx = Files.readAllBytes(tmp.resolve("single/x86_64.cdx.json"));

    assertThat(SbomCommandTest.sbom("--allow-insecure-registry", reference).assertSuccess().stdout()).isEqualTo(spdx);
    assertThat(SbomCommandTest.sbom("--allow-insecure-registry", "--format", "cyclonedx",
        "docker://" + registry + "/sbom/hello@" + digest).assertSuccess().stdout()).isEqualTo(cdx);
    String log = Files.readString(localRegistry.log());
    assertThat(log).as("the referrers API was asked first (404), then the tag")
        .contains("/v2/sbom/hello/referrers/" + digest).contains("/v2/sbom/hello/manifests/" + digest.replace(':', '-'));
    assertThat(SbomCommandTest.sbom("--allow-insecure-registry", "--list", reference).assertSuccess().out().lines())
        .as("SPDX, CycloneDX, provenance").hasSize(3);
    // A registry on plain HTTP is read only when allowed.
    SbomCommandTest.sbom(reference).assertOneLineError(1, "TLS", "--allow-insecure-registry");
  }

  @Test
  void aMultiPlatformPushIsReadPerPlatformAndAnImagePushedWithoutSbomsSaysSo() throws Exception {
    String reference = registry + "/sbom/multi:1";
    build(multi, "multi", "--sbom", "--sbom-dir", tmp.resolve("multi").toString(), "--push", reference);
    assertThat(SbomCommandTest.sbom("--allow-insecure-registry", reference).assertSuccess().stdout())
        .as("no platform: the image index's SBOM").isEqualTo(Files.readAllBytes(tmp.resolve("multi/index.spdx.json")));
    assertThat(SbomCommandTest.sbom("--allow-insecure-registry", "--format", "provenance", reference).assertSuccess()
        .stdout()).as("no platform: the image index's provenance")
        .isEqualTo(Files.readAllBytes(tmp.resolve("multi/index.provenance.json")));
    assertThat(SbomCommandTest.sbom("--allow-insecure-registry", "--arch", "aarch64", "--format", "cyclonedx",
        reference).assertSuccess().stdout()).isEqualTo(Files.readAllBytes(tmp.resolve("multi/aarch64.cdx.json")));
    assertThat(SbomCommandTest.sbom("--allow-insecure-registry", "--platform", "linux/amd64", reference)
        .assertSuccess().stdout()).isEqualTo(Files.readAllBytes(tmp.resolve("multi/x86_64.spdx.json")));

    String plain = registry + "/sbom/plain:1";
    build(single, "plain", "--push", plain, "--no-sbom");
    SbomCommandTest.sbom("--allow-insecure-registry", plain).assertOneLineError(1, "nothing is attached", "--sbom");
  }

  @Test
  void skopeoCopiesAnArchivesImageWithoutItsReferrersWhileTheUnpackedArchiveKeepsThem() throws Exception {
    Prerequisites.requireCommand("skopeo");
    Path archive = tmp.resolve("copy/a.tar");
    Files.createDirectories(archive.getParent());
    build(single, "copy", "--sbom", "--sbom-dir", tmp.resolve("copy/sbom").toString(), "-o", archive.toString(),
        "--tag", "example/hello:1");
    exec(tmp, "skopeo", "copy", "-q", "oci-archive:" + archive + ":example/hello:1", "oci:" + tmp.resolve("copy/layout")
        + ":hello").assertSuccess();
    SbomCommandTest.sbom("oci:" + tmp.resolve("copy/layout") + ":hello").assertOneLineError(1, "nothing is attached");
    Path unpacked = Files.createDirectories(tmp.resolve("copy/unpacked"));
    exec(tmp, "tar", "-xf", archive.toString(), "-C", unpacked.toString()).assertSuccess();
    assertThat(SbomCommandTest.sbom(unpacked.toString()).assertSuccess().stdout())
        .isEqualTo(Files.readAllBytes(tmp.resolve("copy/sbom/x86_64.spdx.json")));
  }
}
