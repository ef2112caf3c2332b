package dev.apkimg.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading {@code accounts}, {@code paths}, {@code files} and {@code include}. */
class ProfileFeaturesTest {
  @TempDir Path tmp;

  private Path write(String name, String yaml) throws IOException {
    Path p = tmp.resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, yaml);
    return p;
  }

  @Test
  void profilesWithoutTheNewKeysKeepTheirChecksum() throws IOException {
    // The value apkimg 829acb4 (before accounts/paths/files/include) computed: lockfiles stay valid.
    Path p = write("p.yaml", "contents:\n  repositories: [https://example.org/main]\n  packages: [busybox]\n"
        + "archs: [x86_64]\ncmd: /bin/sh\n");
    assertThat(ProfileLoader.load(p).checksum())
        .isEqualTo("sha256:79cd0d6bbfcd0aa94a7398a111a479c6672d1596d8e03bf54d56bcabc5f0c357");
    Path withUser = write("q.yaml", Files.readString(p) + "accounts:\n  run-as: '65534'\n");
    assertThat(ProfileLoader.load(withUser).checksum()).isNotEqualTo(ProfileLoader.load(p).checksum());
  }

  @Test
  void permissionsAreOctalHoweverWritten() throws IOException {
    Path p = write("p.yaml", """
        contents: {packages: [busybox]}
        paths:
          - {type: directory, path: /a, permissions: 0755}
          - {type: directory, path: /b, permissions: 0o4755}
          - {type: directory, path: /c, permissions: '2750'}
          - {type: directory, path: /d, permissions: 1777}
        """);
    assertThat(ProfileLoader.load(p).paths()).extracting(ImageProfile.PathMutation::permissions)
        .containsExactly(0755, 04755, 02750, 01777);
  }

  @Test
  void includesMergeScalarsListsAndMaps() throws IOException {
    write("a/base.yaml", """
        contents:
          repositories: [https://example.org/main]
          packages: [busybox]
        environment: {A: "1", B: "1"}
        cmd: /bin/base
        work-dir: /base
        files: [{source: conf, target: /etc/conf}]
        """);
    Files.createDirectories(tmp.resolve("a/conf"));
    write("b.yaml", "contents:\n  packages: [zlib]\nenvironment: {C: '3'}\n");
    Path top = write("top.yaml", """
        include: [a/base.yaml, b.yaml]
        contents:
          packages: [app]
        environment: {B: "2"}
        work-dir: /top
        """);
    ImageProfile p = ProfileLoader.load(top);
    assertThat(p.contents().packages()).containsExactly("busybox", "zlib", "app");
    assertThat(p.contents().repositories()).containsExactly("https://example.org/main");
    assertThat(p.environment()).isEqualTo(Map.of("A", "1", "B", "2", "C", "3"));
    assertThat(p.cmd()).isEqualTo("/bin/base");
    assertThat(p.workDir()).isEqualTo("/top");
    assertThat(p.include()).isEmpty();
    assertThat(p.files()).extracting(ImageProfile.FileCopy::source).containsExactly("a/conf"); // relative to top.yaml now
  }

  @Test
  void anIncludedProfilesRelativeRepositoriesAndKeysStayItsOwn() throws IOException {
    write("base/shared.yaml", """
        contents:
          repositories: [mirror/main, "@edge edge/main", https://dl-cdn.alpinelinux.org/alpine/v3.20/main]
          keyring: [keys/k.rsa.pub, /etc/apk/keys/a.rsa.pub]
          packages: [busybox]
        """);
    Path top = write("app.yaml", "include: [base/shared.yaml]\ncontents:\n  repositories: [local]\n");

    ImageProfile p = ProfileLoader.load(top);

    assertThat(p.contents().repositories()).containsExactly("base/mirror/main", "@edge base/edge/main",
        "https://dl-cdn.alpinelinux.org/alpine/v3.20/main", "local");
    assertThat(p.contents().keyring()).containsExactly("base/keys/k.rsa.pub", "/etc/apk/keys/a.rsa.pub");
  }

  @Test
  void includeErrorsNameTheirFileAndLine() throws IOException {
    Path a = write("a.yaml", "contents:\n  packages: [x]\ninclude:\n  - b.yaml\n");
    Path b = write("b.yaml", "include: c.yaml\n");
    Path c = write("c.yaml", "include: a.yaml\n");
    assertThatThrownBy(() -> ProfileLoader.load(a)).isInstanceOf(ProfileException.class)
        .hasMessage(c + ":1:1: include cycle: " + a + " -> " + b + " -> " + c + " -> " + a);

    Path self = write("self.yaml", "include: self.yaml\ncontents: {packages: [x]}\n");
    assertThatThrownBy(() -> ProfileLoader.load(self)).hasMessageContaining("include cycle: " + self + " -> " + self);

    Path missing = write("m.yaml", "contents: {packages: [x]}\ninclude: [nope.yaml]\n");
    assertThatThrownBy(() -> ProfileLoader.load(missing)).hasMessageStartingWith(missing + ":2:11: ")
        .hasMessageContaining("included profile " + tmp.resolve("nope.yaml") + " does not exist");

    write("bad.yaml", "contents:\n  pakages: [x]\n");
    Path inc = write("inc.yaml", "include: bad.yaml\ncontents: {packages: [x]}\n");
    assertThatThrownBy(() -> ProfileLoader.load(inc)).hasMessageStartingWith(tmp.resolve("bad.yaml") + ":2:3: ")
        .hasMessageContaining("unknown key 'pakages'");

    write("list.yaml", "environment: [a]\n");
    Path clash = write("clash.yaml", "include: list.yaml\ncontents: {packages: [x]}\nenvironment: {A: b}\n");
    assertThatThrownBy(() -> ProfileLoader.load(clash)).isInstanceOf(ProfileException.class);
  }

  @Test
  void duplicateAccountsAreErrorsWithBothPlaces() throws IOException {
    Path p = write("p.yaml", """
        contents: {packages: [x]}
        accounts:
          groups:
            - {groupname: a, gid: 10}
            - {groupname: b, gid: 10}
        """);
    assertThatThrownBy(() -> ProfileLoader.load(p)).isInstanceOf(ProfileException.class)
        .hasMessage(p + ":5:22: duplicate gid 10 (first at " + p + ":4:22)");
    Path u = write("u.yaml", """
        contents: {packages: [x]}
        accounts:
          users:
            - {username: a, uid: 1}
            - {username: a, uid: 2}
        """);
    assertThatThrownBy(() -> ProfileLoader.load(u)).hasMessage(u + ":5:8: duplicate user name 'a' (first at " + u + ":4:8)");
    Path noGid = write("g.yaml", "contents: {packages: [x]}\naccounts:\n  groups: [{groupname: a}]\n");
    assertThatThrownBy(() -> ProfileLoader.load(noGid)).hasMessageContaining("group 'a' needs a gid");
  }

  @Test
  void pathAndFileItemsAreChecked() throws IOException {
    Path noSource = write("p.yaml", "contents: {packages: [x]}\npaths:\n  - {type: symlink, path: /a}\n");
    assertThatThrownBy(() -> ProfileLoader.load(noSource)).hasMessage(noSource + ":3:5: paths: a symlink needs a source (what it points to)");
    Path unknown = write("q.yaml", "contents: {packages: [x]}\npaths:\n  - {type: fifo, path: /a, mode: 1}\n");
    assertThatThrownBy(() -> ProfileLoader.load(unknown)).hasMessageContaining("unknown key 'mode'");
    Path files = write("f.yaml", "contents: {packages: [x]}\nfiles:\n  - {source: nope, target: /a}\n");
    assertThatThrownBy(() -> ProfileLoader.load(files)).hasMessage(files + ":3:6: files: source " + tmp.resolve("nope")
        + " does not exist");
    assertThat(ProfileLoader.PATH_TYPES).isEqualTo(List.of("directory", "empty-file", "hardlink", "symlink", "permissions"));
  }
}
