package dev.apkimg.sbom;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PurlTest {
  @Test
  void theDistroComesFromTheRepositoryPathAndIsLeftOutWhenItNamesNone() {
    assertThat(Purl.apk("musl", "1.2.5-r0", "x86_64", "https://dl-cdn.alpinelinux.org/alpine/v3.20/main/"))
        .isEqualTo("pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20");
    assertThat(Purl.apk("musl", "1.2.6-r0", "aarch64", "https://dl-cdn.alpinelinux.org/alpine/edge/main/"))
        .isEqualTo("pkg:apk/alpine/musl@1.2.6-r0?arch=aarch64&distro=alpine-edge");
    assertThat(Purl.apk("musl", "1.2.5-r0", "x86_64", "https://mirror.example/packages/"))
        .isEqualTo("pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64");
    assertThat(Purl.apk("libstdc++", "13.2.1_git20240309-r0", "x86_64", null))
        .isEqualTo("pkg:apk/alpine/libstdc%2B%2B@13.2.1_git20240309-r0?arch=x86_64");
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
