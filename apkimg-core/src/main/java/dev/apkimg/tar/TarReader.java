package dev.apkimg.tar;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a tar stream (ustar, GNU and PAX headers) and keeps PAX extended attributes
 * ({@code SCHILY.xattr.*}) as raw bytes. commons-compress 1.28 decodes every PAX value as UTF-8,
 * which corrupts binary values such as {@code security.capability}; apk packages carry those.
 */
public final class TarReader {
  private static final int BLOCK = HeaderFields.BLOCK;
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
      if (HeaderFields.isZero(header)) {
        ended = true;
        return null;
      }
      HeaderFields.verifyChecksum(header);
      byte type = header[156];
      long size = number(124, 12);
      switch (type) {
        case 'x' -> PaxRecords.parse(readContent(size), pax);
        case 'g' -> readContent(size); // global defaults: apk does not use them
        case 'L' -> longName = HeaderFields.cString(readContent(size));
        case 'K' -> longLink = HeaderFields.cString(readContent(size));
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
    String name = HeaderFields.cString(header, 0, 100);
    if (ustar && !gnu) {
      String prefix = HeaderFields.cString(header, 345, 155);
      if (!prefix.isEmpty()) {
        name = prefix + "/" + name;
      }
    }
    if (longName != null) {
      name = longName;
    }
    String link = HeaderFields.cString(header, 157, 100);
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
        case "path" -> name = PaxRecords.utf8(value);
        case "linkpath" -> link = PaxRecords.utf8(value);
        case "size" -> {
          // apk-tools reads the header's size and ignores this record: where the two differ, apk
          // and we would cut the stream into different entries, so the archive is refused.
          long paxSize = PaxRecords.paxNumber(name, key, value);
          if (paxSize != size) {
            throw new TarFormatException("tar entry " + TarFormatException.quote(name) + " has a PAX size of "
                + paxSize + " bytes but a header size of " + size);
          }
          size = paxSize;
        }
        case "uid" -> uid = PaxRecords.paxNumber(name, key, value);
        case "gid" -> gid = PaxRecords.paxNumber(name, key, value);
        case "mtime" -> mtime = PaxRecords.paxTime(name, value);
        default -> {
          if (key.startsWith(XATTR)) {
            xattrs.put(key.substring(XATTR.length()), value);
          } else {
            other.put(key, PaxRecords.utf8(value));
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

  /** A field of the current header block; see {@link HeaderFields#number}. */
  private long number(int off, int len) throws IOException {
    return HeaderFields.number(header, off, len);
  }

  private static long pad(long size) {
    return (BLOCK - size % BLOCK) % BLOCK;
  }
}
