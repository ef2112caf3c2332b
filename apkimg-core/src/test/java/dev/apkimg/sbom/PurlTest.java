package dev.apkimg.sbom;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PurlTest {
  @Test
  void theDistroComesFromTheRepositoryPathAndIsLeftOutWhenItNamesNone() {
    assertThat(apk("musl", "1.2.5-r0", "x86_64", null, "https://dl-cdn.alpinelinux.org/alpine/v3.20/main/"))
        .isEqualTo("pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20");
    assertThat(apk("musl", "1.2.6-r0", "aarch64", null, "https://dl-cdn.alpinelinux.org/alpine/edge/main/"))
        .isEqualTo("pkg:apk/alpine/musl@1.2.6-r0?arch=aarch64&distro=alpine-edge");
    assertThat(apk("musl", "1.2.5-r0", "x86_64", null, "https://mirror.example/packages/"))
        .isEqualTo("pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64");
    assertThat(apk("libstdc++", "13.2.1_git20240309-r0", "x86_64", null, null))
        .isEqualTo("pkg:apk/alpine/libstdc%2B%2B@13.2.1_git20240309-r0?arch=x86_64");
  }

  @Test
  void theImagesOsReleaseNamesTheDistroBeforeTheRepositoryPathDoes() {
    ImageFacts.OperatingSystem alpine = new ImageFacts.OperatingSystem("alpine", "3.20.3", "Alpine Linux v3.20");
    assertThat(apk("musl", "1.2.5-r0", "x86_64", alpine, "https://mirror.example/alpine/v3.17/main"))
        .as("a mirror of another branch's path does not outvote the image's own release")
        .isEqualTo("pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20");
    ImageFacts.OperatingSystem wolfi = new ImageFacts.OperatingSystem("wolfi", "20230201", "Wolfi");
    assertThat(apk("glibc", "2.40-r1", "x86_64", wolfi, "https://packages.wolfi.dev/os"))
        .isEqualTo("pkg:apk/wolfi/glibc@2.40-r1?arch=x86_64&distro=wolfi-20230201");
    assertThat(apk("glibc", "2.40-r1", "x86_64", new ImageFacts.OperatingSystem("wolfi", null, null),
        "https://mirror.example/v3.20/os")).as("no release: none guessed from a path")
        .isEqualTo("pkg:apk/wolfi/glibc@2.40-r1?arch=x86_64");
  }

  @Test
  void withoutOsReleaseTheRepositorysHostNamesTheVendor() {
    assertThat(apk("glibc", "2.40-r1", "x86_64", null, "https://packages.wolfi.dev/os"))
        .isEqualTo("pkg:apk/wolfi/glibc@2.40-r1?arch=x86_64");
    assertThat(apk("glibc", "2.40-r1", "x86_64", null, "https://packages.cgr.dev/os"))
        .isEqualTo("pkg:apk/chainguard/glibc@2.40-r1?arch=x86_64");
    assertThat(apk("glibc", "2.40-r1", "x86_64", null, "https://evil.example/packages.wolfi.dev/os"))
        .as("a host, not a path, names the vendor").isEqualTo("pkg:apk/alpine/glibc@2.40-r1?arch=x86_64");
  }

  private static String apk(String name, String version, String arch, ImageFacts.OperatingSystem os, String repo) {
    return Purl.apk(Purl.namespace(os, repo), name, version, arch, Purl.distro(os, repo));
  }

  @Test
  void onlyWellFormedSpdxExpressionsAreKeptAsDeclared() {
    assertThat(SpdxLicense.isExpression("MIT AND (GPL-2.0-only OR BSD-3-Clause)")).isTrue();
    assertThat(SpdxLicense.isExpression("GPL-2.0-or-later WITH Classpath-exception-2.0")).isTrue();
    assertThat(SpdxLicense.isExpression("LicenseRef-foo OR Apache-2.0+")).isTrue();
    assertThat(SpdxLicense.isExpression("mit OR GPL-2.0")).as("ids match without case; deprecated ones are listed").isTrue();
    assertThat(SpdxLicense.isExpression("custom:foo")).isFalse();
    assertThat(SpdxLicense.isExpression("custom")).as("Alpine's custom is no SPDX id").isFalse();
    assertThat(SpdxLicense.isExpression("BSD OR MIT")).isFalse();
    assertThat(SpdxLicense.isExpression("GPL-2.0-only WITH no-such-exception")).isFalse();
    assertThat(SpdxLicense.isExpression("MIT BSD")).isFalse();
    assertThat(SpdxLicense.isExpression("MIT AND")).isFalse();
    assertThat(SpdxLicense.isExpression("(MIT")).isFalse();
    assertThat(SpdxLicense.isExpression("")).isFalse();
    assertThat(SpdxLicense.licenseRef("custom:foo")).isEqualTo("LicenseRef-apk-custom-foo");
  }
}
