package dev.apkimg.sbom;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MavenPurlTest {
  @Test
  void aPlainJarHasNoQualifiersAClassifierOrAnotherTypeIsNamedInTheSpecsOrder() {
    assertThat(Purl.maven("info.picocli", "picocli", "4.7.7", "jar", null))
        .isEqualTo("pkg:maven/info.picocli/picocli@4.7.7");
    assertThat(Purl.maven("org.example", "native", "2.0", "jar", "linux-x86_64"))
        .isEqualTo("pkg:maven/org.example/native@2.0?classifier=linux-x86_64");
    assertThat(Purl.maven("org.example", "lib", "1.0-SNAPSHOT", "test-jar", "tests"))
        .isEqualTo("pkg:maven/org.example/lib@1.0-SNAPSHOT?classifier=tests&type=test-jar");
    assertThat(Purl.maven("org.example", "war-app", "1.0", "war", ""))
        .isEqualTo("pkg:maven/org.example/war-app@1.0?type=war");
    assertThat(Purl.maven("org.example", "odd+name", "1.0+build", null, null))
        .isEqualTo("pkg:maven/org.example/odd%2Bname@1.0%2Bbuild");
  }
}
