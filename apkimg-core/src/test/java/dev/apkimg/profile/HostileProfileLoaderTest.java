package dev.apkimg.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Profiles written to attack the build (issue #9): account fields that would add lines to
 * etc/passwd, files that are no profiles, sources outside the profile's folder, YAML that Jackson
 * would read wrongly. Each is refused with one line naming the file, line, column and key.
 */
class HostileProfileLoaderTest {
  @TempDir Path tmp;

  private Path write(String name, String yaml) throws IOException {
    Path p = tmp.resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, yaml);
    return p;
  }

  private static void assertOneLine(Throwable e) {
    assertThat(e).isInstanceOf(ProfileException.class);
    assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("\r");
  }

  // ---------------------------------------------------------------- accounts

  @Test
  void aNewlineInAShellThatWouldAddASecondRootAccountIsRefused() throws IOException {
    Path p = write("p.yaml", """
        contents: {packages: [x]}
        accounts:
          users:
            - username: app
              uid: 1000
              shell: "/bin/sh\\nroot2::0:0:root:/root:/bin/sh"
        """);
    assertThatThrownBy(() -> ProfileLoader.load(p)).satisfies(HostileProfileLoaderTest::assertOneLine)
        .hasMessageStartingWith(p + ":6:7: accounts.users[0].shell: '/bin/sh\\nroot2::0:0:root:/root:/bin/sh'")
        .hasMessageContaining("control character");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "users: [{username: app, uid: 5, homedir: '/home/app:0:0'}]  | 1:44 | accounts.users[0].homedir: '/home/app:0:0' contains ':'",
      "users: [{username: app, uid: 5, homedir: home}]             | 1:44 | accounts.users[0].homedir: 'home' is not an absolute path",
      "users: [{username: app, uid: 5, homedir: /home/../etc}]     | 1:44 | accounts.users[0].homedir: '/home/../etc' contains '..'",
      "users: [{username: app, uid: 5, shell: '/bin/sh,x'}]        | 1:44 | accounts.users[0].shell: '/bin/sh,x' contains ','",
      "users: [{username: app, uid: 5, shell: \"/bin/sh\\0\"}]       | 1:44 | accounts.users[0].shell: '/bin/sh\\x00' contains a control character",
      "users: [{username: app, uid: -1}]                           | 1:36 | accounts.users[0].uid: -1 is not from 0 to 4294967294",
      "users: [{username: app, uid: 4294967295}]                   | 1:36 | accounts.users[0].uid: 4294967295 is not from 0 to 4294967294",
      "users: [{username: app, uid: 5, gid: 8589934592}]           | 1:44 | accounts.users[0].gid: 8589934592 is not from 0 to 4294967294",
      "users: [{username: 'root:x', uid: 5}]                       | 1:21 | accounts.users[0].username: 'root:x' is not a valid name",
      "users: [{username: -rf, uid: 5}]                            | 1:21 | accounts.users[0].username: '-rf' is not a valid name",
      "users: [{username: 123, uid: 5}]                            | 1:21 | accounts.users[0].username: '123' is all digits",
      "users: [{username: abcdefghijklmnopqrstuvwxyz0123456, uid: 5}] | 1:21 | accounts.users[0].username: 'abcdefghijklmnopqrstuvwxyz0123456' is longer than 32 characters",
      "groups: [{groupname: app, gid: 5, members: ['a,root']}]     | 1:46 | accounts.groups[0].members[0]: 'a,root' is not a valid name",
      "groups: [{groupname: app, gid: 5, members: [ok, \"b\\nx\"]}]   | 1:46 | accounts.groups[0].members[1]: 'b\\nx' is not a valid name",
      "groups: [{groupname: app, gid: -7}]                         | 1:38 | accounts.groups[0].gid: -7 is not from 0 to 4294967294",
  })
  void accountFieldsEtcPasswdCannotHoldAreRefusedNamingTheField(String accounts, String at, String message)
      throws IOException {
    Path p = write("a.yaml", "accounts: {" + accounts + "}\ncontents: {packages: [x]}\n");
    assertThatThrownBy(() -> ProfileLoader.load(p)).satisfies(HostileProfileLoaderTest::assertOneLine)
        .hasMessageStartingWith(p + ":" + at + ": " + message);
  }

  @Test
  void ownerIdsOfPathsAndFilesAndRunAsAreBounded() throws IOException {
    Path paths = write("p.yaml", "contents: {packages: [x]}\npaths: [{type: directory, path: /d, uid: -3}]\n");
    assertThatThrownBy(() -> ProfileLoader.load(paths)).hasMessage(paths + ":2:37: paths[0].uid: -3 is not from 0 to 4294967294");
    Path runAs = write("r.yaml", "contents: {packages: [x]}\naccounts: {run-as: '4294967296'}\n");
    assertThatThrownBy(() -> ProfileLoader.load(runAs)).hasMessageContaining("accounts.run-as")
        .hasMessageContaining("4294967296 is not from 0 to 4294967294");
    Path fine = write("f.yaml", "contents: {packages: [x]}\naccounts:\n  users: [{username: nobody, uid: 4294967294, "
        + "shell: /sbin/nologin, homedir: /}]\n  run-as: '4294967294:0'\n");
    assertThat(ProfileLoader.load(fine).accounts().users().get(0).uid()).isEqualTo(4294967294L);
  }

  // ---------------------------------------------------------------- what a profile file is

  @Test
  @EnabledOnOs({OS.LINUX, OS.MAC})
  void aDeviceAFifoADirectoryAndAnOversizedFileAreNoProfiles() throws Exception {
    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      assertThatThrownBy(() -> ProfileLoader.load(Path.of("/dev/zero"))).satisfies(HostileProfileLoaderTest::assertOneLine)
          .hasMessage("profile /dev/zero is not a regular file but a device, FIFO or socket: give a YAML file");
      Path fifo = tmp.resolve("fifo.yaml");
      assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
      assertThatThrownBy(() -> ProfileLoader.load(fifo)).hasMessage("profile " + fifo
          + " is not a regular file but a device, FIFO or socket: give a YAML file");
      Path dir = Files.createDirectories(tmp.resolve("dir.yaml"));
      assertThatThrownBy(() -> ProfileLoader.load(dir)).hasMessage("profile " + dir + " is not a regular file but a directory: give a YAML file");
      Path big = write("big.yaml", "contents: {packages: [x]}\n" + "#".repeat(ProfileLoader.MAX_PROFILE_BYTES) + "\n");
      assertThatThrownBy(() -> ProfileLoader.load(big)).satisfies(HostileProfileLoaderTest::assertOneLine)
          .hasMessage("profile " + big + " is " + Files.size(big) + " bytes: a profile may have at most 1048576 bytes (1 MiB)");

      // the same rules for included profiles, which are named relative to the including file
      Path inc = write("sub/inc.yaml", "contents: {packages: [x]}\ninclude: [../fifo.yaml]\n");
      assertThatThrownBy(() -> ProfileLoader.load(inc)).hasMessage(inc + ":2:11: included profile " + fifo
          + " is not a regular file but a device, FIFO or socket: give a YAML file");
      Path incZero = write("z.yaml", "contents: {packages: [x]}\ninclude: [/dev/zero]\n");
      assertThatThrownBy(() -> ProfileLoader.load(incZero)).hasMessage(incZero
          + ":2:11: included profile /dev/zero is not a regular file but a device, FIFO or socket: give a YAML file");
      Path incBig = write("sub/b.yaml", "include: [../big.yaml]\n");
      assertThatThrownBy(() -> ProfileLoader.load(incBig)).hasMessageStartingWith(incBig + ":1:11: included profile " + big + " is ")
          .hasMessageEndingWith("a profile may have at most 1048576 bytes (1 MiB)");
    });
  }

  @Test
  void includesThatDoubleAtEachLevelAreStoppedNotReadTwoToTheDepthTimes() throws Exception {
    write("l30.yaml", "contents: {packages: [x]}\n");
    for (int i = 29; i >= 0; i--) {
      write("l" + i + ".yaml", "include: [l" + (i + 1) + ".yaml, l" + (i + 1) + ".yaml]\n");
    }
    assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThatThrownBy(() -> ProfileLoader.load(tmp.resolve("l0.yaml")))
        .satisfies(HostileProfileLoaderTest::assertOneLine)
        .hasMessageEndingWith("more than 100 profiles read for one build (an include included again counts again):"
            + " include each shared profile once"));
  }

  @Test
  void aProfileThatIsNotUtf8IsRefused() throws IOException {
    Path p = tmp.resolve("latin1.yaml");
    Files.write(p, "contents: {packages: [caf\u00e9]}\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    assertThatThrownBy(() -> ProfileLoader.load(p)).hasMessage("profile " + p + " is not UTF-8 text");
  }

  // ---------------------------------------------------------------- files.source

  @Test
  void aSourceOutsideTheProfilesFolderIsRefusedNamingProfileKeyAndPath() throws IOException {
    Path secret = write("secret", "host secret\n");
    Path p = write("proj/p.yaml", "contents: {packages: [x]}\nfiles:\n  - {source: ../../../../../../../../.." + secret
        + ", target: /x}\n");
    assertThatThrownBy(() -> ProfileLoader.load(p)).satisfies(HostileProfileLoaderTest::assertOneLine)
        .hasMessage(p + ":3:6: files[0].source: '../../../../../../../../.." + secret + "' is outside " + tmp.resolve("proj")
            + ", the folder of the profile that names it: copy it there, or allow its folder explicitly")
        .extracting(e -> ((dev.apkimg.ApkimgException) e).hint()).isEqualTo(dev.apkimg.Hint.FILES_ROOT);

    Path absolute = write("proj/abs.yaml", "contents: {packages: [x]}\nfiles: [{target: /x, source: " + secret + "}]\n");
    assertThatThrownBy(() -> ProfileLoader.load(absolute)).hasMessageStartingWith(absolute + ":2:22: files[0].source: '"
        + secret + "' is outside");

    // explicitly widened by the user, not by the profile
    assertThat(ProfileLoader.load(p, List.of(tmp)).files()).hasSize(1);
    assertThatThrownBy(() -> ProfileLoader.load(p, List.of(tmp.resolve("nope")))).hasMessage("files root " + tmp.resolve("nope")
        + " does not exist");
  }

  @Test
  void aSymlinkOutOfTheProfilesFolderIsResolvedAndRefused() throws IOException {
    Path secret = write("secret", "host secret\n");
    Files.createDirectories(tmp.resolve("proj/conf"));
    Files.createSymbolicLink(tmp.resolve("proj/leak"), secret);
    Files.createSymbolicLink(tmp.resolve("proj/up"), tmp);
    Path p = write("proj/p.yaml", "contents: {packages: [x]}\nfiles:\n  - {source: conf, target: /c}\n  - {source: leak, target: /x}\n");
    assertThatThrownBy(() -> ProfileLoader.load(p)).hasMessage(p + ":4:6: files[1].source: 'leak' is outside "
        + tmp.resolve("proj") + ", the folder of the profile that names it (it resolves to " + secret.toRealPath()
        + "): copy it there, or allow its folder explicitly");
    Path viaDir = write("proj/q.yaml", "contents: {packages: [x]}\nfiles: [{source: up/secret, target: /x}]\n");
    assertThatThrownBy(() -> ProfileLoader.load(viaDir)).hasMessageContaining("files[0].source: 'up/secret' is outside");
  }

  @Test
  void anIncludedProfilesSourcesStayInsideItsOwnFolder() throws IOException {
    write("proj/app.conf", "conf\n");
    write("proj/base/motd", "motd\n");
    Path base = write("proj/base/base.yaml", "contents: {packages: [x]}\nfiles:\n  - {source: motd, target: /etc/motd}\n"
        + "  - {source: ../app.conf, target: /etc/app.conf}\n");
    Path top = write("proj/top.yaml", "include: [base/base.yaml]\n");
    // inside the top profile's folder, but outside the folder of the profile that names it
    assertThatThrownBy(() -> ProfileLoader.load(top)).hasMessageStartingWith(base + ":4:6: files[1].source: '../app.conf' is outside "
        + tmp.resolve("proj/base"));
    Files.writeString(base, "contents: {packages: [x]}\nfiles: [{source: motd, target: /etc/motd}]\n");
    assertThat(ProfileLoader.load(top).files()).extracting(ImageProfile.FileCopy::source).containsExactly("base/motd");
  }

  // ---------------------------------------------------------------- YAML

  @Test
  void aKeyGivenTwiceIsAnErrorNamingBothPlaces() throws IOException {
    Path top = write("t.yaml", "contents: {packages: [x]}\narchs: [x86_64]\ncontents: {packages: [y]}\n");
    assertThatThrownBy(() -> ProfileLoader.load(top)).hasMessage(top
        + ":3:1: duplicate key 'contents' (first at line 1, column 1): a key may appear once in a mapping");
    Path nested = write("n.yaml", "contents:\n  packages: [x]\n  repositories: [a]\n  packages: [y]\n");
    assertThatThrownBy(() -> ProfileLoader.load(nested)).hasMessage(nested
        + ":4:3: duplicate key 'packages' (first at line 2, column 3): a key may appear once in a mapping");
    Path env = write("e.yaml", "contents: {packages: [x]}\nenvironment: {A: '1', A: '2'}\n");
    assertThatThrownBy(() -> ProfileLoader.load(env)).hasMessageStartingWith(env + ":2:23: duplicate key 'A'");
    // the same key in two items of a list is no duplicate
    Path items = write("i.yaml", "contents: {packages: [x]}\npaths: [{type: directory, path: /a}, {type: directory, path: /b}]\n");
    assertThat(ProfileLoader.load(items).paths()).hasSize(2);
  }

  @Test
  void aYamlAliasIsRefusedRatherThanReadAsItsAnchorsName() throws IOException {
    Path p = write("a.yaml", "contents:\n  packages: &pkgs [busybox]\nx-base: &base /bin/sh\ncmd: *base\n");
    assertThatThrownBy(() -> ProfileLoader.load(p)).hasMessage(p
        + ":4:6: YAML alias '*base': aliases and anchors are not supported in profiles; write the value out");
    Path merge = write("m.yaml", "contents: {packages: [x]}\nenvironment:\n  <<: *defaults\n");
    assertThatThrownBy(() -> ProfileLoader.load(merge)).hasMessageContaining("YAML alias '*defaults'");
    Path key = write("k.yaml", "contents: {packages: [x]}\nenvironment: {&k A: '1', *k : '2'}\n");
    assertThatThrownBy(() -> ProfileLoader.load(key)).hasMessageStartingWith(key + ":2:").hasMessageContaining("YAML alias '*k'");
  }

  @Test
  void billionLaughsIsRefusedAtOnce() throws Exception {
    StringBuilder yaml = new StringBuilder("contents: {packages: [x]}\nx-a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (int i = 1; i < 10; i++) {
      yaml.append("x-a").append(i).append(": &a").append(i).append(" [");
      for (int j = 0; j < 9; j++) {
        yaml.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
      }
      yaml.append("]\n");
    }
    yaml.append("cmd: *a9\n");
    Path p = write("lol.yaml", yaml.toString());
    assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThatThrownBy(() -> ProfileLoader.load(p))
        .hasMessage(p + ":3:12: YAML alias '*a0': aliases and anchors are not supported in profiles; write the value out"));
  }

  @Test
  void deepNestingIsRefusedInApkimgsWords() throws IOException {
    Path p = write("deep.yaml", "contents: {packages: [x]}\nx-deep: " + "[".repeat(5000) + "]".repeat(5000) + "\n");
    assertThatThrownBy(() -> ProfileLoader.load(p)).satisfies(HostileProfileLoaderTest::assertOneLine)
        .hasMessageStartingWith(p + ":2:")
        .hasMessageEndingWith(": the YAML exceeds a parser limit (more than 1000 levels nested): a profile is not that deep or big")
        .message().doesNotContain("`");
  }

  @Test
  void aSecondYamlDocumentIsRefusedNotIgnored() throws IOException {
    Path p = write("d.yaml", "contents: {packages: [x]}\n---\ncontents: {packages: [y]}\n");
    assertThatThrownBy(() -> ProfileLoader.load(p)).hasMessage(p + ":3:1: a second YAML document ('---'): a profile is one document");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      // today: "Should never call `set()` on setterless property ('members')"
      "accounts: {groups: [{groupname: a, gid: 1, members: [x], members: [y]}]} | 1:58 | duplicate key 'members' (first at line 1, column 44): a key may appear once in a mapping",
      // today: "Cannot deserialize value of type `java.lang.String` from Object value (token `JsonToken.START_OBJECT`)"
      "contents: {packages: [busybox, {name: musl}]}                            | 1:32 | contents.packages[1]: expected a string, got a mapping",
      "contents: {packages: {busybox: latest}}                                  | 1:22 | contents.packages: expected a list of strings (or one string), got a mapping",
      "contents: {packages: [x]}\\ncmd: {run: sh}                               | 2:6  | cmd: expected a string, got a mapping",
      "contents: {packages: [x]}\\nenvironment: [A=1]                           | 2:14 | environment: expected a mapping of names to strings, got a list",
      "contents: [busybox]                                                      | 1:11 | contents: expected a mapping (repositories, keyring, packages, build_repositories, runtime_repositories, runtime_keyring), got a list",
      "contents: {packages: [x]}\\naccounts: {users: [{username: a, uid: 1.5}]} | 2:39 | accounts.users[0].uid: expected a whole number from 0 to 4294967294, got the number 1.5",
      "contents: {packages: [x]}\\naccounts: {users: [{username: a, uid: 99999999999999999999}]} | 2:39 | accounts.users[0].uid: expected a whole number from 0 to 4294967294, got the number 99999999999999999999",
      "contents: {packages: [x]}\\npaths: [{type: directory, path: /d, recursive: maybe}] | 2:48 | paths[0].recursive: expected true or false, got the string 'maybe'",
      "contents: {packages: [x]}\\nfiles: [{source: ., target: /x, permissions: 0o8}]   | 2:46 | files[0].permissions: permissions must be octal mode bits such as 0755 or 0o4755 (at most 07777), got the string '0o8'",
      "contents: {packages: [x]}\\nfiles: [conf]                                | 2:9  | files[0]: expected a mapping (source, target, uid, gid, permissions), got the string 'conf'",
      "[busybox]                                                                | 1:1  | wrong type: a profile is a mapping of keys (contents:, archs:, entrypoint: ...), got a list",
  })
  void jacksonsWordsDoNotReachTheUser(String yaml, String at, String message) throws IOException {
    Path p = write("j.yaml", yaml.replace("\\n", "\n") + "\n");
    assertThatThrownBy(() -> ProfileLoader.load(p)).satisfies(HostileProfileLoaderTest::assertOneLine)
        .hasMessage(p + ":" + at + ": " + message)
        .message().doesNotContain("`").doesNotContain("java.").doesNotContain("Cannot deserialize").doesNotContain("setterless");
  }
}
