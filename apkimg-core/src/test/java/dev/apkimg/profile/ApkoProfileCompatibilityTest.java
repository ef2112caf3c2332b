package dev.apkimg.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** apko's include lookup, and apko keys apkimg cannot honour refused in one line naming them. */
class ApkoProfileCompatibilityTest {
  @TempDir
  Path tmp;

  private Path write(String name, String yaml) throws IOException {
    Path p = tmp.resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, yaml);
    return p;
  }

  @Test
  void anIncludeIsLookedUpFromTheWorkingDirectoryAsApkoDoes() throws IOException {
    // apko's examples/include.yaml says "include: examples/alpine-base.yaml", run from apko's checkout
    write("checkout/examples/alpine-base.yaml", "contents: {packages: [busybox]}\ncmd: /bin/sh -l\n");
    Path top = write("checkout/examples/include.yaml", "include: examples/alpine-base.yaml\n");

    ImageProfile p = ProfileLoader.load(top, List.of(), tmp.resolve("checkout"));

    assertThat(p.contents().packages()).containsExactly("busybox");
    assertThat(p.cmd()).isEqualTo("/bin/sh -l");
  }

  @Test
  void anIncludeNotFoundFromTheWorkingDirectoryIsLookedUpBesideTheIncludingFile() throws IOException {
    write("proj/base.yaml", "contents: {packages: [busybox]}\n");
    Path top = write("proj/app.yaml", "include: base.yaml\ncmd: /bin/true\n");

    ImageProfile p = ProfileLoader.load(top, List.of(), tmp.resolve("elsewhere"));

    assertThat(p.contents().packages()).containsExactly("busybox");
  }

  @Test
  void theWorkingDirectoryWinsWhenBothHaveTheFileAsInApko() throws IOException {
    write("proj/base.yaml", "contents: {packages: [beside]}\n");
    write("cwd/base.yaml", "contents: {packages: [from-cwd]}\n");
    Path top = write("proj/app.yaml", "include: base.yaml\n");

    assertThat(ProfileLoader.load(top, List.of(), tmp.resolve("cwd")).contents().packages())
        .containsExactly("from-cwd");
  }

  @Test
  void anIncludeFoundNowhereNamesBothPlaces() throws IOException {
    Path top = write("proj/app.yaml", "contents: {packages: [x]}\ninclude: nope.yaml\n");

    assertThatThrownBy(() -> ProfileLoader.load(top, List.of(), tmp.resolve("cwd")))
        .isInstanceOf(ProfileException.class)
        .hasMessage(top + ":2:1: included profile " + tmp.resolve("proj/nope.yaml") + " does not exist (nor "
            + tmp.resolve("cwd/nope.yaml") + ", from the working directory, where apko looks)");
  }

  @Test
  void apkosBaseimageIsRefusedInOneLineNamingIt() throws IOException {
    Path f = write("base_image.yaml", """
        contents:
          baseimage:
            image: base_image/
            apkindex: base_image/apkindex
          packages: [busybox]
        """);
    assertThatThrownBy(() -> ProfileLoader.load(f))
        .isInstanceOf(ProfileException.class)
        .hasMessageStartingWith(f + ":2:3: apko's contents.baseimage is not supported by apkimg: ")
        .hasMessageContaining("contents.packages")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void apkosLayerFormatIsRefusedNamingIt() throws IOException {
    Path f = write("erofs.yaml", "contents: {packages: [busybox]}\nformat: erofs\n");
    assertThatThrownBy(() -> ProfileLoader.load(f))
        .hasMessageStartingWith(f + ":2:1: apko's format is not supported by apkimg: ");
  }

  @Test
  void osReleaseIsReportedAsRemovedFromApko() throws IOException {
    Path f = write("old.yaml", "contents: {packages: [busybox]}\nos-release:\n  name: Alpine\n");
    assertThatThrownBy(() -> ProfileLoader.load(f))
        .hasMessageStartingWith(f + ":2:1: apko's os-release was removed from apko and is not supported by apkimg: ")
        .hasMessageEndingWith("remove the key");
  }

  @Test
  void aKeyOfTheSameNameElsewhereIsStillUnknown() throws IOException {
    // "format" is apko's only at the top: under accounts it is a typo, said as such
    Path f = write("typo.yaml", "contents: {packages: [busybox]}\naccounts:\n  format: x\n");
    assertThatThrownBy(() -> ProfileLoader.load(f)).hasMessageContaining("unknown key 'format' at accounts.format");
  }
}
