package dev.apkimg.cli;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, byte-exact tar reader for the fidelity tests: ustar, GNU ({@code L}/{@code K} long
 * names) and PAX ({@code x}/{@code g}) headers. It exists because commons-compress 1.28 decodes
 * PAX values as UTF-8 and so corrupts binary xattrs such as {@code SCHILY.xattr.security.capability}
 * (see DESIGN.md): here PAX values stay raw bytes. It also keeps each entry's header block so a
 * test can say how headers differ. Header checksums are verified: a bad one is a real defect.
 */
final class TarStream {
  private TarStream() {}

  /** One member, after its PAX / GNU long-name headers have been applied. */
  record Entry(String name, char type, int mode, long uid, long gid, String uname, String gname, long mtime,
      String linkName, int devMajor, int devMinor, Map<String, byte[]> pax, byte[] content, byte[] header) {

    boolean isDirectory() {
      return type == '5';
    }

    boolean isHardlink() {
      return type == '1';
    }

    /** The header's magic and version: {@code "ustar\0" "00"} is POSIX, {@code "ustar " " \0"} GNU. */
    String format() {
      String magic = new String(header, 257, 8, StandardCharsets.ISO_8859_1);
      return magic.startsWith("ustar\0") ? "posix-ustar" : magic.startsWith("ustar ") ? "gnu" : "v7";
    }
  }

  /** Reads every entry of an (uncompressed) tar stream; stops at the first zero block or at EOF. */
  static List<Entry> read(InputStream in) throws IOException {
    List<Entry> entries = new ArrayList<>();
    Map<String, byte[]> global = new LinkedHashMap<>();
    Map<String, byte[]> pax = new LinkedHashMap<>();
    String longName = null;
    String longLink = null;
    while (true) {
      byte[] h = in.readNBytes(512);
      if (h.length == 0 || isZero(h)) {
        return entries;
      }
      if (h.length < 512) {
        throw new EOFException("truncated tar header after " + entries.size() + " entries");
      }
      String rawName = string(h, 0, 100);
      verifyChecksum(h, rawName);
      char type = (char) h[156];
      long size = number(h, 124, 12);
      byte[] data = in.readNBytes(Math.toIntExact(size));
      if (data.length != size) {
        throw new EOFException("truncated tar member " + rawName);
      }
      in.readNBytes((int) ((512 - size % 512) % 512));
      switch (type) {
        case 'x' -> {
          pax.putAll(parsePax(data, rawName));
          continue;
        }
        case 'g' -> {
          global.putAll(parsePax(data, rawName));
          continue;
        }
        case 'L' -> {
          longName = cString(data);
          continue;
        }
        case 'K' -> {
          longLink = cString(data);
          continue;
        }
        default -> { }
      }
      Map<String, byte[]> attrs = new LinkedHashMap<>(global);
      attrs.putAll(pax);
      String magic = new String(h, 257, 6, StandardCharsets.ISO_8859_1);
      String prefix = magic.equals("ustar\0") ? string(h, 345, 155) : "";
      String name = longName != null ? longName : prefix.isEmpty() ? rawName : prefix + "/" + rawName;
      String link = longLink != null ? longLink : string(h, 157, 100);
      name = paxString(attrs, "path", name);
      link = paxString(attrs, "linkpath", link);
      long uid = paxNumber(attrs, "uid", number(h, 108, 8));
      long gid = paxNumber(attrs, "gid", number(h, 116, 8));
      long mtime = paxNumber(attrs, "mtime", number(h, 136, 12));
      // A PAX "size" overrides the header's; it only matters for members over 8 GiB, never here.
      entries.add(new Entry(name, type == '\0' ? '0' : type, (int) number(h, 100, 8), uid, gid,
          paxString(attrs, "uname", string(h, 265, 32)), paxString(attrs, "gname", string(h, 297, 32)), mtime,
          link, (int) number(h, 329, 8), (int) number(h, 337, 8), Map.copyOf(pax), data, h));
      pax = new LinkedHashMap<>();
      longName = null;
      longLink = null;
    }
  }

  /** PAX records: {@code "LEN KEY=VALUE\n"}, LEN counting the whole record; values kept as raw bytes. */
  static Map<String, byte[]> parsePax(byte[] data, String member) throws IOException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    int pos = 0;
    while (pos < data.length && data[pos] != 0) {
      int space = indexOf(data, (byte) ' ', pos);
      int eq = space < 0 ? -1 : indexOf(data, (byte) '=', space);
      int len;
      try {
        len = Integer.parseInt(new String(data, pos, Math.max(space - pos, 0), StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        throw new IOException("bad PAX record length in " + member + " at byte " + pos);
      }
      int end = pos + len;
      if (eq < 0 || end > data.length || eq >= end || data[end - 1] != '\n') {
        throw new IOException("bad PAX record in " + member + " at byte " + pos);
      }
      String key = new String(data, space + 1, eq - space - 1, StandardCharsets.UTF_8);
      out.put(key, Arrays.copyOfRange(data, eq + 1, end - 1));
      pos = end;
    }
    return out;
  }

  private static void verifyChecksum(byte[] h, String name) throws IOException {
    long stored = number(h, 148, 8);
    long sum = 0;
    for (int i = 0; i < 512; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
    }
    if (sum != stored) {
      throw new IOException("tar header checksum of " + name + " is " + stored + ", computed " + sum);
    }
  }

  /** Octal (NUL/space padded) or, with the high bit of the first byte set, GNU base-256. */
  static long number(byte[] h, int off, int len) throws IOException {
    if ((h[off] & 0x80) != 0) {
      long v = h[off] & 0x7f;
      for (int i = 1; i < len; i++) {
        v = (v << 8) | (h[off + i] & 0xff);
      }
      return v;
    }
    String s = new String(h, off, len, StandardCharsets.US_ASCII).replace('\0', ' ').trim();
    if (s.isEmpty()) {
      return 0;
    }
    try {
      return Long.parseLong(s, 8);
    } catch (NumberFormatException e) {
      throw new IOException("bad octal number '" + s + "' at header offset " + off);
    }
  }

  private static String paxString(Map<String, byte[]> pax, String key, String dflt) {
    byte[] v = pax.get(key);
    return v == null ? dflt : new String(v, StandardCharsets.UTF_8);
  }

  private static long paxNumber(Map<String, byte[]> pax, String key, long dflt) {
    byte[] v = pax.get(key);
    if (v == null) {
      return dflt;
    }
    String s = new String(v, StandardCharsets.US_ASCII);
    int dot = s.indexOf('.'); // mtime may have a fraction
    return Long.parseLong(dot < 0 ? s : s.substring(0, dot));
  }

  private static String string(byte[] h, int off, int len) {
    int end = off;
    while (end < off + len && h[end] != 0) {
      end++;
    }
    return new String(h, off, end - off, StandardCharsets.UTF_8);
  }

  private static String cString(byte[] data) {
    return string(data, 0, data.length);
  }

  private static int indexOf(byte[] a, byte b, int from) {
    for (int i = from; i < a.length; i++) {
      if (a[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static boolean isZero(byte[] h) {
    for (byte b : h) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }
}
