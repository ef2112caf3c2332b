package dev.apkimg.tar;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a POSIX tar stream whose every byte is fixed by the entries: ustar headers with numeric
 * owners only, and a PAX header (records in key order) when a name, link, id, size or time does
 * not fit, or the entry has extended attributes, whose values are written byte for byte.
 */
public final class TarWriter {
  private static final int BLOCK = 512;
  private static final long MAX_OCTAL_7 = 07777777L;
  private static final long MAX_OCTAL_11 = 077777777777L;

  private final OutputStream out;
  private long written;

  public TarWriter(OutputStream out) {
    this.out = out;
  }

  /**
   * Writes one entry; for a regular file, {@code content} supplies exactly {@code entry.size()}
   * bytes (others ignore it).
   */
  public void write(TarEntry e, InputStream content) throws IOException {
    byte[] nameBytes = e.name().getBytes(StandardCharsets.UTF_8);
    TreeMap<String, byte[]> pax = new TreeMap<>();
    String[] split = splitName(e.name(), nameBytes);
    if (split == null) {
      pax.put("path", nameBytes);
      split = new String[] {"", truncate(e.name(), 100)};
    }
    String link = e.linkName() == null ? "" : e.linkName();
    byte[] linkBytes = link.getBytes(StandardCharsets.UTF_8);
    if (linkBytes.length > 100 || !isAscii(linkBytes)) {
      pax.put("linkpath", linkBytes);
      link = truncate(link, 100);
    }
    long size = e.isRegular() ? e.size() : 0;
    if (e.uid() > MAX_OCTAL_7 || e.uid() < 0) {
      pax.put("uid", ascii(Long.toString(e.uid())));
    }
    if (e.gid() > MAX_OCTAL_7 || e.gid() < 0) {
      pax.put("gid", ascii(Long.toString(e.gid())));
    }
    if (size > MAX_OCTAL_11) {
      pax.put("size", ascii(Long.toString(size)));
    }
    if (e.mtime() > MAX_OCTAL_11 || e.mtime() < 0) {
      pax.put("mtime", ascii(Long.toString(e.mtime())));
    }
    for (Map.Entry<String, String> p : e.pax().entrySet()) {
      pax.put(p.getKey(), p.getValue().getBytes(StandardCharsets.UTF_8));
    }
    for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
      pax.put("SCHILY.xattr." + x.getKey(), x.getValue());
    }
    if (!pax.isEmpty()) {
      byte[] records = paxRecords(pax);
      String base = e.name().replaceAll("/+$", "");
      base = base.substring(base.lastIndexOf('/') + 1);
      byte[] h = header(truncate("PaxHeaders/" + base, 100), "", (byte) 'x', 0644, 0, 0, records.length,
          clamp(e.mtime()), "", 0, 0);
      out.write(h);
      out.write(records);
      pad(records.length);
      written += BLOCK + records.length;
    }
    out.write(header(split[1], split[0], e.type(), e.mode(), clampId(e.uid()), clampId(e.gid()),
        size > MAX_OCTAL_11 ? 0 : size, clamp(e.mtime()), link, e.devMajor(), e.devMinor()));
    written += BLOCK;
    if (size > 0) {
      long copied = content.transferTo(new BoundedOutput(out, size));
      if (copied != size) {
        throw new IOException("tar entry " + e.name() + ": expected " + size + " bytes, got " + copied);
      }
      pad(size);
      written += size;
    }
  }

  /** The end-of-archive marker: two zero blocks. */
  public void finish() throws IOException {
    out.write(new byte[2 * BLOCK]);
    written += 2 * BLOCK;
    out.flush();
  }

  /** {@code {prefix, name}} for ustar, or {@code null} when the name needs a PAX {@code path}. */
  private static String[] splitName(String name, byte[] bytes) {
    if (!isAscii(bytes)) {
      return null;
    }
    if (bytes.length <= 100) {
      return new String[] {"", name};
    }
    // ustar: prefix (<= 155) + "/" + name (<= 100), split at a slash.
    for (int i = bytes.length - 1; i > 0; i--) {
      if (bytes[i] == '/' && i <= 155 && bytes.length - i - 1 <= 100 && bytes.length - i - 1 > 0) {
        return new String[] {name.substring(0, i), name.substring(i + 1)};
      }
    }
    return null;
  }

  private static byte[] header(String name, String prefix, byte type, int mode, long uid, long gid, long size,
      long mtime, String link, int devMajor, int devMinor) {
    byte[] h = new byte[BLOCK];
    put(h, 0, 100, name);
    octal(h, 100, 8, mode & 07777);
    octal(h, 108, 8, uid);
    octal(h, 116, 8, gid);
    octal(h, 124, 12, size);
    octal(h, 136, 12, mtime);
    h[156] = type;
    put(h, 157, 100, link);
    put(h, 257, 6, "ustar");
    h[263] = '0';
    h[264] = '0';
    if (type == TarEntry.CHARACTER_DEVICE || type == TarEntry.BLOCK_DEVICE) {
      octal(h, 329, 8, devMajor);
      octal(h, 337, 8, devMinor);
    }
    put(h, 345, 155, prefix);
    long sum = 0;
    for (int i = 0; i < BLOCK; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
    }
    String chk = String.format("%06o", sum);
    put(h, 148, 6, chk);
    h[154] = 0;
    h[155] = ' ';
    return h;
  }

  private static byte[] paxRecords(TreeMap<String, byte[]> pax) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (Map.Entry<String, byte[]> r : pax.entrySet()) {
      byte[] key = r.getKey().getBytes(StandardCharsets.UTF_8);
      int body = 1 + key.length + 1 + r.getValue().length + 1; // ' ' key '=' value '\n'
      int len = body + Integer.toString(body).length();
      if (Integer.toString(len).length() != Integer.toString(body).length()) {
        len = body + Integer.toString(len).length();
      }
      b.writeBytes(ascii(Integer.toString(len)));
      b.write(' ');
      b.writeBytes(key);
      b.write('=');
      b.writeBytes(r.getValue());
      b.write('\n');
    }
    return b.toByteArray();
  }

  private void pad(long size) throws IOException {
    int p = (int) ((BLOCK - size % BLOCK) % BLOCK);
    if (p > 0) {
      out.write(new byte[p]);
      written += p;
    }
  }

  private static void octal(byte[] h, int off, int len, long value) {
    String s = Long.toOctalString(value);
    String padded = "0".repeat(Math.max(0, len - 1 - s.length())) + s;
    put(h, off, len - 1, padded);
    h[off + len - 1] = 0;
  }

  private static void put(byte[] h, int off, int len, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(b, 0, h, off, Math.min(len, b.length));
  }

  private static String truncate(String s, int maxBytes) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length <= maxBytes && isAscii(b)) {
      return s;
    }
    StringBuilder sb = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (sb.length() >= maxBytes) {
        break;
      }
      sb.append(c < 0x80 ? c : '_');
    }
    return sb.toString();
  }

  private static boolean isAscii(byte[] b) {
    for (byte x : b) {
      if (x < 0) {
        return false;
      }
    }
    return true;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static long clamp(long t) {
    return Math.max(0, Math.min(t, MAX_OCTAL_11));
  }

  private static long clampId(long id) {
    return id < 0 || id > MAX_OCTAL_7 ? 0 : id;
  }

  /** Bytes written so far, headers and padding included. */
  public long written() {
    return written;
  }

  /** Stops a content stream that is longer than the header says from corrupting the archive. */
  private static final class BoundedOutput extends OutputStream {
    private final OutputStream out;
    private long left;

    BoundedOutput(OutputStream out, long limit) {
      this.out = out;
      this.left = limit;
    }

    @Override
    public void write(int b) throws IOException {
      if (left <= 0) {
        throw new IOException("tar entry content longer than its size");
      }
      out.write(b);
      left--;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (len > left) {
        throw new IOException("tar entry content longer than its size");
      }
      out.write(b, off, len);
      left -= len;
    }
  }
}
