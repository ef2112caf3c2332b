package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.cli.hostile.HostileBuild;
import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 1, apko's repository keys: {@code repositories} build and go into the image's
 * etc/apk/repositories, {@code build_repositories} only build, {@code runtime_repositories} and
 * {@code runtime_keyring} only go into the image, and a mirror given with {@code -r} only builds:
 * no host folder and no password ever reaches etc/apk/repositories (apko#1107, CVE-2024-36127).
 */
class RepositoryListsTest {
  @TempDir Path tmp;
  private HostileBuild b;
  private Path mirror;

  @BeforeEach
  void mirror() throws IOException {
    b = new HostileBuild(tmp);
    mirror = tmp.resolve("mirror/alpine/main");
    new TestRepository(TestKeys.primary()).add(HostileBuild.pkg("busybox")).write(mirror);
  }

  private String repositoriesFile(Path image) throws IOException {
    return ImageReader.read(image).get("etc/apk/repositories").text();
  }

  @Test
  void aMirrorGivenWithRIsBuildOnlyTheImageNamesTheProfilesRepositoriesWithoutCredentials() throws IOException {
    Path profile = b.profile("""
        contents:
          repositories:
            - https://ci:s3cret@apk.example.com/alpine/v3.20/main/
            - '@testing https://apk.example.com/alpine/edge/testing'
          runtime_repositories: [https://extra.example.org/main]
          packages: [busybox]
        archs: [x86_64]
        """);
    HostileBuild.Result r = b.build(profile, "-r", mirror.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(repositoriesFile(b.image())).isEqualTo("https://apk.example.com/alpine/v3.20/main\n"
        + "@testing https://apk.example.com/alpine/edge/testing\nhttps://extra.example.org/main\n");

    // A locked build (the lockfile records the -r mirror it read) writes the same list.
    Path lockfile = tmp.resolve("app.lock.json");
    HostileBuild.Result lock = b.run("lock", profile.toString(), "-o", lockfile.toString(), "-r", mirror.toString(),
        "-k", b.keyFile().toString(), "--cache-dir", b.cache().toString(), "-q");
    assertThat(lock.code()).as(lock.toString()).isZero();
    Path locked = tmp.resolve("out/locked.tar");
    HostileBuild.Result fromLock = b.run("build", profile.toString(), "--lockfile", lockfile.toString(), "-o",
        locked.toString(), "--cache-dir", b.cache().toString(), "-q");
    assertThat(fromLock.code()).as(fromLock.toString()).isZero();
    assertThat(repositoriesFile(locked)).isEqualTo(repositoriesFile(b.image())).doesNotContain(tmp.toString());
  }

  @Test
  void aHostFolderInRepositoriesBuildsButIsLeftOutOfTheImage() throws IOException {
    Path profile = b.profile("contents:\n  repositories: [" + mirror + "]\n  packages: [busybox]\narchs: [x86_64]\n");
    HostileBuild.Result r = b.build(profile);
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(repositoriesFile(b.image())).isEmpty();
  }

  @Test
  void buildRepositoriesBuildAndRuntimeRepositoriesAreNeverRead() throws IOException {
    try (LoopbackHttpServer runtime = LoopbackHttpServer.serve(tmp.resolve("mirror"))) {
      Path profile = b.profile("contents:\n  build_repositories: [" + mirror + "]\n  runtime_repositories: ["
          + runtime.url() + "alpine/main]\n  packages: [busybox]\narchs: [x86_64]\n");
      HostileBuild.Result r = b.build(profile);
      assertThat(r.code()).as(r.toString()).isZero();
      assertThat(repositoriesFile(b.image())).isEqualTo(runtime.url() + "alpine/main\n");
      assertThat(runtime.requests()).as("requests to a runtime-only repository").isEmpty();
    }
  }

  @Test
  void anIncludedProfilesBuildRepositoriesAreRelativeToItsOwnFolder() throws IOException {
    Path base = Files.createDirectories(tmp.resolve("includes")).resolve("base.yaml");
    Files.writeString(base, "contents:\n  build_repositories: [../mirror/alpine/main]\n"
        + "  runtime_repositories: [https://apk.example.com/main]\n");
    Path top = tmp.resolve("top.yaml");
    Files.writeString(top, "include: includes/base.yaml\ncontents:\n  packages: [busybox]\narchs: [x86_64]\n");
    HostileBuild.Result r = b.build(top);
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(repositoriesFile(b.image())).isEqualTo("https://apk.example.com/main\n");
  }

  @Test
  void runtimeKeyringKeysGoIntoTheImageAndAreNotTrustedToBuild() throws IOException {
    String pem = TestKeys.secondary().publicKeyPem().strip().replace("\n", "\n        ");
    Path profile = b.profile("contents:\n  repositories: [" + mirror + "]\n  runtime_keyring:\n    - name: runtime.rsa.pub\n"
        + "      content: |\n        " + pem + "\n  packages: [busybox]\narchs: [x86_64]\n");
    HostileBuild.Result r = b.build(profile);
    assertThat(r.code()).as(r.toString()).isZero();
    ImageReader image = ImageReader.read(b.image());
    assertThat(image.get("etc/apk/keys/runtime.rsa.pub").text()).isEqualTo(TestKeys.secondary().publicKeyPem().strip() + "\n");
    assertThat(image.get("etc/apk/keys/" + TestKeys.primary().name())).as("the key that verified the build").isNotNull();

    // Signed by the secondary key, which only the runtime keyring holds: refused as untrusted.
    Path other = tmp.resolve("other/alpine/main");
    new TestRepository(TestKeys.secondary()).add(HostileBuild.pkg("busybox")).write(other);
    Files.delete(b.image());
    Path untrusted = b.profile(Files.readString(profile).replace(mirror.toString(), other.toString()));
    b.assertRefused(b.build(untrusted)).contains("signed by " + TestKeys.secondary().name() + ", which is not in the keyring");
  }

  @Test
  void aRuntimeKeyThatIsNoKeyOrHasAPathForANameIsRefusedInOneLine() throws IOException {
    String head = "contents:\n  repositories: [" + mirror + "]\n  packages: [busybox]\n  runtime_keyring:\n";
    b.assertRefused(b.build(b.profile(head + "    - {name: ../evil.pub, content: x}\n")))
        .contains("contents.runtime_keyring").contains("'../evil.pub' is not a file name");
    b.assertRefused(b.build(b.profile(head + "    - {name: a.pub, content: not a key}\n")))
        .contains("contents.runtime_keyring").contains("not a PEM public key");
    b.assertRefused(b.build(b.profile(head + "    - {name: a.pub}\n"))).contains("'a.pub' has no content");
  }
}
