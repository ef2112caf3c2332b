package dev.apkimg.rootfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.ApkimgException;
import dev.apkimg.apk.ApkFormatException;
import dev.apkimg.apk.KeyLookup;
import dev.apkimg.apk.PackageInfo;
import dev.apkimg.testing.TestKey;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerWriterTest {
  private static final TestKey KEY = TestKeys.primary();
  private static final KeyLookup KEYS = name -> name.equals(KEY.name())
      ? Optional.of((PublicKey) KEY.publicKey()) : Optional.empty();
  /** Earlier than TestPackage's default builddate (1718000000), so clamping shows. */
  private static final long TIMESTAMP = 1700000000L;

  @TempDir
  Path tmp;

  // ------------------------------------------------------------------ helpers

  /** Writes the packages as a repository would hold them; their index entries come from real APKINDEX text. */
  private List<PackageSource> sources(TestPackage... pkgs) throws IOException {
    return Layers.sources(tmp, pkgs);
  }

  private static RootfsSpec spec() {
    return new RootfsSpec("x86_64", List.of("zlib", "busybox", "alpine-baselayout"),
        List.of("https://dl-cdn.alpinelinux.org/alpine/v3.20/main", "/srv/local"),
        Map.of(KEY.name(), KEY.publicKeyPem().getBytes(StandardCharsets.US_ASCII)), TIMESTAMP);
  }

  private LayerResult write(List<PackageSource> sources, String name) throws IOException {
    return new LayerWriter(KEYS).write(sources, spec(), tmp.resolve("out").resolve(name));
  }

  record Item(TarArchiveEntry entry, byte[] content) {
    String text() {
      return new String(content, StandardCharsets.UTF_8);
    }
  }

  /** The layer's entries by tar name (directories end in '/'), in tar order. */
  private static Map<String, Item> read(Path layer) throws IOException {
    Map<String, Item> out = new LinkedHashMap<>();
    try (InputStream in = new GZIPInputStream(Files.newInputStream(layer));
         TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        assertThat(out).as("duplicate entry %s", e.getName()).doesNotContainKey(e.getName());
        out.put(e.getName(), new Item(e, tar.readAllBytes()));
      }
    }
    return out;
  }

  private static Map<String, Item> read(byte[] tar) throws IOException {
    Map<String, Item> out = new LinkedHashMap<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
      for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
        out.put(e.getName(), new Item(e, in.readAllBytes()));
      }
    }
    return out;
  }

  private static String q1(byte[] b) throws Exception {
    return "Q1" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1").digest(b));
  }

  private static String q1(String s) throws Exception {
    return q1(s.getBytes(StandardCharsets.UTF_8));
  }

  /** One package's record in lib/apk/db/installed. */
  private static String record(String installed, String name) {
    for (String r : installed.split("\n\n")) {
      if (r.contains("\nP:" + name + "\n")) {
        return r + "\n";
      }
    }
    throw new AssertionError("no record for " + name + " in\n" + installed);
  }

  private static TestPackage.Builder pkg(String name) {
    return TestPackage.builder(name, "1.0-r0");
  }

  // ------------------------------------------------------------------ file system

  @Test
  void specialModesOwnersAndLinks() throws Exception {
    TestPackage p = pkg("tools")
        .file("bin/su", "su".getBytes(StandardCharsets.UTF_8), 04755)
        .file("usr/bin/sg", "sg".getBytes(StandardCharsets.UTF_8), 02755)
        .dir("var/shared", 01777)
        .file("home/user/data", "d".getBytes(StandardCharsets.UTF_8), 0640, 1000, 1000)
        .dir("home/user/cache", 0700, 1000, 1000)
        .symlink("usr/bin/rel", "sg")
        .symlink("usr/bin/abs", "/bin/su")
        .file("usr/lib/libx.so.1", "library")
        .hardlink("usr/lib/libx.so.1.2", "usr/lib/libx.so.1")
        .build();
    Map<String, Item> layer = read(write(sources(p), "l.tar.gz").file());

    assertThat(layer.get("bin/su").entry().getMode() & 07777).isEqualTo(04755);
    assertThat(layer.get("usr/bin/sg").entry().getMode() & 07777).isEqualTo(02755);
    assertThat(layer.get("var/shared/").entry().getMode() & 07777).isEqualTo(01777);
    TarArchiveEntry data = layer.get("home/user/data").entry();
    assertThat(data.getMode() & 07777).isEqualTo(0640);
    assertThat(data.getLongUserId()).isEqualTo(1000);
    assertThat(data.getLongGroupId()).isEqualTo(1000);
    assertThat(layer.get("home/user/cache/").entry().getLongUserId()).isEqualTo(1000);
    // numeric owners only: a name would be mapped through the host's passwd by extractors
    for (Item i : layer.values()) {
      assertThat(i.entry().getUserName()).as(i.entry().getName()).isEmpty();
      assertThat(i.entry().getGroupName()).as(i.entry().getName()).isEmpty();
    }
    assertThat(layer.get("usr/bin/rel").entry().isSymbolicLink()).isTrue();
    assertThat(layer.get("usr/bin/rel").entry().getLinkName()).isEqualTo("sg");
    assertThat(layer.get("usr/bin/abs").entry().getLinkName()).isEqualTo("/bin/su");
    TarArchiveEntry hard = layer.get("usr/lib/libx.so.1.2").entry();
    assertThat(hard.isLink()).isTrue();
    assertThat(hard.getLinkName()).isEqualTo("usr/lib/libx.so.1");
    assertThat(layer.get("usr/lib/libx.so.1").text()).isEqualTo("library");
  }

  @Test
  void directoryShippedByTwoPackagesAppearsOnce() throws Exception {
    TestPackage a = pkg("a").dir("usr/share/common", 0755).file("usr/share/common/a", "a").build();
    TestPackage b = pkg("b").dir("usr/share/common", 0755).file("usr/share/common/b", "b").build();
    Map<String, Item> layer = read(write(sources(a, b), "l.tar.gz").file()); // read() fails on duplicates
    assertThat(layer).containsKeys("usr/share/common/", "usr/share/common/a", "usr/share/common/b");
    String installed = layer.get("lib/apk/db/installed").text();
    // both packages own the directory in apk's database
    assertThat(record(installed, "a")).contains("F:usr/share/common\nR:a\n");
    assertThat(record(installed, "b")).contains("F:usr/share/common\nR:b\n");
  }

  @Test
  void fileConflictWithoutReplacesNamesBothPackagesAndThePath() throws Exception {
    TestPackage a = pkg("a").file("etc/shared.conf", "from a").build();
    TestPackage b = TestPackage.builder("b", "2.0-r1").file("etc/shared.conf", "from b").build();
    List<PackageSource> sources = sources(a, b);
    assertThatThrownBy(() -> write(sources, "l.tar.gz"))
        .isInstanceOf(ApkimgException.class)
        .hasMessageContaining("a-1.0-r0")
        .hasMessageContaining("b-2.0-r1")
        .hasMessageContaining("/etc/shared.conf");
    assertThat(tmp.resolve("out/l.tar.gz")).doesNotExist();
  }

  @Test
  void identicalFileInTwoPackagesIsNoConflict() throws Exception {
    TestPackage a = pkg("a").file("etc/shared.conf", "same").build();
    TestPackage b = pkg("b").file("etc/shared.conf", "same").build();
    Map<String, Item> layer = read(write(sources(a, b), "l.tar.gz").file());
    assertThat(layer.get("etc/shared.conf").text()).isEqualTo("same");
  }

  @Test
  void replacingPackageWinsAndOwnsTheFile() throws Exception {
    TestPackage old = pkg("old").file("etc/shared.conf", "old bytes").file("etc/old-only", "o").build();
    TestPackage neu = pkg("new").replaces("old").file("etc/shared.conf", "new bytes").build();
    Map<String, Item> layer = read(write(sources(old, neu), "l.tar.gz").file());
    assertThat(layer.get("etc/shared.conf").text()).isEqualTo("new bytes");
    String installed = layer.get("lib/apk/db/installed").text();
    assertThat(record(installed, "new")).contains("F:etc\nR:shared.conf\nZ:" + q1("new bytes") + "\n");
    assertThat(record(installed, "old")).doesNotContain("R:shared.conf").contains("R:old-only\n");
    assertThat(record(installed, "new")).contains("\nr:old\n");
  }

  @Test
  void replacedPackageInstalledLaterKeepsTheReplacingBytes() throws Exception {
    TestPackage old = pkg("old").file("etc/shared.conf", "old bytes").build();
    TestPackage neu = pkg("new").replaces("old").file("etc/shared.conf", "new bytes").build();
    Map<String, Item> layer = read(write(sources(neu, old), "l.tar.gz").file());
    assertThat(layer.get("etc/shared.conf").text()).isEqualTo("new bytes");
    assertThat(record(layer.get("lib/apk/db/installed").text(), "old")).doesNotContain("R:shared.conf");
  }

  // ------------------------------------------------------------------ apk's database and configuration

  @Test
  void installedDatabaseRecord() throws Exception {
    TestPackage p = TestPackage.builder("hello", "1.2-r3").commit("abc123").providerPriority(5)
        .depends("so:libc.musl-x86_64.so.1", "!hello-legacy").provides("cmd:hello=1.2-r3").replaces("hello-legacy")
        .file("etc/hello.conf", "x=1\n")
        .dir("var/spool/hello", 01770, 0, 12)
        .file("usr/bin/hello", "binary".getBytes(StandardCharsets.UTF_8), 04755)
        .file("usr/bin/data", "d".getBytes(StandardCharsets.UTF_8), 0644, 1000, 1000)
        .symlink("usr/bin/hi", "hello")
        .build();
    List<PackageSource> sources = sources(p);
    PackageInfo idx = sources.get(0).info();
    Map<String, Item> layer = read(write(sources, "l.tar.gz").file());
    String expected = "C:" + p.q1() + "\n"
        + "P:hello\nV:1.2-r3\nA:x86_64\n"
        + "S:" + idx.size() + "\n"
        + "I:" + p.installedSize() + "\n"
        + "T:apkimg test package hello\nU:https://apkimg.dev/test\nL:MIT\n"
        + "o:hello\nm:apkimg tests <tests@apkimg.dev>\nt:1718000000\nc:abc123\nk:5\n"
        + "D:so:libc.musl-x86_64.so.1 !hello-legacy\n"
        + "p:cmd:hello=1.2-r3\n"
        + "r:hello-legacy\n"
        + "F:etc\n"
        + "R:hello.conf\nZ:" + q1("x=1\n") + "\n"
        + "F:usr\n"
        + "F:usr/bin\n"
        + "R:data\na:1000:1000:644\nZ:" + q1("d") + "\n"
        + "R:hello\na:0:0:4755\nZ:" + q1("binary") + "\n"
        + "R:hi\na:0:0:777\nZ:" + q1("hello") + "\n" // a symlink's checksum is of its target
        + "F:var\n"
        + "F:var/spool\n"
        + "F:var/spool/hello\nM:0:12:1770\n";
    assertThat(layer.get("lib/apk/db/installed").text()).isEqualTo(expected + "\n");
  }

  @Test
  void installedDatabaseListsPackagesByName() throws Exception {
    Map<String, Item> layer = read(write(sources(pkg("zeta").build(), pkg("alpha").build()), "l.tar.gz").file());
    String installed = layer.get("lib/apk/db/installed").text();
    assertThat(installed.indexOf("P:alpha\n")).isLessThan(installed.indexOf("P:zeta\n"));
    assertThat(installed).endsWith("\n\n");
  }

  @Test
  void scriptsAndTriggers() throws Exception {
    TestPackage p = pkg("svc").file("etc/svc", "s")
        .postInstall("#!/bin/sh\necho post\n")
        .preInstall("#!/bin/sh\necho pre\n")
        .trigger("#!/bin/sh\necho trig\n", "/usr/share/svc/*", "/etc/svc.d")
        .build();
    TestPackage plain = pkg("plain").file("etc/plain", "p").build();
    LayerResult result = write(sources(plain, p), "l.tar.gz");
    Map<String, Item> layer = read(result.file());

    Map<String, Item> scripts = read(layer.get("lib/apk/db/scripts.tar").content());
    String prefix = "svc-1.0-r0." + p.q1() + ".";
    // apk's order of script types, not the control tar's
    assertThat(scripts.keySet()).containsExactly(prefix + "pre-install", prefix + "post-install", prefix + "trigger");
    assertThat(scripts.get(prefix + "post-install").text()).isEqualTo("#!/bin/sh\necho post\n");
    assertThat(layer.get("lib/apk/db/triggers").text()).isEqualTo(p.q1() + " /usr/share/svc/* /etc/svc.d\n");
    assertThat(layer).containsKey("lib/apk/exec/");
    assertThat(layer.get("lib/apk/exec/").entry().getMode() & 07777).isEqualTo(0700);
    assertThat(result.skippedScripts())
        .containsExactlyInAnyOrder("svc-1.0-r0.pre-install", "svc-1.0-r0.post-install", "svc-1.0-r0.trigger");
  }

  @Test
  void noScriptsMeansEmptyTriggersAndNoExecDirectory() throws Exception {
    Map<String, Item> layer = read(write(sources(pkg("plain").file("etc/plain", "p").build()), "l.tar.gz").file());
    assertThat(layer.get("lib/apk/db/triggers").content()).isEmpty();
    assertThat(layer).doesNotContainKey("lib/apk/exec/");
  }

  @Test
  void apkConfiguration() throws Exception {
    Map<String, Item> layer = read(write(sources(pkg("a").file("etc/a", "a").build()), "l.tar.gz").file());
    assertThat(layer.get("etc/apk/world").text()).isEqualTo("alpine-baselayout\nbusybox\nzlib\n");
    assertThat(layer.get("etc/apk/repositories").text())
        .isEqualTo("https://dl-cdn.alpinelinux.org/alpine/v3.20/main\n/srv/local\n");
    assertThat(layer.get("etc/apk/keys/" + KEY.name()).text()).isEqualTo(KEY.publicKeyPem());
    assertThat(layer.get("etc/apk/arch").text()).isEqualTo("x86_64\n");
    assertThat(layer.get("lib/apk/db/lock").content()).isEmpty();
  }

  @Test
  void initdbEntries() throws Exception {
    Map<String, Item> layer = read(write(sources(pkg("a").file("etc/a", "a").build()), "l.tar.gz").file());
    TarArchiveEntry devNull = layer.get("dev/null").entry();
    assertThat(devNull.isCharacterDevice()).isTrue();
    assertThat(devNull.getDevMajor()).isEqualTo(1);
    assertThat(devNull.getDevMinor()).isEqualTo(3);
    assertThat(devNull.getMode() & 07777).isEqualTo(0666);
    assertThat(layer.get("proc/").entry().getMode() & 07777).isEqualTo(0555);
    assertThat(layer.get("tmp/").entry().getMode() & 07777).isEqualTo(01777);
    assertThat(layer.get("tmp/").entry().isDirectory()).isTrue();
  }

  @Test
  void initdbDirectoryModeWinsOverAPackagesDirectory() throws Exception {
    // apk creates tmp before installing, and the first creator sets the mode
    Map<String, Item> layer = read(write(sources(pkg("a").dir("tmp", 0755).build()), "l.tar.gz").file());
    assertThat(layer.get("tmp/").entry().getMode() & 07777).isEqualTo(01777);
  }

  // ------------------------------------------------------------------ busybox

  private static TestPackage busybox(boolean withBinary) {
    TestPackage.Builder b = TestPackage.builder("busybox", "1.36.1-r29")
        .file("etc/busybox-paths.d/busybox", "/bin/sh\n/bin/ls\n/usr/bin/env\n/sbin/ifup\n");
    if (withBinary) {
      b.file("bin/busybox", "busybox binary".getBytes(StandardCharsets.UTF_8), 0755);
    }
    return b.build();
  }

  @Test
  void busyboxAppletLinksForPathsNoPackageShips() throws Exception {
    TestPackage coreutils = pkg("coreutils").file("bin/ls", "real ls".getBytes(StandardCharsets.UTF_8), 0755).build();
    Map<String, Item> layer = read(write(sources(busybox(true), coreutils), "l.tar.gz").file());
    for (String applet : List.of("bin/sh", "usr/bin/env", "sbin/ifup")) {
      TarArchiveEntry e = layer.get(applet).entry();
      assertThat(e.isSymbolicLink()).as(applet).isTrue();
      assertThat(e.getLinkName()).isEqualTo("/bin/busybox");
    }
    assertThat(layer.get("bin/ls").entry().isFile()).isTrue();
    assertThat(layer.get("bin/ls").text()).isEqualTo("real ls");
    // a directory no package ships is made for the link
    assertThat(layer.get("sbin/").entry().isDirectory()).isTrue();
  }

  @Test
  void noBusyboxBinaryNoAppletLinks() throws Exception {
    Map<String, Item> layer = read(write(sources(busybox(false)), "l.tar.gz").file());
    assertThat(layer).doesNotContainKeys("bin/sh", "usr/bin/env", "sbin/ifup");
  }

  // ------------------------------------------------------------------ determinism and failure

  @Test
  void everyMtimeIsClampedToTheTimestamp() throws Exception {
    TestPackage p = pkg("svc").file("etc/svc", "s").postInstall("#!/bin/sh\n").build(); // builddate 1718000000
    Map<String, Item> layer = read(write(sources(p), "l.tar.gz").file());
    for (Item i : layer.values()) {
      assertThat(i.entry().getModTime().getTime() / 1000).as(i.entry().getName()).isEqualTo(TIMESTAMP);
    }
    for (Item i : read(layer.get("lib/apk/db/scripts.tar").content()).values()) {
      assertThat(i.entry().getModTime().getTime() / 1000).as(i.entry().getName()).isEqualTo(TIMESTAMP);
    }
  }

  @Test
  void olderPackageEntriesKeepTheirMtime() throws Exception {
    TestPackage p = pkg("old").builddate(1600000000L).file("etc/old", "o").build();
    Map<String, Item> layer = read(write(sources(p), "l.tar.gz").file());
    assertThat(layer.get("etc/old").entry().getModTime().getTime() / 1000).isEqualTo(1600000000L);
  }

  @Test
  void twoWritesAreByteIdenticalWithMatchingDigests() throws Exception {
    List<PackageSource> sources = sources(busybox(true),
        pkg("svc").file("etc/svc", "s").trigger("#!/bin/sh\n", "/usr/share/svc").build(),
        pkg("tools").file("bin/su", "su".getBytes(StandardCharsets.UTF_8), 04755).symlink("bin/x", "su").build());
    LayerResult first = write(sources, "one.tar.gz");
    LayerResult second = write(sources, "two.tar.gz");
    byte[] a = Files.readAllBytes(first.file());
    assertThat(Files.readAllBytes(second.file())).isEqualTo(a);
    assertThat(second.digest()).isEqualTo(first.digest());
    assertThat(second.diffId()).isEqualTo(first.diffId());

    assertThat(first.digest()).isEqualTo("sha256:" + sha256(a));
    byte[] tar;
    try (InputStream in = new GZIPInputStream(Files.newInputStream(first.file()))) {
      tar = in.readAllBytes();
    }
    assertThat(first.diffId()).isEqualTo("sha256:" + sha256(tar));
    assertThat(first.size()).isEqualTo(a.length);
    assertThat(first.uncompressedSize()).isEqualTo(tar.length);
    assertThat(first.entries()).isEqualTo(read(first.file()).size());
  }

  @Test
  void failedWriteLeavesNoFile(@TempDir Path repo) throws Exception {
    TestPackage good = pkg("good").file("etc/good", "g").build();
    TestPackage bad = pkg("bad").file("etc/bad", "original content").build();
    new TestRepository(KEY).add(good, bad).tamper("bad", TestRepository.Tamper.DATA).write(repo);
    List<PackageSource> sources = sources(good, bad);
    // swap in the tampered file for "bad"
    Files.copy(repo.resolve("x86_64/bad-1.0-r0.apk"), sources.get(1).file(),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Path out = tmp.resolve("out");
    assertThatThrownBy(() -> write(sources, "l.tar.gz"))
        .isInstanceOf(ApkFormatException.class)
        .hasMessageContaining("bad-1.0-r0.apk");
    assertThat(out.resolve("l.tar.gz")).doesNotExist();
    if (Files.exists(out)) {
      try (Stream<Path> left = Files.list(out)) {
        assertThat(left).as("temporary files left behind").isEmpty();
      }
    }
  }

  @Test
  void failureWhileWritingTheLayerLeavesNoFile() throws Exception {
    List<PackageSource> sources = sources(pkg("a").file("etc/a", "a").build());
    // the first pass reads the package fine; the second (which writes the tar) then fails
    int[] calls = {0};
    KeyLookup failsSecondTime = name -> {
      if (++calls[0] > 1) {
        throw new IllegalStateException("keyring went away");
      }
      return KEYS.find(name);
    };
    Path out = tmp.resolve("out");
    assertThatThrownBy(() -> new LayerWriter(failsSecondTime).write(sources, spec(), out.resolve("l.tar.gz")))
        .hasMessageContaining("keyring went away");
    assertThat(calls[0]).isEqualTo(2);
    try (Stream<Path> left = Files.list(out)) {
      assertThat(left).as("files left behind").isEmpty();
    }
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }
}
