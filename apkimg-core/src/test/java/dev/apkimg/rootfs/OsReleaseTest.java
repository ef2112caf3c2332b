package dev.apkimg.rootfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OsReleaseTest {
  private static OsRelease parse(String text) {
    return OsRelease.parse(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsAlpinesFileWithQuotedAndPlainValues() {
    OsRelease r = parse("NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME=\"Alpine Linux v3.20\"\n"
        + "HOME_URL=\"https://alpinelinux.org/\"\n");
    assertThat(r).isEqualTo(new OsRelease("alpine", "3.20.3", "Alpine Linux", "Alpine Linux v3.20"));
    assertThat(r.majorMinor()).isEqualTo("3.20");
    assertThat(parse("ID='wolfi'\nVERSION_ID=20230201\n").majorMinor()).isEqualTo("20230201");
    assertThat(parse("ID=wolfi\n").versionId()).isNull();
  }

  @Test
  void aFileWithoutAPlainIdNamesNoDistribution() {
    assertThat(parse("NAME=Something\n")).isNull();
    assertThat(parse("ID=\"al pine\"\n")).as("an ID with a space cannot go into a purl").isNull();
    assertThat(parse("ID=alpine/../x\n")).isNull();
    assertThat(parse("")).isNull();
  }

  @Test
  void valuesThatAreNoPlainTextAreDropped() {
    OsRelease r = parse("ID=alpine\nVERSION_ID=3.20;rm -rf\nNAME=\"a\u0007b\"\nPRETTY_NAME=" + "x".repeat(300) + "\n");
    assertThat(r).isEqualTo(new OsRelease("alpine", null, null, null));
  }

  @Test
  void theFirstOfARepeatedKeyCounts() {
    assertThat(parse("ID=alpine\nID=debian\n").id()).isEqualTo("alpine");
  }
}
