package dev.apkimg.sbom;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.api.Apkimg;
import dev.apkimg.api.BuildRequest;
import dev.apkimg.api.Outputs;
import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.SbomValidators;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A mirror SPDX cannot name as a download location (an IP address, a host without a domain). */
class SpdxDownloadLocationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  @Test
  void aMirrorOnAnIpAddressIsNoAssertionInSpdxAndStillTheDistributionInCycloneDx() throws Exception {
    Path keys = TestKeys.primary().writePublicKey(tmp.resolve("keys"));
    TestRepository repo = new TestRepository(TestKeys.primary());
    repo.add(TestPackage.builder("hello", "1.0-r0").license("MIT").builddate(1_700_000_000L)
        .dir("usr").dir("usr/bin").file("usr/bin/hello", "hi\n").build());
    repo.write(tmp.resolve("www/v3.20/main"));
    try (LoopbackHttpServer mirror = LoopbackHttpServer.serve(tmp.resolve("www"))) {
      Files.writeString(tmp.resolve("base.yaml"), "contents:\n  repositories: [" + mirror.url() + "v3.20/main]\n"
          + "  keyring: [" + keys + "]\n  packages: [hello]\narchs: [x86_64]\n");
      Apkimg.create().build(BuildRequest.builder(tmp.resolve("base.yaml")).cacheDir(tmp.resolve("cache"))
          .outputs(Outputs.builder().ociArchive(tmp.resolve("a.tar")).sbomDir(tmp.resolve("sbom")).build()).build(),
          e -> { });
      assertThat(mirror.url()).startsWith("http://127.0.0.1:");
      String download = mirror.url() + "v3.20/main/x86_64/hello-1.0-r0.apk";

      Path spdxFile = tmp.resolve("sbom/x86_64.spdx.json");
      assertThat(SbomValidators.spdxProblems(spdxFile)).isEmpty();
      JsonNode hello = JSON.readTree(spdxFile.toFile()).get("packages").get(1);
      assertThat(hello.get("name").asText()).isEqualTo("hello");
      assertThat(hello.get("downloadLocation").asText()).isEqualTo("NOASSERTION");
      assertThat(hello.get("comment").asText()).contains(download);
      JsonNode component = JSON.readTree(tmp.resolve("sbom/x86_64.cdx.json").toFile()).get("components").get(0);
      assertThat(component.get("externalReferences").get(0).get("url").asText()).isEqualTo(download);
    }
  }
}
