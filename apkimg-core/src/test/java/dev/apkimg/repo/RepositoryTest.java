package dev.apkimg.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.ApkimgException;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class RepositoryTest {

  @Test
  void untaggedRepositoryHasNoTag() {
    Repository r = Repository.parse("https://dl-cdn.alpinelinux.org/alpine/v3.20/main/", null);
    assertThat(r.tag()).isNull();
    assertThat(r.spec()).isEqualTo("https://dl-cdn.alpinelinux.org/alpine/v3.20/main");
    assertThat(r.indexUri("x86_64"))
        .isEqualTo(URI.create("https://dl-cdn.alpinelinux.org/alpine/v3.20/main/x86_64/APKINDEX.tar.gz"));
  }

  @Test
  void taggedRepositoryKeepsItsTagInSpecAndReadsFromTheUrl() {
    Repository r = Repository.parse("@edge  https://dl-cdn.alpinelinux.org/alpine/edge/testing/", null);
    assertThat(r.tag()).isEqualTo("edge");
    // spec is the etc/apk/repositories line, where apk needs the tag again
    assertThat(r.spec()).isEqualTo("@edge https://dl-cdn.alpinelinux.org/alpine/edge/testing");
    assertThat(r.indexUri("aarch64"))
        .isEqualTo(URI.create("https://dl-cdn.alpinelinux.org/alpine/edge/testing/aarch64/APKINDEX.tar.gz"));
  }

  @Test
  void taggedRelativePathResolvesAgainstTheProfileFolder() {
    Repository r = Repository.parse("@local repo", Path.of("/work/profiles"));
    assertThat(r.tag()).isEqualTo("local");
    assertThat(r.base()).isEqualTo(URI.create("file:///work/profiles/repo/"));
  }

  @Test
  void tagWithoutUrlOrNameIsRefused() {
    assertThatThrownBy(() -> Repository.parse("@edge", null)).isInstanceOf(ApkimgException.class)
        .hasMessageContaining("'@tag URL'");
    assertThatThrownBy(() -> Repository.parse("@ https://x/", null)).isInstanceOf(ApkimgException.class)
        .hasMessageContaining("'@tag URL'");
  }
}
