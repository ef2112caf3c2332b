package dev.apkimg.tar;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The PAX extended header of {@link TarReader}: its records, and the numbers in them. Kept apart
 * because PAX values arrive as raw bytes (binary xattrs must stay so) and their grammar is
 * independent of the 512-byte header block.
 */
final class PaxRecords {
  private PaxRecords() {}

  /** A PAX size, uid or gid: decimal digits only (a sign or garbage is a malformed archive). */
  static long paxNumber(String entry, String key, byte[] value) throws TarFormatException {
    String s = utf8(value);
    if (s.isEmpty() || s.length() > 18 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new TarFormatException("tar entry " + TarFormatException.quote(entry) + " has a malformed PAX " + key + " "
          + TarFormatException.quote(s));
    }
    return Long.parseLong(s);
  }

  /** PAX records: {@code "LEN key=value\n"}, LEN counting the whole record; values are bytes. */
  static void parse(byte[] data, Map<String, byte[]> out) throws IOException {
    int pos = 0;
    while (pos < data.length) {
      int space = pos;
      while (space < data.length && data[space] != ' ') {
        space++;
      }
      if (space >= data.length) {
        break;
      }
      int len;
      try {
        len = Integer.parseInt(new String(data, pos, space - pos, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        throw new IOException("malformed PAX header record length");
      }
      if (len <= 0 || pos + len > data.length) {
        throw new IOException("malformed PAX header record");
      }
      int eq = space + 1;
      while (eq < pos + len && data[eq] != '=') {
        eq++;
      }
      if (eq >= pos + len - 1) { // the record ends in '\n' after the value
        throw new IOException("malformed PAX header record: no '='");
      }
      String key = new String(data, space + 1, eq - space - 1, StandardCharsets.UTF_8);
      byte[] value = java.util.Arrays.copyOfRange(data, eq + 1, pos + len - 1); // drop the '\n'
      out.put(key, value);
      pos += len;
    }
  }

  /** A PAX mtime: seconds, possibly negative and with a fraction, which is dropped. */
  static long paxTime(String entry, byte[] value) throws TarFormatException {
    String s = utf8(value);
    if (!s.matches("-?[0-9]{1,18}(\\.[0-9]*)?")) {
      throw new TarFormatException("tar entry " + TarFormatException.quote(entry) + " has a malformed PAX mtime "
          + TarFormatException.quote(s));
    }
    return (long) Math.floor(Double.parseDouble(s));
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
