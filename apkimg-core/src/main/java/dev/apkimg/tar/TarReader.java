package dev.apkimg.tar;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a tar stream (ustar, GNU and PAX headers) and keeps PAX extended attributes
 * ({@code SCHILY.xattr.*}) as raw bytes. commons-compress 1.28 decodes every PAX value as UTF-8,
 * which corrupts binary values such as {@code security.capability}; apk packages carry those.
 */
public final class TarReader {
  private static final int BLOCK = 512;
  private static final String XATTR = "SCHILY.xattr.";

  private final InputStream in;
  private final byte[] header = new byte[BLOCK];
  private long remaining; // content bytes of the current entry not yet read
  private long padding; // padding after the current entry's content
  private boolean ended;

  public TarReader(InputStream in) {
    this.in = in;
  }

  /** The next entry, or {@code null} at the end of the archive. Skips the previous entry's rest. */
  public TarEntry next() throws IOException {
    skipFully(remaining + padding);
    remaining = 0;
    padding = 0;
    if (ended) {
      return null;
    }
    Map<String, byte[]> pax = new HashMap<>();
    String longName = null;
    String longLink = null;
    while (true) {
      if (!readBlock()) {
        ended = true; // apk's cut control tars end without the two zero blocks
        return null;
      }
      if (isZero(header)) {
        ended = true;
        return null;
      }
      verifyChecksum();
      byte type = header[156];
      long size = number(124, 12);
      switch (type) {
        case 'x' -> parsePax(readContent(size), pax);
        case 'g' -> readContent(size); // global defaults: apk does not use them
        case 'L' -> longName = cString(readContent(size));
        case 'K' -> longLink = cString(readContent(size));
        default -> {
          return entry(type, size, pax, longName, longLink);
        }
      }
    }
  }

  /** The current entry's content; ends with it. Reading it is optional. */
  public InputStream content() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        if (remaining <= 0) {
          return -1;
        }
        int b = in.read();
        if (b < 0) {
          throw new EOFException("truncated tar entry");
        }
        remaining--;
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (remaining <= 0) {
          return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
          throw new EOFException("truncated tar entry");
        }
        remaining -= n;
        return n;
      }
    };
  }

  private TarEntry entry(byte type, long size, Map<String, byte[]> pax, String longName, String longLink)
      throws IOException {
    boolean ustar = header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a'
        && header[261] == 'r';
    boolean gnu = ustar && header[262] == ' ';
    String name = cString(header, 0, 100);
    if (ustar && !gnu) {
      String prefix = cString(header, 345, 155);
      if (!prefix.isEmpty()) {
        name = prefix + "/" + name;
      }
    }
    if (longName != null) {
      name = longName;
    }
    String link = cString(header, 157, 100);
    if (longLink != null) {
      link = longLink;
    }
    long uid = number(108, 8);
    long gid = number(116, 8);
    long mtime = number(136, 12);
    TreeMap<String, byte[]> xattrs = new TreeMap<>();
    Map<String, String> other = new HashMap<>();
    for (Map.Entry<String, byte[]> e : pax.entrySet()) {
      String key = e.getKey();
      byte[] value = e.getValue();
      switch (key) {
        case "path" -> name = utf8(value);
        case "linkpath" -> link = utf8(value);
        case "size" -> {
          // apk-tools reads the header's size and ignores this record: where the two differ, apk
          // and we would cut the stream into different entries, so the archive is refused.
          long paxSize = paxNumber(name, key, value);
          if (paxSize != size) {
            throw new TarFormatException("tar entry " + TarFormatException.quote(name) + " has a PAX size of "
                + paxSize + " bytes but a header size of " + size);
          }
          size = paxSize;
        }
        case "uid" -> uid = paxNumber(name, key, value);
        case "gid" -> gid = paxNumber(name, key, value);
        case "mtime" -> mtime = paxTime(name, value);
        default -> {
          if (key.startsWith(XATTR)) {
            xattrs.put(key.substring(XATTR.length()), value);
          } else {
            other.put(key, utf8(value));
          }
        }
      }
    }
    if (size < 0) {
      throw new IOException("malformed tar header: negative size " + size);
    }
    if (type == 0 || type == '7') {
      type = TarEntry.REGULAR;
    }
    boolean hasContent = type == TarEntry.REGULAR;
    // Readers disagree on whether a link's or directory's size is followed by data (apk skips it,
    // others read the next header there): such an archive means different files to each.
    if (!hasContent && size != 0) {
      throw new TarFormatException("tar entry " + TarFormatException.quote(name) + " of type "
          + TarFormatException.quote(String.valueOf((char) type)) + " has " + size
          + " bytes of content; only regular files have content");
    }
    remaining = hasContent ? size : 0;
    padding = hasContent ? pad(size) : 0;
    // Old archives mark directories only by a trailing slash.
    if (type == TarEntry.REGULAR && name.endsWith("/") && size == 0) {
      type = TarEntry.DIRECTORY;
    }
    int mode = (int) (number(100, 8) & 07777);
    return new TarEntry(name, type, mode, uid, gid, hasContent ? size : 0, mtime,
        link.isEmpty() ? null : link, (int) number(329, 8), (int) number(337, 8), xattrs, other);
  }

  /** A PAX size, uid or gid: decimal digits only (a sign or garbage is a malformed archive). */
  private static long paxNumber(String entry, String key, byte[] value) throws TarFormatException {
    String s = utf8(value);
    if (s.isEmpty() || s.length() > 18 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new TarFormatException("tar entry " + TarFormatException.quote(entry) + " has a malformed PAX " + key + " "
          + TarFormatException.quote(s));
    }
    return Long.parseLong(s);
  }

  /** PAX records: {@code "LEN key=value\n"}, LEN counting the whole record; values are bytes. */
  private static void parsePax(byte[] data, Map<String, byte[]> out) throws IOException {
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
  private static long paxTime(String entry, byte[] value) throws TarFormatException {
    String s = utf8(value);
    if (!s.matches("-?[0-9]{1,18}(\\.[0-9]*)?")) {
      throw new TarFormatException("tar entry " + TarFormatException.quote(entry) + " has a malformed PAX mtime "
          + TarFormatException.quote(s));
    }
    return (long) Math.floor(Double.parseDouble(s));
  }

  private boolean readBlock() throws IOException {
    int off = 0;
    while (off < BLOCK) {
      int n = in.read(header, off, BLOCK - off);
      if (n < 0) {
        if (off == 0) {
          return false;
        }
        throw new EOFException("truncated tar header");
      }
      off += n;
    }
    return true;
  }

  private byte[] readContent(long size) throws IOException {
    if (size < 0) {
      throw new IOException("malformed tar header: negative size " + size);
    }
    if (size > 16 * 1024 * 1024) {
      throw new IOException("tar meta entry too large: " + size);
    }
    byte[] data = in.readNBytes((int) size);
    if (data.length != size) {
      throw new EOFException("truncated tar meta entry");
    }
    skipFully(pad(size));
    return data;
  }

  private void skipFully(long n) throws IOException {
    long left = n;
    byte[] buf = null;
    while (left > 0) {
      long skipped = in.skip(left);
      if (skipped <= 0) {
        if (buf == null) {
          buf = new byte[8192];
        }
        int r = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (r < 0) {
          throw new EOFException("truncated tar entry");
        }
        skipped = r;
      }
      left -= skipped;
    }
  }

  private void verifyChecksum() throws IOException {
    long stored = number(148, 8);
    long unsigned = 0;
    for (int i = 0; i < BLOCK; i++) {
      unsigned += (i >= 148 && i < 156) ? ' ' : (header[i] & 0xff);
    }
    if (stored != unsigned) {
      throw new IOException("tar header checksum mismatch (corrupt archive)");
    }
  }

  /** An octal field, or base-256 when its first byte has the high bit set (GNU). */
  private long number(int off, int len) throws IOException {
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

  private static long pad(long size) {
    return (BLOCK - size % BLOCK) % BLOCK;
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static String cString(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  private static String cString(byte[] b) {
    return cString(b, 0, b.length);
  }

  private static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
