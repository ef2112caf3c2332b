package dev.apkimg.tar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;

/** Our tar writer and reader: every header field survives, binary xattrs byte for byte. */
class TarWriterTest {
  /** A file capability as setcap writes it (vfs_cap_data v2): not valid UTF-8. */
  static final byte[] CAPABILITY = {0x01, 0x00, 0x00, 0x02, (byte) 0x00, 0x04, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  static final byte[] HIGH_BYTES = {(byte) 0xff, (byte) 0xfe, 0x00, (byte) 0x80, 0x0a, 0x3d};

  static byte[] write(List<TarEntry> entries, List<byte[]> contents) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    TarWriter w = new TarWriter(bytes);
    for (int i = 0; i < entries.size(); i++) {
      byte[] c = contents.get(i);
      w.write(entries.get(i), c == null ? null : new ByteArrayInputStream(c));
    }
    w.finish();
    return bytes.toByteArray();
  }

  private static List<TarEntry> readAll(byte[] tar, List<byte[]> contents) throws IOException {
    TarReader r = new TarReader(new ByteArrayInputStream(tar));
    List<TarEntry> out = new ArrayList<>();
    for (TarEntry e; (e = r.next()) != null; ) {
      out.add(e);
      contents.add(r.content().readAllBytes());
    }
    return out;
  }

  static List<TarEntry> sample() {
    TreeMap<String, byte[]> xattrs = new TreeMap<>();
    xattrs.put("security.capability", CAPABILITY);
    xattrs.put("user.comment", HIGH_BYTES);
    String longDir = "usr/share/" + "a-rather-long-directory-name/".repeat(6);
    return List.of(
        TarEntry.directory("usr/", 0755, 0, 0, 1_700_000_000L),
        new TarEntry("usr/bin/ping", TarEntry.REGULAR, 04755, 0, 0, 5, 1_700_000_000L, null, 0, 0, xattrs, null),
        TarEntry.file("tmp-sticky-is-a-dir-really", 01777, 0, 0, 0, 1_700_000_000L),
        TarEntry.file("home/user/data", 02750, 1000, 1000, 3, 1_700_000_000L),
        TarEntry.file(longDir + "file-with-a-long-name.txt", 0644, 0, 0, 2, 1_700_000_000L),
        TarEntry.file("x/" + "n".repeat(120), 0644, 0, 0, 0, 1_700_000_000L),
        TarEntry.file("usr/share/naïve-ünïcode.txt", 0644, 0, 0, 1, 1_700_000_000L),
        TarEntry.file("big-ids", 0600, 3_000_000_000L, 70_000_000L, 0, 1_700_000_000L),
        TarEntry.symlink("usr/bin/long-link", "/" + "target/".repeat(20) + "end", 0, 0, 1_700_000_000L),
        new TarEntry("usr/bin/ping6", TarEntry.HARDLINK, 04755, 0, 0, 0, 1_700_000_000L, "usr/bin/ping", 0, 0,
            null, null),
        TarEntry.characterDevice("dev/null", 0666, 1, 3, 1_700_000_000L));
  }

  static List<byte[]> sampleContents() {
    List<byte[]> c = new ArrayList<>();
    c.add(null);
    c.add("ping!".getBytes(StandardCharsets.UTF_8));
    c.add(new byte[0]);
    c.add("abc".getBytes(StandardCharsets.UTF_8));
    c.add("hi".getBytes(StandardCharsets.UTF_8));
    c.add(new byte[0]);
    c.add("u".getBytes(StandardCharsets.UTF_8));
    c.add(new byte[0]);
    c.add(null);
    c.add(null);
    c.add(null);
    return c;
  }

  @Test
  void everyFieldSurvivesARoundTrip() throws IOException {
    List<TarEntry> in = sample();
    List<byte[]> contents = new ArrayList<>();
    List<TarEntry> out = readAll(write(in, sampleContents()), contents);

    assertThat(out).hasSameSizeAs(in);
    for (int i = 0; i < in.size(); i++) {
      TarEntry a = in.get(i);
      TarEntry b = out.get(i);
      assertThat(b.name()).isEqualTo(a.name());
      assertThat(b.type()).as(a.name()).isEqualTo(a.type());
      assertThat(b.mode()).as(a.name()).isEqualTo(a.mode());
      assertThat(b.uid()).as(a.name()).isEqualTo(a.uid());
      assertThat(b.gid()).as(a.name()).isEqualTo(a.gid());
      assertThat(b.size()).as(a.name()).isEqualTo(a.size());
      assertThat(b.mtime()).as(a.name()).isEqualTo(a.mtime());
      assertThat(b.linkName()).as(a.name()).isEqualTo(a.linkName());
      assertThat(b.devMajor()).as(a.name()).isEqualTo(a.devMajor());
      assertThat(b.devMinor()).as(a.name()).isEqualTo(a.devMinor());
      assertThat(b.xattrs().keySet()).as(a.name()).isEqualTo(a.xattrs().keySet());
      a.xattrs().forEach((k, v) -> assertThat(b.xattrs().get(k)).as(k).isEqualTo(v));
    }
    assertThat(new String(contents.get(1), StandardCharsets.UTF_8)).isEqualTo("ping!");
  }

  @Test
  void theSameEntriesGiveTheSameBytes() throws IOException {
    assertThat(write(sample(), sampleContents())).isEqualTo(write(sample(), sampleContents()));
  }

  @Test
  void commonsCompressReadsOurArchive() throws IOException {
    byte[] tar = write(sample(), sampleContents());
    Map<String, TarArchiveEntry> seen = new TreeMap<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
      for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
        seen.put(e.getName(), e);
      }
    }
    assertThat(seen).containsKeys("usr/", "usr/bin/ping", "usr/share/naïve-ünïcode.txt", "dev/null");
    assertThat(seen.get("big-ids").getLongUserId()).isEqualTo(3_000_000_000L);
    assertThat(seen.get("usr/bin/ping").getMode() & 07777).isEqualTo(04755);
    assertThat(seen.get("usr/bin/ping").getUserName()).isEmpty();
  }

  @Test
  void contentOfTheWrongLengthIsRefused() {
    TarEntry e = TarEntry.file("f", 0644, 0, 0, 4, 0);
    assertThatThrownBy(() -> write(List.of(e), List.of(new byte[3]))).hasMessageContaining("expected 4 bytes");
    assertThatThrownBy(() -> write(List.of(e), List.of(new byte[5]))).hasMessageContaining("longer than its size");
  }

  @Test
  void aCorruptHeaderIsAnError() throws IOException {
    byte[] tar = write(sample().subList(0, 1), sampleContents().subList(0, 1));
    tar[10] ^= 0x55;
    assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(tar)).next())
        .hasMessageContaining("checksum");
  }
}
