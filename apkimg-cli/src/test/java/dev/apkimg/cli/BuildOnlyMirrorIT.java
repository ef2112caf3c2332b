package dev.apkimg.cli;

import static dev.apkimg.cli.Processes.exec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.testing.Prerequisites;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 acceptance: an image built with {@code -r LOCAL_FOLDER} names the profile's runtime
 * repositories in etc/apk/repositories, and {@code apk update} in a container shows no host path
 * (apko#1107: apk there warned "opening /host/path: No such file or directory").
 */
class BuildOnlyMirrorIT {
  private static final String PROFILE_REPOSITORY = "https://dl-cdn.alpinelinux.org/alpine/v3.20/main";

  @TempDir Path tmp;

  @Test
  void theFixtureBaseBuiltFromALocalFolderNamesTheProfilesRepositoryAndApkUpdateShowsNoHostPath() throws Exception {
    Path fixtures = Prerequisites.requireSharedFixtures();
    Path mirror = fixtures.resolve("mirror/v3.20/main");
    Path image = tmp.resolve("out/alpine-base.tar");
    String tag = "apkimg-it/build-only-mirror:" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    List<String> args = new java.util.ArrayList<>(List.of("build", ProfilesTest.PROFILES.resolve("alpine-base.yaml").toString(),
        "-o", image.toString(), "-r", mirror.toString(), "-k", fixtures.resolve("keys/apkimg-test.rsa.pub").toString(),
        "--cache-dir", tmp.resolve("cache").toString(), "-q"));
    Processes.apkimg(args).assertSuccess();
    String repositories = ImageReader.read(image).get("etc/apk/repositories").text();
    assertThat(repositories).isEqualTo(PROFILE_REPOSITORY + "\n").doesNotContain(fixtures.toString());

    Path dockerCommand = Prerequisites.requireDockerDaemon(); // skips the rest without one, unless ITs are required
    args.addAll(List.of("--daemon", "--tag", tag, "-o", tmp.resolve("out/daemon.tar").toString()));
    args.remove(image.toString());
    args.remove("-o");
    Processes.apkimg(args).assertSuccess();
    try {
      // No network: apk cannot fetch the profile's index, but it must try that URL and no host folder.
      Processes.Output update = exec(tmp, dockerCommand.toString(), "run", "--rm", "--network", "none",
          "--entrypoint", "/sbin/apk", tag, "update");
      String said = update.out() + update.err();
      assertThat(said).as(update.toString()).contains(PROFILE_REPOSITORY)
          .doesNotContain(mirror.toString()).doesNotContain(fixtures.toString()).doesNotContain(tmp.toString())
          .doesNotContain("No such file or directory");
    } finally {
      exec(tmp, dockerCommand.toString(), "image", "rm", "--force", tag);
    }
  }
}
