package dev.apkimg.maven;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.ApkimgException;
import dev.apkimg.api.Apkimg;
import dev.apkimg.api.BuildRequest;
import dev.apkimg.profile.ImageProfile;
import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code <connectTimeout>} and {@code <readTimeout>}: the apkimg the goals build with waits as
 * long as they say for a repository that does not answer, and nonsense is refused in one line.
 */
@Timeout(60)
class HttpTimeoutsTest {
  private static final String INDEX = "/alpine/main/x86_64/APKINDEX.tar.gz";

  @TempDir Path tmp;

  /** Builds busybox from a mirror whose index never answers, with the mojo's apkimg. */
  private ApkimgException buildFromSilentMirror(BuildTarMojo mojo, ConfigValues values) throws Exception {
    Path mirror = tmp.resolve("mirror");
    new TestRepository(TestKeys.primary()).add(TestPackage.builder("busybox", "1.0-r0").arch("x86_64")
        .dir("bin").file("bin/busybox", "#!/bin/sh\n").build()).write(mirror.resolve("alpine/main"));
    Path key = TestKeys.primary().writePublicKey(Files.createDirectories(tmp.resolve("keys")));
    try (LoopbackHttpServer server = LoopbackHttpServer.serve(mirror)) {
      server.script(INDEX, LoopbackHttpServer.noAnswer());
      ImageProfile profile = new ImageProfile(new ImageProfile.Contents(List.of(server.url() + "alpine/main"),
          List.of(key.toString()), List.of("busybox")), List.of(), null, null, Map.of(), null);
      BuildRequest request = BuildRequest.builder(profile, tmp).arch("x86_64").cacheDir(tmp.resolve("cache")).build();
      Apkimg apkimg = mojo.apkimg(values);
      try {
        apkimg.buildBase(request, tmp.resolve("work"), event -> { });
      } catch (ApkimgException e) {
        return e;
      }
      throw new AssertionError("the build did not fail");
    }
  }

  @Test
  void aRepositoryThatNeverAnswersFailsTheBuildAfterTheConfiguredReadTimeout() throws Exception {
    BuildTarMojo mojo = new BuildTarMojo();
    mojo.readTimeout = "1";
    long start = System.nanoTime();
    ApkimgException e = buildFromSilentMirror(mojo, ConfigValues.of(Map.of()));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThat(MavenMessages.render(e)).startsWith("cannot download http://127.0.0.1:")
        .contains("/alpine/main/x86_64/APKINDEX.tar.gz: no response within 1 s").doesNotContain("\n");
  }

  @Test
  void thePropertyWinsOverTheParameter() throws Exception {
    BuildTarMojo mojo = new BuildTarMojo();
    long start = System.nanoTime();
    ApkimgException e = buildFromSilentMirror(mojo, ConfigValues.of(Map.of("apkimg.readTimeout", "0.5")));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThat(e.getMessage()).contains("no response within 0.5 s");
  }

  @Test
  void nonsenseTimeoutsAreRefusedInOneLineNamingTheParameter() {
    BuildTarMojo mojo = new BuildTarMojo();
    mojo.connectTimeout = "0";
    assertThatThrownBy(() -> mojo.apkimg(ConfigValues.of(Map.of()))).isInstanceOf(ApkimgException.class)
        .hasMessage("<connectTimeout> (-Dapkimg.connectTimeout) must be more than 0 and at most 86400 seconds, not '0'");
    BuildTarMojo other = new BuildTarMojo();
    assertThatThrownBy(() -> other.apkimg(ConfigValues.of(Map.of("apkimg.readTimeout", "1 minute"))))
        .isInstanceOf(ApkimgException.class)
        .hasMessage("<readTimeout> (-Dapkimg.readTimeout) must be more than 0 and at most 86400 seconds, not '1 minute'");
    assertThat(new BuildTarMojo().apkimg(ConfigValues.of(Map.of("apkimg.connectTimeout", "2.5")))).isNotNull();
  }
}
