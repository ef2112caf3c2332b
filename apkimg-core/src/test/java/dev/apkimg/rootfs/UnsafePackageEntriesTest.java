package dev.apkimg.rootfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.apkimg.ApkimgException;
import dev.apkimg.apk.ApkIndexReader;
import dev.apkimg.apk.PackageInfo;
import dev.apkimg.testing.BuiltApk;
import dev.apkimg.testing.TestRepository;
import java.io.ByteArrayInputStream;
import dev.apkimg.testing.RawDataTar;
import dev.apkimg.testing.TestPackage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Package entries that apk-tools refuses (or that mean different files to different extractors)
 * never reach the layer: the build stops with one line naming the package and the entry, and no
 * layer file is left.
 */
class UnsafePackageEntriesTest {
  @TempDir Path tmp;

  private static TestPackage evil(RawDataTar data) {
    return TestPackage.builder("evil", "1.0-r0").rawData(data).build();
  }

  /** The one-line message the build fails with; also checks that no layer was left. */
  private String refusal(TestPackage... pkgs) throws Exception {
    Throwable t = catchThrowable(() -> Layers.write(tmp, List.of(), pkgs));
    assertThat(t).isInstanceOf(ApkimgException.class);
    assertThat(t.getMessage()).doesNotContain("\n").doesNotContain("\u0000");
    Path out = tmp.resolve("out");
    if (Files.isDirectory(out)) {
      try (var files = Files.list(out)) {
        assertThat(files.toList()).as("files left beside the layer").isEmpty();
      }
    }
    return t.getMessage();
  }

  @Test
  void dotDotComponentIsRefused() throws Exception {
    assertThat(refusal(evil(new RawDataTar().dir("usr").file("usr/../../etc/passwd", "root::0:0::/:/bin/sh\n"))))
        .contains("evil-1.0-r0").contains("\"usr/../../etc/passwd\"").contains("'..' component");
  }

  @Test
  void absoluteNameIsRefused() throws Exception {
    assertThat(refusal(evil(new RawDataTar().file("/etc/passwd", "x\n"))))
        .contains("evil-1.0-r0").contains("\"/etc/passwd\"").contains("absolute");
  }

  @Test
  void dotSlashPrefixIsRefused() throws Exception {
    // apk skips every name that starts with a dot, so it would install none of these files.
    assertThat(refusal(evil(new RawDataTar().dir("./etc").file("./etc/motd", "x\n"))))
        .contains("evil-1.0-r0").contains("\"./etc/\"").contains("'.' component");
  }

  @Test
  void newlineInNameIsRefused() throws Exception {
    assertThat(refusal(evil(new RawDataTar().dir("etc").file("etc/motd\nroot::0:0::/:/bin/sh", "x\n"))))
        .contains("evil-1.0-r0").contains("\"etc/motd\\nroot::0:0::/:/bin/sh\"").contains("control character");
  }

  @Test
  void nulInNameIsRefused() throws Exception {
    // A PAX path keeps the NUL; C readers (apk, tar) stop at it and see "etc/passwd".
    assertThat(refusal(evil(new RawDataTar().dir("etc").file("etc/passwd\u0000.txt", "x\n"))))
        .contains("evil-1.0-r0").contains("\"etc/passwd\\x00.txt\"").contains("control character");
  }

  @Test
  void pathThroughTheSymlinkThePackageMadeIsRefused() throws Exception {
    assertThat(refusal(evil(new RawDataTar().symlink("evil", "/").file("evil/etc/passwd", "root::0:0::/:/bin/sh\n"))))
        .contains("evil-1.0-r0").contains("\"evil/etc/passwd\"").contains("/evil/etc is not a directory entry");
    assertThat(refusal(evil(new RawDataTar().dir("usr").symlink("usr/up", "../../..").file("usr/up/passwd", "x\n"))))
        .contains("evil-1.0-r0").contains("\"usr/up/passwd\"").contains("/usr/up, which the package made a symlink");
  }

  @Test
  void directoryOverTheSymlinkThePackageMadeIsRefused() throws Exception {
    assertThat(refusal(evil(new RawDataTar().symlink("evil", "/").dir("evil").dir("evil/etc")
        .file("evil/etc/passwd", "root::0:0::/:/bin/sh\n"))))
        .contains("evil-1.0-r0").contains("\"evil/\"").contains("twice, as a symlink and as a directory");
  }

  @Test
  void pathThroughAnEarlierPackagesSymlinkIsRefused() throws Exception {
    TestPackage link = TestPackage.builder("link", "1.0-r0").symlink("evil", "/").build();
    TestPackage writer = TestPackage.builder("writer", "1.0-r0").replaces("link")
        .rawData(new RawDataTar().dir("evil").dir("evil/etc").file("evil/etc/passwd", "root::0:0::/:/bin/sh\n"))
        .build();
    assertThat(refusal(link, writer)).contains("/evil is a symlink in link-1.0-r0 and a directory in writer-1.0-r0");
  }

  @Test
  void fileUnderAnotherPackagesFileIsRefused() throws Exception {
    TestPackage first = TestPackage.builder("first", "1.0-r0").file("etc/motd", "x\n").build();
    TestPackage second = TestPackage.builder("second", "1.0-r0")
        .rawData(new RawDataTar().dir("etc").dir("etc/motd").file("etc/motd/x", "y\n")).build();
    assertThat(refusal(first, second)).contains("/etc/motd").contains("first-1.0-r0").contains("second-1.0-r0");
  }

  @Test
  void hardlinkToAnAbsoluteTargetIsRefused() throws Exception {
    assertThat(refusal(evil(new RawDataTar().dir("etc").hardlink("etc/shadow2", "/etc/shadow"))))
        .contains("evil-1.0-r0").contains("\"etc/shadow2\"").contains("hardlink target \"/etc/shadow\" is an absolute path");
  }

  @Test
  void hardlinkThroughDotDotIsRefused() throws Exception {
    assertThat(refusal(evil(new RawDataTar().dir("etc").file("etc/a", "a\n").hardlink("etc/b", "etc/../../etc/shadow"))))
        .contains("evil-1.0-r0").contains("\"etc/b\"").contains("has a '..' component");
  }

  @Test
  void hardlinkToAFileNotInThePackageIsRefused() throws Exception {
    assertThat(refusal(evil(new RawDataTar().dir("etc").hardlink("etc/shadow2", "etc/shadow"))))
        .contains("evil-1.0-r0").contains("\"etc/shadow2\"").contains("not a file earlier in the package");
  }

  @Test
  void hardlinkToALaterFileIsRefused() throws Exception {
    assertThat(refusal(evil(new RawDataTar().dir("etc").hardlink("etc/b", "etc/a").file("etc/a", "a\n"))))
        .contains("evil-1.0-r0").contains("\"etc/b\"").contains("/etc/a, which is not a file earlier in the package");
  }

  @Test
  void hardlinkToAnotherPackagesFileIsRefused() throws Exception {
    TestPackage base = TestPackage.builder("base", "1.0-r0").file("etc/shadow", "root:*:::::::\n").build();
    TestPackage link = TestPackage.builder("link", "1.0-r0")
        .rawData(new RawDataTar().dir("etc").hardlink("etc/shadow-copy", "etc/shadow")).build();
    assertThat(refusal(base, link)).contains("link-1.0-r0").contains("\"etc/shadow-copy\"")
        .contains("not a file earlier in the package");
  }

  @Test
  void hardlinkToADirectoryOrSymlinkIsRefused() throws Exception {
    assertThat(refusal(evil(new RawDataTar().dir("etc").symlink("etc/l", "/etc/shadow").hardlink("etc/h", "etc/l"))))
        .contains("evil-1.0-r0").contains("\"etc/h\"").contains("which is a symlink");
  }

  @Test
  void controlCharacterInASymlinkTargetIsRefused() throws Exception {
    assertThat(refusal(evil(new RawDataTar().dir("etc").symlink("etc/l", "motd\nx"))))
        .contains("evil-1.0-r0").contains("\"etc/l\"").contains("symlink target \"motd\\nx\" has a control character");
  }

  @Test
  void unknownEntryTypeIsRefused() throws Exception {
    assertThat(refusal(evil(new RawDataTar().dir("usr").entry("usr/label", 'V', null, new byte[0]))))
        .contains("evil-1.0-r0").contains("\"usr/label\"").contains("tar type \"V\"");
  }

  @Test
  void symlinkWithContentIsRefused() throws Exception {
    // apk skips a link's content; a reader that does not reads headers out of it.
    assertThat(refusal(evil(new RawDataTar().dir("usr").entry("usr/l", '2', "x", new byte[600]))))
        .contains("evil-1.0-r0").contains("\"usr/l\"").contains("600 bytes of content");
  }

  @Test
  void devicesAndFifosAreInstalledAsApkDoes() throws Exception {
    TestPackage dev = TestPackage.builder("devs", "1.0-r0").rawData(new RawDataTar().dir("srv")
        .entry("srv/fifo", '6', null, new byte[0]).entry("srv/tty", '3', null, new byte[0])).build();
    LayerResult r = Layers.write(tmp, List.of(), dev);
    Map<String, Layers.Item> layer = Layers.read(r.file());
    assertThat(layer.get("srv/fifo").entry().isFIFO()).isTrue();
    assertThat(layer.get("srv/tty").entry().isCharacterDevice()).isTrue();
  }

  @Test
  void filesLargerThanTheDeclaredInstalledSizeAreRefusedBeforeTheyAreRead() throws Exception {
    TestPackage big = TestPackage.builder("bomb", "1.0-r0").installedSize(3 * 4096)
        .rawData(new RawDataTar().dir("usr").zeros("usr/zeros", 64L << 20)).build();
    assertThat(refusal(big)).contains("bomb-1.0-r0").contains("12288 bytes").contains("installed size")
        .contains("\"usr/zeros\"");
  }

  @Test
  void withoutAnIndexSizeThePkginfoSizeBoundsTheFiles() throws Exception {
    TestPackage big = TestPackage.builder("bomb", "1.0-r0").installedSize(3 * 4096)
        .rawData(new RawDataTar().dir("usr").zeros("usr/zeros", 8L << 20)).build();
    BuiltApk apk = big.writeApk(tmp.resolve("repo").resolve(big.fileName()), Layers.KEY);
    String index = TestRepository.apkindexText(List.of(apk)).replaceAll("(?m)^I:.*$", "I:0");
    PackageInfo info = ApkIndexReader.parse(new ByteArrayInputStream(index.getBytes(StandardCharsets.UTF_8))).get(0);
    assertThat(info.installedSize()).isZero();
    RootfsSpec spec = new RootfsSpec("x86_64", List.of("bomb"), List.of("/srv/repo"), Map.of(), Layers.TIMESTAMP);
    Throwable t = catchThrowable(() -> new LayerWriter(Layers.KEYS).write(
        List.of(new PackageSource(info, tmp.resolve("repo").resolve(big.fileName()))), spec, tmp.resolve("out/layer.tar.gz")));
    assertThat(t).isInstanceOf(ApkimgException.class).hasMessageContaining("bomb-1.0-r0")
        .hasMessageContaining("12288 bytes its .PKGINFO declares");
    assertThat(tmp.resolve("out/layer.tar.gz")).doesNotExist();
  }

  @Test
  void filesWithinTheDeclaredInstalledSizeAreInstalled() throws Exception {
    // Declared as the plain sum of the files' bytes, as a builder other than abuild may do.
    TestPackage exact = TestPackage.builder("exact", "1.0-r0").installedSize(1 + 4096)
        .rawData(new RawDataTar().dir("usr").file("usr/a", "a").file("usr/b", "b".repeat(4096))).build();
    assertThat(Layers.read(Layers.write(tmp, List.of(), exact).file())).containsKeys("usr/a", "usr/b");
  }

  @Test
  void aHugeFileThatAMutationReadsIsRefusedNotHeld() throws Exception {
    TestPackage big = TestPackage.builder("accounts", "1.0-r0")
        .rawData(new RawDataTar().dir("etc").zeros("etc/passwd", (16L << 20) + 1)).build();
    assertThat(refusal(big)).contains("accounts-1.0-r0").contains("/etc/passwd").contains("16777217-byte");
  }

  @Test
  void busyboxListNamingAnUnsafePathIsRefused() throws Exception {
    TestPackage busybox = TestPackage.builder("busybox", "1.36.1-r29").file("bin/busybox", new byte[] {1}, 0755)
        .file("etc/busybox-paths.d/busybox", "bin/ls\n../../etc/cron.d/evil\n").build();
    assertThat(refusal(busybox)).contains("/etc/busybox-paths.d/busybox").contains("\"../../etc/cron.d/evil\"")
        .contains("'..' component");
  }

  @Test
  void busyboxListNamingAPathThroughASymlinkIsRefused() throws Exception {
    TestPackage busybox = TestPackage.builder("busybox", "1.36.1-r29").file("bin/busybox", new byte[] {1}, 0755)
        .symlink("usr/evil", "/etc").file("etc/busybox-paths.d/busybox", "usr/evil/passwd\n").build();
    assertThat(refusal(busybox)).contains("/etc/busybox-paths.d/busybox").contains("\"usr/evil/passwd\"")
        .contains("/usr/evil, a symlink");
  }

  @Test
  void symlinkWhereApkWritesItsDatabaseIsRefused() throws Exception {
    TestPackage pkg = TestPackage.builder("dblink", "1.0-r0").symlink("lib/apk/db", "/tmp").build();
    assertThat(refusal(pkg)).contains("dblink-1.0-r0").contains("\"lib/apk/db\"")
        .contains("apk itself makes /lib/apk/db a directory");
  }

  @Test
  void packageCopyOfTheInstalledDatabaseIsRefused() throws Exception {
    // It would replace the database that scanners read, hiding what is installed.
    TestPackage pkg = TestPackage.builder("forger", "1.0-r0").file("lib/apk/db/installed", "P:nothing\n").build();
    assertThat(refusal(pkg)).contains("forger-1.0-r0").contains("\"lib/apk/db/installed\"")
        .contains("apk itself makes /lib/apk/db/installed");
  }

  @Test
  void symlinkOverAFolderApkMakesIsRefused() throws Exception {
    TestPackage pkg = TestPackage.builder("tmplink", "1.0-r0").symlink("tmp", "/").build();
    assertThat(refusal(pkg)).contains("tmplink-1.0-r0").contains("\"tmp\"").contains("apk itself makes /tmp a directory");
  }

  @Test
  void namesLongerThanApkAcceptsAreRefused() throws Exception {
    String longName = "usr/" + "a".repeat(4082); // 4086 bytes: apk fails with ENAMETOOLONG
    assertThat(refusal(evil(new RawDataTar().dir("usr").file(longName, "x\n"))))
        .contains("evil-1.0-r0").contains("longer than apk's limit of 4085 bytes");
    assertThat(refusal(evil(new RawDataTar().dir("usr").symlink("usr/l", "b".repeat(5000)))))
        .contains("evil-1.0-r0").contains("\"usr/l\"").contains("longer than apk's limit");
  }

  @Test
  void goodPackagesWithLinksStillInstall() throws Exception {
    TestPackage good = TestPackage.builder("good", "1.0-r0").file("usr/bin/a", "a\n").hardlink("usr/bin/b", "usr/bin/a")
        .symlink("usr/bin/c", "a").symlink("usr/lib/up", "../../etc").file("etc/motd", "hi\n").build();
    Map<String, Layers.Item> layer = Layers.read(Layers.write(tmp, List.of(), good).file());
    assertThat(layer.get("usr/bin/b").entry().isLink()).isTrue();
    assertThat(layer.get("usr/lib/up").entry().getLinkName()).isEqualTo("../../etc");
    assertThat(new String(layer.get("etc/motd").content(), StandardCharsets.UTF_8)).isEqualTo("hi\n");
  }
}
