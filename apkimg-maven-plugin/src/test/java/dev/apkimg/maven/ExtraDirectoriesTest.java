package dev.apkimg.maven;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.tools.jib.api.buildplan.FileEntry;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExtraDirectoriesTest {
  @TempDir
  Path project;

  @Test
  void theFirstMatchingPermissionWinsElseJibsDefaults() {
    Map<String, String> modes = new LinkedHashMap<>();
    modes.put("/opt/tools/run.sh", "700");
    modes.put("/opt/tools/*", "755");
    modes.put("/etc/app/**", "600");
    ExtraDirectories extra = ExtraDirectories.read(null, ConfigValues.of(Map.of()), project);
    ExtraDirectories rules = withRules(modes);
    assertThat(rules.modeOf("/opt/tools/run.sh", false).toOctalString()).isEqualTo("700");
    assertThat(rules.modeOf("/opt/tools/other.sh", false).toOctalString()).isEqualTo("755");
    assertThat(rules.modeOf("/etc/app/conf.d/a.conf", false).toOctalString()).isEqualTo("600");
    assertThat(rules.modeOf("/srv/data.txt", false).toOctalString()).isEqualTo("644");
    assertThat(rules.modeOf("/srv", true).toOctalString()).isEqualTo("755");
    assertThat(extra.directories()).as("no src/main/jib: nothing").isEmpty();
  }

  private ExtraDirectories withRules(Map<String, String> modes) {
    StringBuilder property = new StringBuilder();
    modes.forEach((k, v) -> property.append(property.length() == 0 ? "" : ",").append(k).append('=').append(v));
    return ExtraDirectories.read(null, ConfigValues.of(Map.of("apkimg.extraDirectories.permissions", property.toString())),
        project);
  }

  @Test
  void aModeMustBeThreeOctalDigitsAndAFileAnAbsolutePath() {
    assertThatThrownBy(() -> ExtraDirectories.rules(Map.of("/run.sh", "rwx")))
        .hasMessageContaining("mode 'rwx' of /run.sh is not three octal digits");
    assertThatThrownBy(() -> ExtraDirectories.rules(Map.of("/run.sh", "4755")))
        .hasMessageContaining("not three octal digits");
    assertThatThrownBy(() -> ExtraDirectories.rules(Map.of("run.sh", "755")))
        .hasMessageContaining("file 'run.sh' must be an absolute path");
  }

  @Test
  void pathsGoIntoTheirFolderWithTheirModesAndTheConfiguredTime() throws Exception {
    Path tools = Files.createDirectories(project.resolve("src/extra/bin"));
    Files.writeString(tools.resolve("run.sh"), "#!/bin/sh\n");
    Files.writeString(tools.resolve("README"), "read me\n");
    ExtraDirectoriesConfiguration c = new ExtraDirectoriesConfiguration();
    ExtraDirectoriesConfiguration.ExtraDirectory path = new ExtraDirectoriesConfiguration.ExtraDirectory();
    path.from = new File("src/extra");
    path.into = "/opt/tool";
    c.paths = List.of(path);
    ExtraDirectoriesConfiguration.Permission run = new ExtraDirectoriesConfiguration.Permission();
    run.file = "/opt/tool/bin/*.sh";
    run.mode = "755";
    c.permissions = List.of(run);

    AppLayers.Layer layer = ExtraDirectories.read(c, ConfigValues.of(Map.of()), project).layer(Instant.ofEpochSecond(7));
    Map<String, String> modes = new TreeMap<>();
    for (FileEntry e : layer.layer().getEntries()) {
      modes.put(e.getExtractionPath().toString(), e.getPermissions().toOctalString());
      assertThat(e.getModificationTime()).isEqualTo(Instant.ofEpochSecond(7));
    }
    assertThat(modes).containsExactly(
        Map.entry("/opt/tool/bin", "755"), Map.entry("/opt/tool/bin/README", "644"), Map.entry("/opt/tool/bin/run.sh", "755"));
    assertThat(layer.files()).isEqualTo(2);
  }

  @Test
  void theConventionalFolderIsUsedAndThePropertyReplacesTheConfiguredPaths() throws Exception {
    Files.createDirectories(project.resolve("src/main/jib/etc"));
    Files.writeString(project.resolve("src/main/jib/etc/app.conf"), "x=1\n");
    Files.createDirectories(project.resolve("other"));
    assertThat(ExtraDirectories.read(null, ConfigValues.of(Map.of()), project).directories())
        .containsExactly(new ExtraDirectories.Directory(project.resolve("src/main/jib"), "/"));
    assertThat(ExtraDirectories.read(null, ConfigValues.of(Map.of("apkimg.extraDirectories.paths", "other")), project)
        .directories()).containsExactly(new ExtraDirectories.Directory(project.resolve("other"), "/"));
  }

  @Test
  void aMissingFolderOrARelativeIntoIsRefused() {
    assertThatThrownBy(() -> ExtraDirectories.read(null, ConfigValues.of(Map.of("apkimg.extraDirectories.paths", "nope")), project))
        .hasMessageContaining("extra directory " + project.resolve("nope") + " does not exist");
    ExtraDirectoriesConfiguration c = new ExtraDirectoriesConfiguration();
    ExtraDirectoriesConfiguration.ExtraDirectory path = new ExtraDirectoriesConfiguration.ExtraDirectory();
    path.set(project.toFile());
    path.into = "opt/../../etc";
    c.paths = List.of(path);
    assertThatThrownBy(() -> ExtraDirectories.read(c, ConfigValues.of(Map.of()), project))
        .hasMessageContaining("<into> must be an absolute path");
  }
}
