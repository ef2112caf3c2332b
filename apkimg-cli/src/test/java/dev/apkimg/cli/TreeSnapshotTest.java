package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The comparison machinery of {@link RootfsOracleIT} must itself be exact, or a zero-difference
 * result means nothing: binary xattrs byte for byte, hardlink groups, every field reported.
 */
class TreeSnapshotTest {
  // A real security.capability value (cap_net_bind_service, v2): NULs, 0x80+ bytes, not UTF-8.
  static final byte[] CAPABILITY = {1, 0, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  static final byte[] ODD = {(byte) 0xff, (byte) 0xc3, '\n', '=', 0, ' ', (byte) 0x80};

  @Test
  void binaryXattrValuesAreReadByteForByte() throws IOException {
    byte[] tar = new Tar()
        .pax("SCHILY.xattr.security.capability", CAPABILITY)
        .pax("SCHILY.xattr.user.odd", ODD)
        .entry("usr/bin/ping", '0', 04755, 0, 0, "", "x".getBytes(StandardCharsets.UTF_8))
        .bytes();
    TreeSnapshot.Node n = TreeSnapshot.of(TarStream.read(new ByteArrayInputStream(tar))).nodes().get("usr/bin/ping");
    assertThat(n.xattrs()).containsExactly(
        java.util.Map.entry("security.capability", "0100000200040000000000000000000000000000"),
        java.util.Map.entry("user.odd", "ffc30a3d002080"));
    assertThat(n.mode()).isEqualTo(04755);
  }

  @Test
  void hardlinksFormGroupsAndShareTheTargetsMetadata() throws IOException {
    byte[] tar = new Tar()
        .entry("bin/a", '0', 0755, 0, 0, "", new byte[] {1, 2})
        .entry("bin/b", '1', 0644, 5, 5, "bin/a", new byte[0])
        .entry("./usr/bin/c", '1', 0644, 5, 5, "bin/b", new byte[0])
        .entry("bin/d", '0', 0755, 0, 0, "", new byte[] {1, 2})
        .bytes();
    TreeSnapshot t = TreeSnapshot.of(TarStream.read(new ByteArrayInputStream(tar)));
    assertThat(t.nodes().get("usr/bin/c").hardlinks()).containsExactly("bin/a", "bin/b", "usr/bin/c");
    assertThat(t.nodes().get("bin/b").mode()).isEqualTo(0755);
    assertThat(t.nodes().get("bin/b").uid()).isZero();
    assertThat(t.nodes().get("bin/d").hardlinks()).isEmpty();
    assertThat(t.problems()).isEmpty();
  }

  @Test
  void everyFieldDifferenceIsListedWithBothValues() throws IOException {
    TreeSnapshot apk = TreeSnapshot.of(TarStream.read(new ByteArrayInputStream(new Tar()
        .entry("bin/su", '0', 04755, 0, 0, "", "a\nb\n".getBytes(StandardCharsets.UTF_8))
        .entry("bin/sh", '2', 0777, 0, 0, "/bin/busybox", new byte[0])
        .entry("dev/null", '3', 0666, 0, 0, "", new byte[0], 1, 3)
        .entry("only-apk", '5', 0755, 0, 0, "", new byte[0])
        .entry("dup", '5', 0755, 0, 0, "", new byte[0])
        .bytes())));
    TreeSnapshot ours = TreeSnapshot.of(TarStream.read(new ByteArrayInputStream(new Tar()
        .entry("bin/su", '0', 0755, 1000, 0, "", "a\nc\n".getBytes(StandardCharsets.UTF_8))
        .entry("bin/sh", '2', 0777, 0, 0, "busybox", new byte[0])
        .entry("dev/null", '3', 0666, 0, 0, "", new byte[0], 1, 5)
        .entry("dup", '5', 0755, 0, 0, "", new byte[0])
        .entry("dup", '5', 0755, 0, 0, "", new byte[0])
        .bytes())));
    List<String> diffs = ours.differencesFrom(apk, (p, f, a, o) -> false).stream().map(Object::toString).toList();
    assertThat(diffs).containsExactly(
        "bin/sh: symlink target apk=/bin/busybox ours=busybox",
        "bin/su: mode apk=4755 ours=0755",
        "bin/su: uid apk=0 ours=1000",
        "bin/su: content apk=4 bytes sha256:" + TreeSnapshot.sha256("a\nb\n".getBytes()).substring(0, 12)
            + " ours=4 bytes sha256:" + TreeSnapshot.sha256("a\nc\n".getBytes()).substring(0, 12),
        "bin/su:   line 2 apk=\"b\" ours=\"c\"",
        "dev/null: device apk=1:3 ours=1:5",
        "only-apk: present apk=dir 0755 0:0 ours=absent");
    assertThat(ours.problems())
        .containsExactly("dup: appears more than once in the tar (the later entry wins on extraction)");
  }

  @Test
  void maskedLineExemptionCoversOnlyTheMaskedField() {
    ApkOracle.Exemption e = new ApkOracle.Exemption("etc/shadow", Set.of("content"),
        Pattern.compile("[^:]+:!:(\\d+):0:99999:7:::"), "test");
    byte[] apk = "root:*::0:::::\nklogd:!:20784:0:99999:7:::\n".getBytes(StandardCharsets.UTF_8);
    byte[] sameButDay = "root:*::0:::::\nklogd:!:19969:0:99999:7:::\n".getBytes(StandardCharsets.UTF_8);
    byte[] missingLine = "root:*::0:::::\n".getBytes(StandardCharsets.UTF_8);
    byte[] otherChange = "root:*::1:::::\nklogd:!:19969:0:99999:7:::\n".getBytes(StandardCharsets.UTF_8);
    assertThat(e.covers("etc/shadow", "content", apk, sameButDay)).isTrue();
    assertThat(e.covers("etc/shadow", "content", apk, missingLine)).isFalse();
    assertThat(e.covers("etc/shadow", "content", apk, otherChange)).isFalse();
    assertThat(e.covers("etc/passwd", "content", apk, sameButDay)).isFalse();
    assertThat(e.covers("etc/shadow", "mode", null, null)).isFalse();
  }

  @Test
  void aCorruptHeaderIsAnError() {
    byte[] tar = new Tar().entry("a", '0', 0644, 0, 0, "", new byte[0]).bytes();
    tar[0] = 'b';
    assertThatThrownBy(() -> TarStream.read(new ByteArrayInputStream(tar))).hasMessageContaining("checksum of b");
  }

  /** Writes POSIX ustar headers (and PAX 'x' headers with raw values) byte by byte. */
  static final class Tar {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream pax = new ByteArrayOutputStream();

    Tar pax(String key, byte[] value) {
      byte[] k = (" " + key + "=").getBytes(StandardCharsets.UTF_8);
      int rest = k.length + value.length + 1;
      int len = rest + String.valueOf(rest).length();
      len = rest + String.valueOf(len).length(); // the length counts its own digits
      pax.writeBytes(String.valueOf(len).getBytes(StandardCharsets.US_ASCII));
      pax.writeBytes(k);
      pax.writeBytes(value);
      pax.write('\n');
      return this;
    }

    Tar entry(String name, char type, int mode, long uid, long gid, String link, byte[] content) {
      return entry(name, type, mode, uid, gid, link, content, 0, 0);
    }

    Tar entry(String name, char type, int mode, long uid, long gid, String link, byte[] content, int major,
        int minor) {
      if (pax.size() > 0) {
        byte[] records = pax.toByteArray();
        pax.reset();
        block("PaxHeaders/" + name, 'x', 0644, 0, 0, "", records, 0, 0);
      }
      block(name, type, mode, uid, gid, link, content, major, minor);
      return this;
    }

    byte[] bytes() {
      out.writeBytes(new byte[1024]);
      return out.toByteArray();
    }

    private void block(String name, char type, int mode, long uid, long gid, String link, byte[] content, int major,
        int minor) {
      byte[] h = new byte[512];
      put(h, 0, name);
      put(h, 100, String.format("%07o", mode));
      put(h, 108, String.format("%07o", uid));
      put(h, 116, String.format("%07o", gid));
      put(h, 124, String.format("%011o", content.length));
      put(h, 136, String.format("%011o", 0));
      h[156] = (byte) type;
      put(h, 157, link);
      put(h, 257, "ustar\u000000");
      put(h, 329, String.format("%07o", major));
      put(h, 337, String.format("%07o", minor));
      long sum = 0;
      for (int i = 0; i < 512; i++) {
        sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
      }
      put(h, 148, String.format("%06o\0 ", sum));
      out.writeBytes(h);
      out.writeBytes(content);
      out.writeBytes(new byte[(512 - content.length % 512) % 512]);
    }

    private static void put(byte[] h, int off, String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      System.arraycopy(b, 0, h, off, b.length);
    }
  }
}
