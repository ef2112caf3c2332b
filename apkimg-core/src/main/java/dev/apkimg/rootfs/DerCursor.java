package dev.apkimg.rootfs;

import java.util.Arrays;

/**
 * A cursor over the DER elements within {@code [pos, end)} of a byte array: enough to walk an
 * X.509 certificate's names (for OpenSSL's subject hash and p11-kit's labels). Lengths of up to
 * three bytes, single-byte tags; anything else is {@link IllegalArgumentException} "not DER".
 */
final class DerCursor {
  private final byte[] b;
  private int pos;
  private final int end;

  private DerCursor(byte[] b, int pos, int end) {
    this.b = b;
    this.pos = pos;
    this.end = end;
  }

  /** A cursor over all of {@code der}. */
  static DerCursor of(byte[] der) {
    return new DerCursor(der, 0, der.length);
  }

  boolean more() {
    return pos < end;
  }

  /** The next element's tag. */
  int tag() {
    if (pos >= end) {
      throw new IllegalArgumentException("not DER");
    }
    return b[pos] & 0xff;
  }

  /** The next element's content as a cursor; it must have {@code tag}. */
  DerCursor enter(int tag) {
    int[] h = header(tag);
    pos = h[0] + h[1];
    return new DerCursor(b, h[0], h[0] + h[1]);
  }

  /** The next element's content bytes; it must have {@code tag}, or any tag when -1. */
  byte[] value(int tag) {
    int[] h = header(tag);
    pos = h[0] + h[1];
    return Arrays.copyOfRange(b, h[0], h[0] + h[1]);
  }

  /** The next element whole (tag, length, content). */
  byte[] element() {
    int start = pos;
    int[] h = header(-1);
    pos = h[0] + h[1];
    return Arrays.copyOfRange(b, start, pos);
  }

  void skip() {
    int[] h = header(-1);
    pos = h[0] + h[1];
  }

  /** The content bytes of the next element, without moving past it. */
  byte[] content() {
    int[] h = header(-1);
    return Arrays.copyOfRange(b, h[0], h[0] + h[1]);
  }

  /** Where the next element's content starts, and its length. */
  private int[] header(int tag) {
    if (pos + 2 > end || (b[pos] & 0x1f) == 0x1f || (tag >= 0 && (b[pos] & 0xff) != tag)) {
      throw new IllegalArgumentException("not DER");
    }
    int p = pos + 1;
    int len = b[p++] & 0xff;
    if (len >= 0x80) {
      int n = len & 0x7f;
      if (n == 0 || n > 3 || p + n > end) {
        throw new IllegalArgumentException("not DER");
      }
      len = 0;
      for (int i = 0; i < n; i++) {
        len = (len << 8) | (b[p++] & 0xff);
      }
    }
    if (p + len > end) {
      throw new IllegalArgumentException("not DER");
    }
    return new int[] {p, len};
  }
}
