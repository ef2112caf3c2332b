package dev.apkimg.maven;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.ApkimgException;
import dev.apkimg.image.ImageConfig;
import dev.apkimg.image.ImageOutputs;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContainerSettingsTest {
  private static final Clock NOW = Clock.fixed(Instant.parse("2030-05-06T07:08:09Z"), ZoneOffset.UTC);
  private static final ImageConfig PROFILE = new ImageConfig("linux", "arm", "v7", List.of("/bin/sh", "-c", "run"),
      List.of("serve"), Map.of("PATH", "/usr/bin", "MODE", "base"), "/srv", Instant.parse("2024-01-01T00:00:00Z"),
      Map.of("org.example.base", "apk"), List.of("/data"), List.of("80/tcp"), "SIGQUIT",
      new ImageConfig.History("apkimg: apk add busybox", "busybox-1.36"), "100:100");

  private static ContainerSettings read(ContainerConfiguration c, Map<String, String> properties) {
    return ContainerSettings.read(c, ConfigValues.of(properties), NOW);
  }

  @Test
  void portsExpandRangesAndKeepUdp() {
    assertThat(ContainerSettings.ports(List.of("8080", "53/udp", "7000-7002/tcp", " 9000/TCP ")))
        .containsExactly("8080/tcp", "53/udp", "7000/tcp", "7001/tcp", "7002/tcp", "9000/tcp");
  }

  @Test
  void aBadPortIsRefusedNamingTheParameter() {
    assertThatThrownBy(() -> ContainerSettings.ports(List.of("http")))
        .isInstanceOf(ApkimgException.class).hasMessageContaining("port 'http'").hasMessageContaining("<container><ports>");
    assertThatThrownBy(() -> ContainerSettings.ports(List.of("70000")))
        .hasMessageContaining("out of range 1-65535");
    assertThatThrownBy(() -> ContainerSettings.ports(List.of("9000-8000")))
        .hasMessageContaining("out of range");
  }

  @Test
  void propertiesWinOverTheConfigurationAndKeepTheirOrder() {
    ContainerConfiguration c = new ContainerConfiguration();
    c.environment = new LinkedHashMap<>(Map.of("FROM_POM", "1"));
    c.labels = new LinkedHashMap<>(Map.of("team", "pom"));
    c.ports = List.of("8080");
    ContainerSettings settings = read(c, Map.of(
        "apkimg.container.environment", "B=2,A=1,EMPTY=",
        "apkimg.container.ports", "9090/udp,9091"));
    assertThat(settings.environment()).containsExactly(Map.entry("B", "2"), Map.entry("A", "1"), Map.entry("EMPTY", ""));
    assertThat(settings.labels()).containsExactly(Map.entry("team", "pom"));
    assertThat(settings.ports()).containsExactly("9090/udp", "9091/tcp");
  }

  @Test
  void aMapPropertyWithoutEqualsIsRefused() {
    assertThatThrownBy(() -> read(new ContainerConfiguration(), Map.of("apkimg.container.labels", "team")))
        .isInstanceOf(ApkimgException.class).hasMessage("-Dapkimg.container.labels: 'team' is not KEY=VALUE");
  }

  @Test
  void creationTimeIsEpochNowOrIso8601() {
    assertThat(ContainerSettings.creationTime(null, NOW)).isNull();
    assertThat(ContainerSettings.creationTime("EPOCH", NOW)).isEqualTo(Instant.EPOCH);
    assertThat(ContainerSettings.creationTime("USE_CURRENT_TIMESTAMP", NOW)).isEqualTo(NOW.instant());
    assertThat(ContainerSettings.creationTime("2024-01-01T01:00:00+01:00", NOW))
        .isEqualTo(Instant.parse("2024-01-01T00:00:00Z"));
    assertThat(ContainerSettings.creationTime("2024-02-03T04:05:06Z", NOW))
        .isEqualTo(Instant.parse("2024-02-03T04:05:06Z"));
    assertThatThrownBy(() -> ContainerSettings.creationTime("yesterday", NOW))
        .hasMessageContaining("<container><creationTime> is 'yesterday'")
        .hasMessageContaining("EPOCH, USE_CURRENT_TIMESTAMP");
    assertThatThrownBy(() -> ContainerSettings.creationTime("2024-01-01T00:00:00", NOW))
        .as("no zone: ambiguous").hasMessageContaining("with a zone");
  }

  @Test
  void filesModificationTimeDefaultsToJibsEpochPlusOneSecond() {
    assertThat(read(new ContainerConfiguration(), Map.of()).filesModificationTime()).isEqualTo(Instant.ofEpochSecond(1));
    assertThat(read(new ContainerConfiguration(), Map.of("apkimg.container.filesModificationTime", "EPOCH"))
        .filesModificationTime()).isEqualTo(Instant.EPOCH);
    assertThat(ContainerSettings.filesModificationTime("2020-01-01T00:00:00Z")).isEqualTo(Instant.parse("2020-01-01T00:00:00Z"));
    assertThatThrownBy(() -> ContainerSettings.filesModificationTime("USE_CURRENT_TIMESTAMP"))
        .hasMessageContaining("<container><filesModificationTime>");
  }

  @Test
  void theJavaEntrypointRunsTheClasspathInOrderAndDropsTheProfilesCmd() {
    ContainerConfiguration c = new ContainerConfiguration();
    c.jvmFlags = List.of("-Xmx64m");
    ContainerSettings settings = read(c, Map.of());
    ImageConfig config = settings.imageConfig(PROFILE, "it.app.Main", List.of("/app/resources", "/app/classes", "/app/libs/b.jar", "/app/libs/a.jar"));
    assertThat(config.entrypoint()).containsExactly("java", "-Xmx64m", "-cp",
        "/app/resources:/app/classes:/app/libs/b.jar:/app/libs/a.jar", "it.app.Main");
    assertThat(config.cmd()).isEmpty();
  }

  @Test
  void entrypointInheritKeepsTheProfilesEntrypointAndCmdUnlessArgsAreGiven() {
    ContainerConfiguration c = new ContainerConfiguration();
    c.entrypoint = List.of("INHERIT");
    ContainerSettings inherit = read(c, Map.of());
    assertThat(inherit.runsJava()).isFalse();
    ImageConfig config = inherit.imageConfig(PROFILE, null, List.of());
    assertThat(config.entrypoint()).containsExactly("/bin/sh", "-c", "run");
    assertThat(config.cmd()).containsExactly("serve");

    ImageConfig withArgs = read(c, Map.of("apkimg.container.args", "--port,8080")).imageConfig(PROFILE, null, List.of());
    assertThat(withArgs.entrypoint()).containsExactly("/bin/sh", "-c", "run");
    assertThat(withArgs.cmd()).containsExactly("--port", "8080");

    ImageConfig fromProperty = read(new ContainerConfiguration(), Map.of("apkimg.container.entrypoint", "INHERIT"))
        .imageConfig(PROFILE, null, List.of());
    assertThat(fromProperty.entrypoint()).containsExactly("/bin/sh", "-c", "run");
  }

  @Test
  void anEntrypointReplacesJavaAndInheritCannotBeMixed() {
    ContainerConfiguration c = new ContainerConfiguration();
    c.entrypoint = List.of("/opt/tools/run.sh", "--fast");
    ImageConfig config = read(c, Map.of()).imageConfig(PROFILE, null, List.of());
    assertThat(config.entrypoint()).containsExactly("/opt/tools/run.sh", "--fast");
    c.entrypoint = List.of("INHERIT", "x");
    assertThatThrownBy(() -> read(c, Map.of())).hasMessageContaining("INHERIT alone");
  }

  @Test
  void theProfilesStopSignalVariantLabelsVolumesAndPortsStayAndTheContainersAreAdded() {
    ContainerConfiguration c = new ContainerConfiguration();
    c.labels = Map.of("team", "apkimg");
    c.volumes = List.of("/tmp/app");
    c.ports = List.of("8080");
    c.environment = Map.of("MODE", "app");
    ImageConfig config = read(c, Map.of("apkimg.container.creationTime", "EPOCH")).imageConfig(PROFILE, "a.Main", List.of());
    assertThat(config.stopSignal()).isEqualTo("SIGQUIT");
    assertThat(config.variant()).isEqualTo("v7");
    assertThat(config.labels()).containsEntry("org.example.base", "apk").containsEntry("team", "apkimg");
    assertThat(config.volumes()).containsExactly("/data", "/tmp/app");
    assertThat(config.exposedPorts()).containsExactly("80/tcp", "8080/tcp");
    assertThat(config.environment()).containsEntry("PATH", "/usr/bin").containsEntry("MODE", "app");
    assertThat(config.created()).isEqualTo(Instant.EPOCH);
    assertThat(config.user()).isEqualTo("100:100");
    assertThat(config.workingDir()).isEqualTo("/srv");
    assertThat(config.history()).isEqualTo(PROFILE.history());
  }

  @Test
  void pathsMustBeAbsoluteAndTheFormatOciOrDocker() {
    assertThatThrownBy(() -> read(new ContainerConfiguration(), Map.of("apkimg.container.volumes", "data")))
        .hasMessageContaining("<container><volumes> must be an absolute path");
    assertThatThrownBy(() -> read(new ContainerConfiguration(), Map.of("apkimg.container.appRoot", "/app/../etc")))
        .hasMessageContaining("<container><appRoot>");
    assertThat(read(new ContainerConfiguration(), Map.of("apkimg.container.format", "docker")).format())
        .isEqualTo(ImageOutputs.Format.DOCKER);
    assertThatThrownBy(() -> ContainerSettings.format("tar")).hasMessageContaining("use OCI or Docker");
  }

  @Test
  void aMainClassMustBeAJavaClassName() {
    assertThatThrownBy(() -> read(new ContainerConfiguration(), Map.of("apkimg.container.mainClass", "it.app.Main; rm -rf /")))
        .hasMessageContaining("is not a Java class name");
  }
}
