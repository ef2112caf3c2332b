package dev.apkimg.apk;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes {@code lib/apk/db/scripts.tar} with the header layout apk-tools itself writes (GNU magic
 * {@code "ustar  "}, owner names {@code root}, mode/uid/gid as 7 octal digits and a NUL,
 * size/mtime as 12 digits without a terminator, padded to 10 KiB records), so the file is the
 * same bytes apk would leave.
 */
public final class ScriptsTarWriter {
  private static final int BLOCK = 512;
  private static final int RECORD = 20 * BLOCK;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  /** Adds a script named {@code NAME-VERSION.Q1....TYPE}, mode 0755. */
  public ScriptsTarWriter add(String name, byte[] content, long mtime) {
    byte[] h = new byte[BLOCK];
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    if (n.length > 99) {
      throw new IllegalArgumentException("script name too long for apk's scripts.tar: " + name);
    }
    System.arraycopy(n, 0, h, 0, n.length);
    octal(h, 100, 7, 0755);
    octal(h, 108, 7, 0);
    octal(h, 116, 7, 0);
    octal(h, 124, 12, content.length);
    octal(h, 136, 12, mtime);
    h[156] = '0';
    ascii(h, 257, "ustar  ");
    ascii(h, 265, "root");
    ascii(h, 297, "root");
    for (int i = 148; i < 156; i++) {
      h[i] = ' ';
    }
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    octal(h, 148, 6, sum); // then a NUL and a space, as apk leaves them
    h[154] = 0;
    out.writeBytes(h);
    out.writeBytes(content);
    out.writeBytes(new byte[(BLOCK - content.length % BLOCK) % BLOCK]);
    return this;
  }

  /** The archive: entries, two zero blocks, padding to a whole record. */
  public byte[] toByteArray() {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    all.writeBytes(out.toByteArray());
    all.writeBytes(new byte[2 * BLOCK]);
    int size = all.size();
    all.writeBytes(new byte[(RECORD - size % RECORD) % RECORD]);
    return all.toByteArray();
  }

  /** {@code len} octal digits with leading zeros, no terminator. */
  private static void octal(byte[] h, int off, int len, long value) {
    String s = Long.toOctalString(value);
    if (s.length() > len) {
      throw new IllegalArgumentException("value too large for a tar header: " + value);
    }
    ascii(h, off, "0".repeat(len - s.length()) + s);
  }

  private static void ascii(byte[] h, int off, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, h, off, b.length);
  }
}
