package dev.apkimg.maven;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.ApkimgException;
import dev.apkimg.api.BaseImage;
import dev.apkimg.api.BuildResult;
import dev.apkimg.image.ImageConfig;
import dev.apkimg.image.LayerBlob;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AppImagesTest {
  private static final Instant BASE_TIME = Instant.parse("2024-01-01T00:00:00Z");
  private static final String DIGEST = "sha256:" + "0".repeat(64);

  private static BaseImage base(Map<String, String> annotations) {
    ImageConfig config = ImageConfig.linux("amd64", BASE_TIME);
    return new BaseImage("app:1", annotations, List.of(new BaseImage.Platform("x86_64",
        new LayerBlob(Path.of("layer.tar.gz"), DIGEST, DIGEST, 1), config, 1, List.of(), List.of())));
  }

  private static BaseImage.Platform platform(String arch, String toolVersion) {
    return new BaseImage.Platform(arch, new LayerBlob(Path.of("layer.tar.gz"), DIGEST, DIGEST, 1),
        ImageConfig.linux("amd64", BASE_TIME), 1, List.of(new BuildResult.InstalledPackage("musl", "1.2.5-r0", arch),
        new BuildResult.InstalledPackage("tool", toolVersion, arch)), List.of());
  }

  @Test
  void architecturesThatInstallDifferentVersionsAreRefusedAsByTheCli() {
    AppImages.checkSameVersions(List.of(platform("x86_64", "1.0-r0"), platform("aarch64", "1.0-r0")));
    assertThatThrownBy(() -> AppImages.checkSameVersions(List.of(platform("x86_64", "1.0-r0"), platform("aarch64", "1.1-r0"))))
        .isInstanceOf(ApkimgException.class)
        .hasMessageStartingWith("package tool differs between architectures: 1.0-r0 for x86_64, 1.1-r0 for aarch64")
        .hasMessageContaining("tool=1.0-r0");
  }

  @Test
  void creationTimeMovesTheCreatedAnnotationWithTheConfiguration() {
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put("org.example.owner", "team");
    annotations.put(AppImages.CREATED, BASE_TIME.toString());
    Map<String, String> result = AppImages.annotations(List.of(base(annotations)),
        List.of(ImageConfig.linux("amd64", Instant.EPOCH)));
    assertThat(result).containsExactly(Map.entry("org.example.owner", "team"),
        Map.entry(AppImages.CREATED, "1970-01-01T00:00:00Z"));
  }

  @Test
  void aCreatedAnnotationTheProfileSetsItselfStays() {
    Map<String, String> annotations = Map.of(AppImages.CREATED, "2020-02-02T00:00:00Z");
    assertThat(AppImages.annotations(List.of(base(annotations)), List.of(ImageConfig.linux("amd64", Instant.EPOCH))))
        .containsEntry(AppImages.CREATED, "2020-02-02T00:00:00Z");
  }
}
