package dev.apkimg.maven;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.ApkimgException;
import dev.apkimg.api.Outputs;
import java.io.File;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SbomSettingsTest {
  private static final Path PROJECT = Path.of("/work/app");
  private static final Path TARGET = PROJECT.resolve("target");

  private static SbomSettings read(Map<String, String> properties, File dir, Boolean attach, boolean byDefault) {
    return SbomSettings.read(ConfigValues.of(properties), dir, attach, byDefault, PROJECT, TARGET);
  }

  @Test
  void byDefaultTheFilesGoToTargetAndOnlyAPushAttachesThem() {
    assertThat(read(Map.of(), null, null, false)).isEqualTo(new SbomSettings(TARGET.resolve("apkimg-sbom"), false));
    assertThat(read(Map.of(), null, null, true)).isEqualTo(new SbomSettings(TARGET.resolve("apkimg-sbom"), true));
  }

  @Test
  void sbomFalseTurnsThemOffUnlessAFolderIsNamedToo() {
    assertThat(read(Map.of("apkimg.sbom", "false"), null, null, true)).isEqualTo(new SbomSettings(null, false));
    assertThat(read(Map.of(), null, false, true).any()).isFalse();
    assertThat(read(Map.of("apkimg.sbom", "false", "apkimg.sbomDir", "sboms"), null, null, true))
        .isEqualTo(new SbomSettings(PROJECT.resolve("sboms"), false));
    assertThat(read(Map.of(), new File("out/../sboms"), false, false))
        .isEqualTo(new SbomSettings(PROJECT.resolve("sboms"), false));
  }

  @Test
  void aPropertyWinsOverTheConfigurationAndTrueAttachesInATarBuild() {
    assertThat(read(Map.of("apkimg.sbom", "true"), null, false, false))
        .isEqualTo(new SbomSettings(TARGET.resolve("apkimg-sbom"), true));
    assertThat(read(Map.of("apkimg.sbom", ""), null, null, false).attach()).as("-Dapkimg.sbom alone").isTrue();
    assertThat(read(Map.of("apkimg.sbomDir", "/abs/sboms"), new File("other"), true, false))
        .isEqualTo(new SbomSettings(Path.of("/abs/sboms"), true));
    assertThatThrownBy(() -> read(Map.of("apkimg.sbom", "maybe"), null, null, false))
        .isInstanceOf(ApkimgException.class).hasMessageContaining("-Dapkimg.sbom");
  }

  @Test
  void attachingToADockerTarOrTheDaemonIsRefusedInThePluginsWordsAnOciTarOrAPushIsNot() {
    assertThat(SbomSettings.refusal(Outputs.builder().dockerArchive(Path.of("app.tar")).sbom(true).build()))
        .contains("<sbom>", "<container><format>Docker", "<sbomDir>").doesNotContain("--");
    assertThat(SbomSettings.refusal(Outputs.builder().daemon(true).sbom(true).build()))
        .contains("<sbom>", "dockerBuild");
    assertThat(SbomSettings.refusal(Outputs.builder().dockerArchive(Path.of("app.tar")).build())).isNull();
    assertThat(SbomSettings.refusal(Outputs.builder().ociArchive(Path.of("app.tar")).sbom(true).build())).isNull();
    assertThat(SbomSettings.refusal(Outputs.builder().push("localhost:5000/app:1").sbom(true).build())).isNull();
  }
}
