package dev.apkimg.apk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.repo.Keyring;
import dev.apkimg.testing.Prerequisites;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Alpine's own, unmodified files: the real 3.17 index and a package as Alpine ships it. */
class RealAlpineDataIT {

  @Test
  void readsAndVerifiesAlpinesRealIndex() throws Exception {
    Path fixtures = Prerequisites.requireSharedFixtures();
    Keyring keys = Keyring.of(List.of(fixtures.resolve("alpine-keys/aarch64").toString()), null, null, null);
    ApkIndex index;
    try (InputStream in = new BufferedInputStream(
        Files.newInputStream(fixtures.resolve("mirror/v3.17/main/aarch64/APKINDEX.tar.gz")))) {
      index = ApkIndexReader.read(in, keys);
    }
    assertThat(index.signature())
        .isEqualTo(SignatureStatus.verified("alpine-devel@lists.alpinelinux.org-616ae350.rsa.pub"));
    assertThat(index.packages()).hasSize(5004);
    assertThat(index.packages()).filteredOn(p -> p.name().equals("musl")).singleElement()
        .satisfies(p -> {
          assertThat(p.arch()).isEqualTo("aarch64");
          assertThat(p.provides()).extracting(Dependency::name).contains("so:libc.musl-aarch64.so.1");
        });
  }

  @Test
  void readsAndVerifiesAPackageAsAlpineShipsIt() throws Exception {
    Path fixtures = Prerequisites.requireSharedFixtures();
    Keyring keys = Keyring.of(List.of(fixtures.resolve("alpine-keys/aarch64").toString()), null, null, null);
    int[] files = {0};
    ApkPackage pkg;
    try (InputStream in = new BufferedInputStream(
        Files.newInputStream(fixtures.resolve("real-apks/alpine-baselayout-3.2.0-r23.aarch64.apk")))) {
      pkg = ApkPackageReader.read(in, keys, "alpine-baselayout-3.2.0-r23.aarch64.apk", (e, content) -> {
        if (e.isRegular()) {
          files[0]++;
        }
      });
    }
    assertThat(pkg.signature().isVerified()).isTrue();
    assertThat(pkg.info().name()).isEqualTo("alpine-baselayout");
    assertThat(pkg.info().version()).isEqualTo("3.2.0-r23");
    assertThat(pkg.scripts()).extracting(InstallScript::type).contains("pre-install", "post-install");
    assertThat(files[0]).isPositive();
  }
}
