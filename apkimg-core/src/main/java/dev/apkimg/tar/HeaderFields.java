package dev.apkimg.tar;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The fields of a 512-byte tar header block as {@link TarReader} reads them: its checksum, octal
 * or base-256 numbers and NUL-terminated strings. Kept apart so the reader's entry logic does not
 * mix with byte-level field decoding.
 */
final class HeaderFields {
  static final int BLOCK = 512;

  private HeaderFields() {}

  static void verifyChecksum(byte[] header) throws IOException {
    long stored = number(header, 148, 8);
    long unsigned = 0;
    for (int i = 0; i < BLOCK; i++) {
      unsigned += (i >= 148 && i < 156) ? ' ' : (header[i] & 0xff);
    }
    if (stored != unsigned) {
      throw new IOException("tar header checksum mismatch (corrupt archive)");
    }
  }

  /** An octal field, or base-256 when its first byte has the high bit set (GNU). */
  static long number(byte[] header, int off, int len) throws IOException {
    if ((header[off] & 0x80) != 0) {
      long v = header[off] & 0x7f;
      for (int i = 1; i < len; i++) {
        v = (v << 8) | (header[off + i] & 0xff);
      }
      return v;
    }
    long v = 0;
    int i = off;
    int end = off + len;
    while (i < end && (header[i] == ' ' || header[i] == 0)) {
      i++;
    }
    for (; i < end; i++) {
      byte b = header[i];
      if (b == 0 || b == ' ') {
        break;
      }
      if (b < '0' || b > '7') {
        throw new IOException("malformed number in tar header");
      }
      v = (v << 3) + (b - '0');
    }
    return v;
  }

  static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  static String cString(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  static String cString(byte[] b) {
    return cString(b, 0, b.length);
  }
}
