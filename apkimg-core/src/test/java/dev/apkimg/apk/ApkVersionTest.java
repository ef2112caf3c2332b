package dev.apkimg.apk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ApkVersionTest {

  @ParameterizedTest(name = "{0} < {1}")
  @CsvSource(delimiter = ' ', value = {
      "1.0 1.0.1",
      "1.0_alpha 1.0_beta",
      "1.0_beta 1.0_pre",
      "1.0_pre 1.0_rc",
      "1.0_rc 1.0",
      "1.0 1.0_p1",
      "1.0_rc1 1.0_rc2",
      "1.0-r0 1.0-r1",
      "1.0 1.0a",
      "1.0a 1.0b",
      "1.05 1.5",
      "1.2.3 1.2.3_git20230101",
      "2.14.0 2.14.4-r0",
      "20230506-r0 20240705-r0",
      "1.0_p9 1.0_p10",
      "1.9 1.10",
      "1.0_cvs 1.0_svn",
      "1.0_svn 1.0_git",
      "1.0_git 1.0_hg",
      "1.0_hg 1.0_p",
      "1.0 1.0-r1",
      "1.2.3_rc1-r0 1.2.3-r0",
  })
  void olderIsLess(String older, String newer) {
    assertThat(ApkVersion.compare(older, newer)).as("%s vs %s", older, newer).isNegative();
    assertThat(ApkVersion.compare(newer, older)).as("%s vs %s", newer, older).isPositive();
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.0", "1.2.3_rc1-r0", "20240705-r0", "1.0a_p2-r4", "0"})
  void versionEqualsItself(String v) {
    assertThat(ApkVersion.compare(v, v)).isZero();
  }

  /**
   * 1,705 pairs ordered by the real apk-tools 2.14.4 ({@code apk version -t}), recorded by
   * tools/regenerate-version-vectors.sh: real versions of the 3.17 index and synthetic ones
   * that walk the grammar, invalid versions included.
   */
  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("apkToolsVectors")
  void apkToolsVersionData(String a, String op, String b) {
    int expected = switch (op) {
      case "<" -> -1;
      case ">" -> 1;
      default -> 0;
    };
    assertThat(Integer.signum(ApkVersion.compare(a, b))).as("%s %s %s", a, op, b).isEqualTo(expected);
  }

  static Stream<Arguments> apkToolsVectors() throws IOException {
    List<Arguments> out = new ArrayList<>();
    try (InputStream in = ApkVersionTest.class.getResourceAsStream("version-vectors.txt")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        int hash = line.indexOf('#');
        String s = (hash < 0 ? line : line.substring(0, hash)).trim();
        if (s.isEmpty()) {
          continue;
        }
        String[] f = s.split("\\s+");
        out.add(Arguments.of(f[0], f[1], f[2]));
      }
    }
    assertThat(out).hasSizeGreaterThan(1500); // the resource was read, not silently empty
    return out.stream();
  }

  @ParameterizedTest
  @ValueSource(strings = {"1", "1.0", "1.2.3_rc1-r0", "1.0a", "1.2.3_git20230101", "1.0_alpha_pre2",
      "2.14.4-r0", "1.0_p", "0.1.0_alpha2", "1.12345678901234567"})
  void validVersions(String v) {
    assertThat(ApkVersion.isValid(v)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.0bc", "1.0_foo", "1.0-1", "1.0-rx", "1.0 ", "1.0A", "1.0-r1.2", "1.0_rc1.2",
      "1.0a.1a", "1.123456789012345678"})
  void invalidVersions(String v) {
    assertThat(ApkVersion.isValid(v)).as("'%s'", v).isFalse();
  }

  @Test
  void fuzzyComparisonMatchesLongerVersionsWithThePrefix() {
    assertThat(ApkVersion.compare("1.2.3", "1.2", true)).isZero();
    assertThat(ApkVersion.compare("1.2", "1.2", true)).isZero();
    assertThat(ApkVersion.compare("1.3", "1.2", true)).isPositive();
    assertThat(ApkVersion.compare("1.20", "1.2", true)).isPositive();
  }
}
