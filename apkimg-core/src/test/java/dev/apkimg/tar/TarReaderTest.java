package dev.apkimg.tar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.testing.RawDataTar;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * Archives that apk-tools and a literal reader would cut into different entries are refused
 * with a {@link TarFormatException} naming the entry, never read one way or the other.
 */
class TarReaderTest {
  private static List<String> names(RawDataTar tar) throws IOException {
    List<String> out = new ArrayList<>();
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(tar.gzipMember()))) {
      TarReader r = new TarReader(in);
      for (TarEntry e; (e = r.next()) != null; ) {
        out.add(e.name() + (e.size() > 0 ? ":" + e.size() : ""));
      }
    }
    return out;
  }

  @Test
  void ordinaryEntriesAreRead() throws IOException {
    assertThat(names(new RawDataTar().dir("usr").file("usr/a", "abc").symlink("usr/l", "a").hardlink("usr/h", "usr/a")))
        .containsExactly("usr/", "usr/a:3", "usr/l", "usr/h");
  }

  @Test
  void aPaxSizeThatDisagreesWithTheHeaderIsRefused() {
    // apk reads the header's size (3), a PAX reader 1024: they would see different next entries.
    RawDataTar tar = new RawDataTar().dir("usr").paxRecord("size", "1024").file("usr/a", "abc").file("usr/b", "b");
    assertThatThrownBy(() -> names(tar)).isInstanceOf(TarFormatException.class)
        .hasMessageContaining("\"usr/a\"").hasMessageContaining("PAX size of 1024").hasMessageContaining("header size of 3");
  }

  @Test
  void aMalformedPaxNumberIsAFormatError() {
    RawDataTar tar = new RawDataTar().paxRecord("uid", "-1").file("a", "abc");
    assertThatThrownBy(() -> names(tar)).isInstanceOf(TarFormatException.class)
        .hasMessageContaining("\"a\"").hasMessageContaining("malformed PAX uid \"-1\"");
    RawDataTar size = new RawDataTar().paxRecord("size", "3x").file("a", "abc");
    assertThatThrownBy(() -> names(size)).isInstanceOf(TarFormatException.class)
        .hasMessageContaining("malformed PAX size");
  }

  @Test
  void aLinkOrDirectoryWithContentIsRefused() {
    assertThatThrownBy(() -> names(new RawDataTar().entry("l", '2', "x", new byte[700])))
        .isInstanceOf(TarFormatException.class).hasMessageContaining("\"l\"").hasMessageContaining("700 bytes");
    assertThatThrownBy(() -> names(new RawDataTar().entry("d/", '5', null, new byte[512])))
        .isInstanceOf(TarFormatException.class).hasMessageContaining("\"d/\"");
  }

  @Test
  void quoteKeepsAMessageOnOneLine() {
    assertThat(TarFormatException.quote("a\nb\u0000c\"d\\e\u009b")).isEqualTo("\"a\\nb\\x00c\\\"d\\\\e\\x9b\"");
  }
}
