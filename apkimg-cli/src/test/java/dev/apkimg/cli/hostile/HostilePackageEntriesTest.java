package dev.apkimg.cli.hostile;

import dev.apkimg.testing.RawDataTar;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.nio.file.Path;
import org.assertj.core.api.AbstractStringAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Packages whose data entries apk-tools refuses (issue #9, "unsafe package entries go into the
 * layer"), each validly signed and served by a mirror: the build is refused with one line naming
 * the package and the entry, leaves nothing behind, and the next good build succeeds.
 */
class HostilePackageEntriesTest {
  @TempDir Path tmp;

  /** Builds {@code pkgs} (the last one is installed; it depends on the others) and checks the refusal contract. */
  private AbstractStringAssert<?> refused(TestPackage... pkgs) throws IOException {
    try (HostileBuild b = new HostileBuild(tmp)) {
      TestRepository repo = new TestRepository(TestKeys.primary());
      for (TestPackage p : pkgs) {
        repo.add(p);
      }
      String url = b.serve(repo);
      AbstractStringAssert<?> line = b.assertRefused(b.build(b.profile(url, pkgs[pkgs.length - 1].name())));
      String good = b.serve(new TestRepository(TestKeys.primary()).add(HostileBuild.pkg("busybox")));
      b.assertGoodBuildSucceeds(b.profile(good, "busybox"));
      return line;
    }
  }

  private static TestPackage evil(RawDataTar data) {
    return TestPackage.builder("evil", "1.0-r0").rawData(data).build();
  }

  @Test
  void dotDotInAName() throws IOException {
    refused(evil(new RawDataTar().dir("etc").file("etc/../../../tmp/escaped", "x\n")))
        .contains("evil-1.0-r0").contains("etc/../../../tmp/escaped").contains("'..'");
  }

  @Test
  void absoluteName() throws IOException {
    refused(evil(new RawDataTar().file("/etc/passwd", "root::0:0::/root:/bin/sh\n")))
        .contains("evil-1.0-r0").contains("\"/etc/passwd\"").contains("absolute");
  }

  @Test
  void newlineInAName() throws IOException {
    refused(evil(new RawDataTar().dir("etc").file("etc/x\nroot::0:0::/root:/bin/sh", "x\n")))
        .contains("evil-1.0-r0").contains("etc/x\\nroot").contains("control character");
  }

  @Test
  void nulInAName() throws IOException {
    refused(evil(new RawDataTar().dir("etc").file("etc/passwd\u0000ignored", "root::0:0::/root:/bin/sh\n")))
        .contains("evil-1.0-r0").contains("etc/passwd\\x00ignored").contains("control character");
  }

  @Test
  void fileThroughASymlinkThePackageMade() throws IOException {
    refused(evil(new RawDataTar().symlink("evil", "/").file("evil/etc/passwd", "root::0:0::/root:/bin/sh\n")))
        .contains("evil-1.0-r0").contains("evil/etc/passwd");
  }

  @Test
  void fileThroughARelativeSymlinkThePackageMade() throws IOException {
    refused(evil(new RawDataTar().dir("usr").symlink("usr/up", "../../..").file("usr/up/escaped", "x\n")))
        .contains("evil-1.0-r0").contains("usr/up/escaped").contains("symlink");
  }

  @Test
  void directoryOverAnEarlierPackagesSymlinkEvenWithReplaces() throws IOException {
    TestPackage link = TestPackage.builder("link", "1.0-r0").symlink("evil", "/").build();
    TestPackage writer = TestPackage.builder("writer", "1.0-r0").depends("link").replaces("link")
        .rawData(new RawDataTar().dir("evil").dir("evil/etc").file("evil/etc/passwd", "root::0:0::/root:/bin/sh\n"))
        .build();
    refused(link, writer).contains("/evil is a symlink in link-1.0-r0 and a directory in writer-1.0-r0");
  }

  @Test
  void hardlinkToAnAbsoluteTarget() throws IOException {
    refused(evil(new RawDataTar().dir("etc").hardlink("etc/shadow-copy", "/etc/shadow")))
        .contains("evil-1.0-r0").contains("etc/shadow-copy").contains("\"/etc/shadow\"");
  }

  @Test
  void hardlinkOutsideTheRoot() throws IOException {
    refused(evil(new RawDataTar().dir("etc").hardlink("etc/host-shadow", "../../../etc/shadow")))
        .contains("evil-1.0-r0").contains("etc/host-shadow").contains("'..'");
  }

  @Test
  void hardlinkToAFileNotInTheLayer() throws IOException {
    refused(evil(new RawDataTar().dir("etc").hardlink("etc/shadow-copy", "etc/shadow")))
        .contains("evil-1.0-r0").contains("etc/shadow-copy").contains("not a file earlier in the package");
  }

  @Test
  void controlCharacterInASymlinkTarget() throws IOException {
    refused(evil(new RawDataTar().dir("etc").symlink("etc/motd", "issue\nx")))
        .contains("evil-1.0-r0").contains("etc/motd").contains("control character");
  }

  @Test
  void entryTypeApkDoesNotInstall() throws IOException {
    refused(evil(new RawDataTar().dir("usr").entry("usr/volume", 'V', null, new byte[0])))
        .contains("evil-1.0-r0").contains("usr/volume");
  }

  @Test
  void symlinkWithContentThatReadersSplitDifferently() throws IOException {
    refused(evil(new RawDataTar().dir("usr").entry("usr/l", '2', "x", new byte[1024])))
        .contains("evil-1.0-r0").contains("usr/l");
  }

  @Test
  void filesBeyondTheDeclaredInstalledSize() throws IOException {
    refused(TestPackage.builder("bomb", "1.0-r0").installedSize(8192)
        .rawData(new RawDataTar().dir("usr").zeros("usr/zeros", 256L << 20)).build())
        .contains("bomb-1.0-r0").contains("8192 bytes").contains("installed size");
  }

  @Test
  void hugeFileThatApkimgWouldHoldToEdit() throws IOException {
    refused(TestPackage.builder("accounts", "1.0-r0")
        .rawData(new RawDataTar().dir("etc").zeros("etc/group", 64L << 20)).build())
        .contains("accounts-1.0-r0").contains("/etc/group");
  }

  @Test
  void symlinkWhereApkWritesItsDatabase() throws IOException {
    refused(TestPackage.builder("dblink", "1.0-r0").symlink("lib/apk/db", "/tmp").build())
        .contains("dblink-1.0-r0").contains("lib/apk/db");
  }

  @Test
  void forgedInstalledDatabase() throws IOException {
    refused(TestPackage.builder("forger", "1.0-r0").file("lib/apk/db/installed", "P:nothing\n").build())
        .contains("forger-1.0-r0").contains("lib/apk/db/installed");
  }

  @Test
  void busyboxAppletListNamingAPathOutsideTheRoot() throws IOException {
    refused(TestPackage.builder("busybox", "1.36.1-r29").file("bin/busybox", new byte[] {1}, 0755)
        .file("etc/busybox-paths.d/busybox", "bin/ls\n../../../tmp/escaped\n").build())
        .contains("busybox-paths.d/busybox").contains("../../../tmp/escaped");
  }
}
