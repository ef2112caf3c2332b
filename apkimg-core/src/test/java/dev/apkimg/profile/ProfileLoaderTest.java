package dev.apkimg.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProfileLoaderTest {
  @TempDir
  Path tmp;

  private Path profile(String yaml) throws IOException {
    Path p = tmp.resolve("image.yaml");
    Files.writeString(p, yaml);
    return p;
  }

  private static final String VALID = """
      contents:
        repositories:
          - https://dl-cdn.alpinelinux.org/alpine/v3.20/main
        keyring:
          - keys/mirror.rsa.pub
        packages:
          - busybox
          - ca-certificates-bundle>=20240705
          - so:libc.musl-x86_64.so.1
      archs: [x86_64, aarch64]
      entrypoint:
        command: /bin/sh -c
      cmd: /bin/sh
      environment:
        ZED: last
        PATH: /usr/bin:/bin
        ALPHA: first
        MIDDLE: "x=1"
      work-dir: /srv
      """;

  @Test
  void validProfileParses() throws IOException {
    ImageProfile p = ProfileLoader.load(profile(VALID));
    assertThat(p.contents().repositories()).containsExactly("https://dl-cdn.alpinelinux.org/alpine/v3.20/main");
    assertThat(p.contents().keyring()).containsExactly("keys/mirror.rsa.pub");
    assertThat(p.contents().packages())
        .containsExactly("busybox", "ca-certificates-bundle>=20240705", "so:libc.musl-x86_64.so.1");
    assertThat(p.archs()).containsExactly("x86_64", "aarch64");
    assertThat(p.entrypoint().command()).isEqualTo("/bin/sh -c");
    assertThat(p.cmd()).isEqualTo("/bin/sh");
    assertThat(p.workDir()).isEqualTo("/srv");
    // the image config lists variables in the profile's order, not sorted or hashed
    assertThat(p.environment()).containsExactly(
        java.util.Map.entry("ZED", "last"), java.util.Map.entry("PATH", "/usr/bin:/bin"),
        java.util.Map.entry("ALPHA", "first"), java.util.Map.entry("MIDDLE", "x=1"));
  }

  @Test
  void minimalProfileHasEmptyDefaults() throws IOException {
    ImageProfile p = ProfileLoader.load(profile("contents:\n  packages: [busybox]\n"));
    assertThat(p.archs()).isEmpty();
    assertThat(p.environment()).isEmpty();
    assertThat(p.contents().repositories()).isEmpty();
    assertThat(p.entrypoint()).isNull();
  }

  @Test
  void unknownKeyNamesFileLineColumnAndKey() throws IOException {
    Path f = profile("""
        contents:
          packages: [busybox]
        entrypoint:
          command: /bin/sh
        colour: blue
        """);
    assertThatThrownBy(() -> ProfileLoader.load(f))
        .isInstanceOf(ProfileException.class)
        .hasMessageStartingWith(f + ":5:1: ") // the key's own line, not the line after its value
        .hasMessageContaining("unknown key 'colour'");
  }

  @Test
  void unknownNestedKeySaysWhere() throws IOException {
    Path f = profile("""
        contents:
          packages: [busybox]
          repos: [x]
        """);
    assertThatThrownBy(() -> ProfileLoader.load(f))
        .isInstanceOf(ProfileException.class)
        .hasMessageStartingWith(f + ":3:3: ")
        .hasMessageContaining("unknown key 'repos'")
        .hasMessageContaining("contents")
        .hasMessageContaining("repositories"); // the keys that are known there
  }

  @Test
  void unknownKeyInsideAListItemPointsAtIt() throws IOException {
    Path f = profile("contents:\n  packages: [busybox]\nentrypoint:\n  command: /bin/sh\n  cmd: [x]\n");
    assertThatThrownBy(() -> ProfileLoader.load(f))
        .isInstanceOf(ProfileException.class)
        .hasMessageStartingWith(f + ":5:3: ")
        .hasMessageContaining("unknown key 'cmd' at entrypoint.cmd");
  }

  @ParameterizedTest
  @ValueSource(strings = {"os-release"})
  void apkoKeysNotSupportedYetSaySo(String key) throws IOException {
    Path f = profile("contents:\n  packages: [busybox]\n" + key + ": {}\n");
    assertThatThrownBy(() -> ProfileLoader.load(f))
        .isInstanceOf(ProfileException.class)
        .hasMessageStartingWith(f + ":3:")
        .hasMessageContaining("apko's " + key + " ")
        .hasMessageContaining("not supported by apkimg");
  }

  @Test
  void layeringWithApkosKeyBindsStrategyAndBudget() throws IOException {
    Path f = profile("contents:\n  packages: [busybox]\nlayering:\n  strategy: packages\n  budget: 20\n");
    ImageProfile p = ProfileLoader.load(f);
    assertThat(p.layering()).isEqualTo(new ImageProfile.Layering("packages", 20));
    Path none = profile("contents:\n  packages: [busybox]\n");
    assertThat(ProfileLoader.load(none).layering()).isNull();
  }

  @Test
  void layeringOriginIsRefusedAsNotSupportedYet() throws IOException {
    Path f = profile("contents:\n  packages: [busybox]\nlayering: {strategy: origin, budget: 10}\n");
    assertThatThrownBy(() -> ProfileLoader.load(f))
        .isInstanceOf(ProfileException.class)
        .hasMessageStartingWith(f + ": layering: ")
        .hasMessageContaining("'origin'")
        .hasMessageContaining("not supported yet");
  }

  @ParameterizedTest
  @ValueSource(strings = {"{strategy: packages, budget: 0}", "{strategy: packages, budget: 101}",
      "{strategy: layers}"})
  void layeringOutOfRangeOrUnknownIsRefused(String value) throws IOException {
    Path f = profile("contents:\n  packages: [busybox]\nlayering: " + value + "\n");
    assertThatThrownBy(() -> ProfileLoader.load(f))
        .isInstanceOf(ProfileException.class)
        .hasMessageStartingWith(f + ": layering: ")
        .hasMessageMatching(".*(budget must be from 1 to 100|must be 'packages' or 'single').*");
  }

  @Test
  void yamlSyntaxErrorHasLineAndColumn() throws IOException {
    Path f = profile("""
        contents:
          packages: [busybox
        archs: [x86_64]
        """);
    assertThatThrownBy(() -> ProfileLoader.load(f))
        .isInstanceOf(ProfileException.class)
        .hasMessageStartingWith(f + ":3:6: YAML syntax error: ")
        .hasMessageContaining("expected ',' or ']'"); // what is wrong, not only what was being parsed
  }

  @Test
  void badIndentationIsASyntaxErrorWithLine() throws IOException {
    Path f = profile("contents:\n  packages:\n    - busybox\n   keyring: []\n");
    assertThatThrownBy(() -> ProfileLoader.load(f))
        .isInstanceOf(ProfileException.class)
        .hasMessageStartingWith(f + ":4:");
  }

  @Test
  void wrongTypeSaysWhere() throws IOException {
    Path f = profile("contents:\n  packages:\n    nested: map\n");
    assertThatThrownBy(() -> ProfileLoader.load(f))
        .isInstanceOf(ProfileException.class)
        .hasMessageStartingWith(f + ":3:")
        .hasMessageContaining("contents.packages");
  }

  @Test
  void documentThatIsNotAMapping() throws IOException {
    Path f = profile("- busybox\n- musl\n");
    assertThatThrownBy(() -> ProfileLoader.load(f))
        .isInstanceOf(ProfileException.class)
        .hasMessageStartingWith(f + ":1:1: wrong type");
  }

  @Test
  void missingFile() {
    Path f = tmp.resolve("nope.yaml");
    assertThatThrownBy(() -> ProfileLoader.load(f))
        .isInstanceOf(ProfileException.class)
        .hasMessageContaining(f.toString())
        .hasMessageContaining("does not exist");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "\n\n", "# only a comment\n", "---\n"})
  void emptyFile(String yaml) throws IOException {
    Path f = profile(yaml);
    assertThatThrownBy(() -> ProfileLoader.load(f))
        .isInstanceOf(ProfileException.class)
        .hasMessageContaining(f.toString())
        .hasMessageContaining("empty");
  }

  @ParameterizedTest
  @ValueSource(strings = {"contents:\n  packages: []\n", "contents:\n  repositories: [x]\n", "archs: [x86_64]\n"})
  void noPackagesIsAnError(String yaml) throws IOException {
    Path f = profile(yaml);
    assertThatThrownBy(() -> ProfileLoader.load(f))
        .isInstanceOf(ProfileException.class)
        .hasMessageContaining(f.toString())
        .hasMessageContaining("contents.packages is empty");
  }

  @Test
  void badPackageSpecNamesTheSpec() throws IOException {
    Path f = profile("contents:\n  packages:\n    - busybox\n    - \"openssl>=3.0bc\"\n");
    assertThatThrownBy(() -> ProfileLoader.load(f))
        .isInstanceOf(ProfileException.class)
        .hasMessageContaining(f.toString())
        .hasMessageContaining("contents.packages")
        .hasMessageContaining("openssl>=3.0bc");
  }

  @Test
  void unknownArchListsKnownOnes() throws IOException {
    Path f = profile("contents:\n  packages: [busybox]\narchs: [x86_64, sparc64]\n");
    assertThatThrownBy(() -> ProfileLoader.load(f))
        .isInstanceOf(ProfileException.class)
        .hasMessageContaining("unknown architecture 'sparc64'")
        .hasMessageContaining("x86_64, aarch64");
  }

  @Test
  void ociArchNamesBecomeApkNames() throws IOException {
    Path f = profile("contents:\n  packages: [busybox]\narchs: [amd64, arm64, arm/v7, x86_64]\n");
    assertThat(ProfileLoader.load(f).archs()).containsExactly("x86_64", "aarch64", "armv7");
  }

  @Test
  void imageSettingsAreRead() throws IOException {
    Path f = profile("""
        contents:
          packages: [busybox]
        entrypoint:
          shell-fragment: exec httpd -f
        annotations:
          org.example.team: base
        labels:
          org.example.tier: web
        volumes: [/data]
        ports: [8080/tcp, 53/udp, 9000]
        stop-signal: SIGQUIT
        vcs-url: https://github.com/example/images@0123abc
        """);
    ImageProfile p = ProfileLoader.load(f);
    assertThat(p.entrypoint().shellFragment()).isEqualTo("exec httpd -f");
    assertThat(p.annotations()).containsEntry("org.example.team", "base");
    assertThat(p.labels()).containsEntry("org.example.tier", "web");
    assertThat(p.volumes()).containsExactly("/data");
    assertThat(p.ports()).containsExactly("8080/tcp", "53/udp", "9000");
    assertThat(p.stopSignal()).isEqualTo("SIGQUIT");
    assertThat(p.vcsUrl()).isEqualTo("https://github.com/example/images@0123abc");
  }

  @ParameterizedTest
  @ValueSource(strings = {"volumes: [data]", "ports: [http]", "ports: [70000/tcp]", "stop-signal: ' '"})
  void badImageSettingsNameTheKey(String line) throws IOException {
    Path f = profile("contents:\n  packages: [busybox]\n" + line + "\n");
    assertThatThrownBy(() -> ProfileLoader.load(f))
        .isInstanceOf(ProfileException.class)
        .hasMessageContaining(f + ": " + line.substring(0, line.indexOf(':')));
  }

  @Test
  void splitWordsAsAShellWould() {
    assertThat(ProfileLoader.splitWords("/bin/sh -c 'echo hello world'"))
        .containsExactly("/bin/sh", "-c", "echo hello world");
    assertThat(ProfileLoader.splitWords("  a\t b  ")).containsExactly("a", "b");
    assertThat(ProfileLoader.splitWords("say \"a \\\"quoted\\\" word\" 'it''s'"))
        .containsExactly("say", "a \"quoted\" word", "its");
    assertThat(ProfileLoader.splitWords("'single \\n stays'")).containsExactly("single \\n stays");
    assertThat(ProfileLoader.splitWords("a\\ b c")).containsExactly("a b", "c");
    assertThat(ProfileLoader.splitWords("empty '' \"\"")).containsExactly("empty", "", "");
    assertThat(ProfileLoader.splitWords("x=\"1 2\"y")).containsExactly("x=1 2y");
    assertThat(ProfileLoader.splitWords("")).isEmpty();
    assertThat(ProfileLoader.splitWords(null)).isEmpty();
  }

  @Test
  void splitWordsRejectsAnUnterminatedQuote() {
    assertThatThrownBy(() -> ProfileLoader.splitWords("sh -c 'echo"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unterminated quote");
  }
}
