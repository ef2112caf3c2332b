package dev.apkimg.cli.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.apkimg.cli.ImageReader;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile profiles (issue #9), end to end: each is refused with exit 1 and one line naming the
 * profile and the key, leaves nothing behind, and the next good build with the same cache works.
 */
class HostileProfileTest {
  @TempDir Path tmp;

  private static String header(String url) {
    return "contents:\n  repositories: [" + url + "]\n  packages: [busybox]\narchs: [x86_64]\n";
  }

  private static String serve(HostileBuild b) throws IOException {
    return b.serve(new TestRepository(TestKeys.primary()).add(HostileBuild.pkg("busybox")));
  }

  @Test
  void aNewlineInAShellCannotAddASecondRootAccount() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp)) {
      String url = serve(b);
      Path evil = b.profile(header(url) + """
          accounts:
            users:
              - username: app
                uid: 1000
                shell: "/bin/sh\\nroot2::0:0:root:/root:/bin/sh"
          """);
      b.assertRefused(b.build(evil)).isEqualTo("apkimg: error: " + evil + ":9:7: accounts.users[0].shell: "
          + "'/bin/sh\\nroot2::0:0:root:/root:/bin/sh' contains a control character: etc/passwd cannot hold it");
      Path member = b.profile(header(url) + "accounts:\n  groups: [{groupname: wheel, gid: 10, members: ['app,root2']}]\n");
      b.assertRefused(b.build(member)).contains(member.toString()).contains("accounts.groups[0].members[0]");
      Path negative = b.profile(header(url) + "accounts:\n  users: [{username: app, uid: -1}]\n");
      b.assertRefused(b.build(negative)).contains("accounts.users[0].uid: -1 is not from 0 to 4294967294");

      b.assertGoodBuildSucceeds(b.profile(header(url) + "accounts:\n  users: [{username: app, uid: 1000, shell: /bin/sh}]\n"));
      String passwd = ImageReader.read(b.image()).get("etc/passwd").text();
      assertThat(passwd).isEqualTo("app:x:1000:1000::/home/app:/bin/sh\n");
    }
  }

  @Test
  @EnabledOnOs({OS.LINUX, OS.MAC})
  void aDeviceAFifoADirectoryOrAHugeFileIsNoProfile() throws Exception {
    try (HostileBuild b = new HostileBuild(tmp)) {
      String url = serve(b);
      Path fifo = b.root().resolve("profiles/fifo.yaml");
      Files.createDirectories(fifo.getParent());
      assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
      Path dir = Files.createDirectories(b.root().resolve("profiles/dir.yaml"));
      Path huge = b.profile(header(url) + "#".repeat(2 << 20) + "\n");
      Path includesFifo = b.profile(header(url) + "include: [fifo.yaml]\n");
      assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
        b.assertRefused(b.build(Path.of("/dev/zero")))
            .isEqualTo("apkimg: error: profile /dev/zero is not a regular file but a device, FIFO or socket: give a YAML file");
        b.assertRefused(b.build(fifo))
            .isEqualTo("apkimg: error: profile " + fifo + " is not a regular file but a device, FIFO or socket: give a YAML file");
        b.assertRefused(b.build(dir))
            .isEqualTo("apkimg: error: profile " + dir + " is not a regular file but a directory: give a YAML file");
        b.assertRefused(b.build(huge)).contains(huge.toString()).contains("at most 1048576 bytes (1 MiB)");
        b.assertRefused(b.build(includesFifo)).contains(includesFifo + ":5:11: included profile " + fifo
            + " is not a regular file");
      });
      b.assertGoodBuildSucceeds(b.profile(header(url)));
    }
  }

  @Test
  void aSourceOutsideTheProfilesFolderIsRefusedUnlessTheUserAllowsIt() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp)) {
      String url = serve(b);
      // The host's shadow file where it exists (any readable host file shows the leak).
      Path hostFile = Files.isReadable(Path.of("/etc/shadow")) ? Path.of("/etc/shadow") : Path.of("/etc/passwd");
      String up = "../".repeat(Path.of(b.root().toString()).getNameCount() + 3);
      String source = up.substring(0, up.length() - 1) + hostFile;
      Path evil = b.profile(header(url) + "files:\n  - {source: " + source + ", target: /etc/stolen}\n");
      b.assertRefused(b.build(evil)).isEqualTo("apkimg: error: " + evil + ":6:6: files[0].source: '" + source
          + "' is outside " + evil.getParent() + ", the folder of the profile that names it"
          + (hostFile.toRealPath().equals(hostFile) ? "" : " (it resolves to " + hostFile.toRealPath() + ")")
          + ": copy it there, or allow its folder explicitly (apkimg --files-root DIR)");

      // a symlink beside the profile is resolved, not trusted
      Path secret = Files.writeString(b.root().resolve("secret.txt"), "host secret\n");
      Files.createSymbolicLink(b.root().resolve("profiles/leak"), secret);
      Path viaLink = b.profile(header(url) + "files:\n  - {source: leak, target: /etc/stolen}\n");
      b.assertRefused(b.build(viaLink)).contains(viaLink + ":6:6: files[0].source: 'leak' is outside");

      // The user widens it explicitly; links inside a copied folder stay links (their targets
      // are read in the image, never on the host).
      Path shared = Files.createDirectories(b.root().resolve("shared/conf"));
      Files.writeString(shared.resolve("app.conf"), "x=1\n");
      Files.createSymbolicLink(shared.resolve("host-secret"), secret);
      Path wide = b.profile(header(url) + "files:\n  - {source: ../shared/conf, target: /etc/app}\n");
      b.assertRefused(b.build(wide)).contains("files[0].source: '../shared/conf' is outside");
      b.assertGoodBuildSucceeds(wide, "--files-root", b.root().resolve("shared").toString());
      ImageReader image = ImageReader.read(b.image());
      assertThat(image.get("etc/app/app.conf").text()).isEqualTo("x=1\n");
      assertThat(image.get("etc/app/host-secret").header().getLinkName()).isEqualTo(secret.toString());
      assertThat(image.layer().values()).noneMatch(e -> e.text().contains("host secret"));
    }
  }

  @Test
  void duplicateKeysAndAliasesAreRefusedNotGuessed() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp)) {
      String url = serve(b);
      Path dup = b.profile(header(url) + "cmd: /bin/true\ncmd: /bin/sh\n");
      b.assertRefused(b.build(dup)).isEqualTo("apkimg: error: " + dup
          + ":6:1: duplicate key 'cmd' (first at line 5, column 1): a key may appear once in a mapping");
      Path alias = b.profile(header(url) + "x-shell: &shell /bin/sh\ncmd: *shell\n");
      b.assertRefused(b.build(alias)).isEqualTo("apkimg: error: " + alias
          + ":6:6: YAML alias '*shell': aliases and anchors are not supported in profiles; write the value out");
      Path typed = b.profile(header(url).replace("packages: [busybox]", "packages: [busybox, {name: musl}]"));
      b.assertRefused(b.build(typed)).isEqualTo("apkimg: error: " + typed
          + ":3:23: contents.packages[1]: expected a string, got a mapping");
      b.assertGoodBuildSucceeds(b.profile(header(url) + "cmd: /bin/sh\n"));
    }
  }

  @Test
  void aSourceDateEpochBeyondTheYear9999IsOneLine() throws IOException {
    try (HostileBuild b = new HostileBuild(tmp)) {
      Path good = b.profile(header(serve(b)));
      for (String epoch : new String[] {"253402300800", "99999999999999999999", "-5"}) {
        b.assertRefused(b.build(good, "--source-date-epoch", epoch)).isEqualTo("apkimg: error: --source-date-epoch must be"
            + " seconds since 1970 from 0 to 253402300799 (9999-12-31T23:59:59Z), not '" + epoch + "'");
      }
      b.assertGoodBuildSucceeds(good, "--source-date-epoch", "253402300799");
    }
  }
}
