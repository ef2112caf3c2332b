package dev.apkimg.apk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.apk.Dependency.Operator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DependencyTest {

  @Test
  void plainName() {
    assertThat(Dependency.parse("busybox"))
        .isEqualTo(new Dependency("busybox", null, Operator.ANY, null, false));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "name=1.0,    EQUAL,         1.0",
      "name==1.0,   EQUAL,         1.0",
      "name>=1,     GREATER_EQUAL, 1",
      "name<=2,     LESS_EQUAL,    2",
      "name<2,      LESS,          2",
      "name>2,      GREATER,       2",
      "name~1.2,    FUZZY,         1.2",
      "name=~1.2,   FUZZY,         1.2",
      "name~=1.2,   FUZZY,         1.2",
      "name><Q1abc, CHECKSUM,      Q1abc",
  })
  void operators(String text, Operator op, String version) {
    Dependency d = Dependency.parse(text);
    assertThat(d.name()).isEqualTo("name");
    assertThat(d.operator()).isEqualTo(op);
    assertThat(d.version()).isEqualTo(version);
    assertThat(d.conflict()).isFalse();
    assertThat(d.tag()).isNull();
  }

  @Test
  void conflict() {
    Dependency d = Dependency.parse("!openssl<3");
    assertThat(d.conflict()).isTrue();
    assertThat(d.name()).isEqualTo("openssl");
    assertThat(d.operator()).isEqualTo(Operator.LESS);
    assertThat(d.version()).isEqualTo("3");
  }

  @Test
  void tag() {
    assertThat(Dependency.parse("name@edge")).isEqualTo(new Dependency("name", "edge", Operator.ANY, null, false));
    assertThat(Dependency.parse("name@edge>=1.2"))
        .isEqualTo(new Dependency("name", "edge", Operator.GREATER_EQUAL, "1.2", false));
  }

  @ParameterizedTest
  @ValueSource(strings = {"so:libc.musl-x86_64.so.1", "cmd:sh", "/bin/sh", "pc:zlib", "py3.12:foo"})
  void virtualNamesAreNames(String text) {
    Dependency d = Dependency.parse(text);
    assertThat(d.name()).isEqualTo(text);
    assertThat(d.operator()).isEqualTo(Operator.ANY);
  }

  @Test
  void versionedVirtualName() {
    Dependency d = Dependency.parse("so:libc.musl-x86_64.so.1=1");
    assertThat(d.name()).isEqualTo("so:libc.musl-x86_64.so.1");
    assertThat(d.operator()).isEqualTo(Operator.EQUAL);
    assertThat(d.version()).isEqualTo("1");
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', value = {
      "name=     | missing version",
      "name>=    | missing version",
      "name><    | missing version",
      "=1.0      | missing package name",
      "!         | missing package name",
      "''        | missing package name",
      "@tag      | missing package name",
      "name=1.0bc| invalid version '1.0bc'",
      "name>=x y | invalid version",
      "name<1.0_foo | invalid version '1.0_foo'",
  })
  void malformedThrowsWithReason(String text, String reason) {
    assertThatThrownBy(() -> Dependency.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(reason)
        .hasMessageContaining("'" + text.strip() + "'"); // names the atom as written
  }

  @ParameterizedTest(name = "{0} matches {1}: {2}")
  @CsvSource({
      "name,       1.0,      true",
      "name=1.0,   1.0,      true",
      "name=1.0,   1.0-r1,   false",
      "name=1.0,   1.0.1,    false",
      "name>=1,    1,        true",
      "name>=1,    2.0,      true",
      "name>=1,    0.9,      false",
      "name>1,     1,        false",
      "name>1,     1.0,      true",
      "name<2,     1.9,      true",
      "name<2,     2,        false",
      "name<2,     2_rc1,    true",
      "name<=2,    2,        true",
      "name<=2,    2-r1,     false",
      "name~1.2,   1.2,      true",
      "name~1.2,   1.2.3,    true",
      "name~1.2,   1.2.3-r4, true",
      "name~1.2,   1.3,      false",
      "name~1.2,   1.20,     false",
      "name~1.2,   1.1.9,    false",
      "name=~1.2,  1.2.9,    true",
  })
  void versionMatches(String dep, String candidate, boolean expected) {
    assertThat(Dependency.parse(dep).versionMatches(candidate)).isEqualTo(expected);
  }

  @Test
  void versionedConstraintNeverMatchesMissingVersion() {
    assertThat(Dependency.parse("name>=1").versionMatches(null)).isFalse();
    assertThat(Dependency.parse("name").versionMatches(null)).isTrue();
  }

  @Test
  void checksumPinMatchesByChecksumNotVersion() {
    Dependency pin = Dependency.parse("name><Q1abc");
    assertThat(pin.versionMatches("Q1abc")).isFalse(); // a version is never a checksum
    assertThat(info("name", "1.0", "Q1abc").satisfies(pin)).isTrue();
    assertThat(info("name", "1.0", "Q1zzz").satisfies(pin)).isFalse();
    // Not a prefix: apk-tools 2.14 rejects a shortened Q1 pin (ResolverOracleIT checksum-pin-prefix).
    assertThat(info("name", "1.0", "Q1abcdefghijklmnopqrstuvwxyz0=").satisfies(pin)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"name", "name=1.0", "name>=1", "name<2", "name<=2.1-r3", "name>0", "name~1.2",
      "!name", "!name<3", "name@edge", "!name@edge>=1", "so:libc.musl-x86_64.so.1", "cmd:sh=1.36.1-r29",
      "/bin/sh", "name><Q1abc="})
  void toStringRoundTrips(String text) {
    Dependency d = Dependency.parse(text);
    assertThat(d.toString()).isEqualTo(text);
    assertThat(Dependency.parse(d.toString())).isEqualTo(d);
  }

  @Test
  void fuzzySpellingsPrintAsApkDoes() {
    // apk writes every fuzzy operator as "~"
    assertThat(Dependency.parse("name=~1.2").toString()).isEqualTo("name~1.2");
    assertThat(Dependency.parse("name~=1.2").toString()).isEqualTo("name~1.2");
  }

  @Test
  void parseListSplitsOnAnyWhitespace() {
    assertThat(Dependency.parseList("  a b>=1\t!c  so:libd.so.1 "))
        .extracting(Dependency::toString)
        .containsExactly("a", "b>=1", "!c", "so:libd.so.1");
    assertThat(Dependency.parseList(null)).isEmpty();
    assertThat(Dependency.parseList("")).isEmpty();
  }

  static PackageInfo info(String name, String version, String checksum) {
    return new PackageInfo(checksum, name, version, "x86_64", 0, 0, "", "", "", null, null, 0, null, 0,
        java.util.List.of(), java.util.List.of(), java.util.List.of(), java.util.List.of(), 0);
  }
}
